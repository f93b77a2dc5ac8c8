package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

// TestBrowserTrackerToDashboard is the founding complaint end to end, on the
// built binary with the default config: a web page of the old dashboard
// includes the collector's /tracker.js and throws; the browser reports it
// with sendBeacon to trackreceiver, the routing table sends it to the
// dashboard, and the dashboard page shows it live and in its detail view.
func TestBrowserTrackerToDashboard(t *testing.T) {
	ctx := testbin.Browser(t)
	d := startDefault(t, "")
	dashURL := fmt.Sprintf("http://127.0.0.1:%d", d.dashboard)

	// The legacy dashboard page, on its own origin, as in production.
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/models": // the old refreshModelServices endpoint, failing
			http.Error(w, "model service down", http.StatusServiceUnavailable)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html><head><title>legacy dashboard</title>
<script src="%s/tracker.js"></script></head><body><p>legacy</p>
<script>
function refreshModelServices() { return fetch('/api/models'); }
refreshModelServices();
setTimeout(function () { throw new Error('e2e boom in legacy dashboard'); }, 50);
</script></body></html>`, dashURL)
		}
	}))
	t.Cleanup(page.Close)

	// Open the dashboard first, so the event must arrive live.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(dashURL+"/")))
	testbin.WaitJS(t, ctx, `document.getElementById('live-state').textContent === 'live'`, 10*time.Second)

	// The legacy page, in a second tab.
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(page.URL+"/")))

	// The thrown error is stored as a dashboard.error event.
	var id string
	d.col.WaitFor(15*time.Second, func() bool {
		id = findEvent(dashURL, "e2e boom in legacy dashboard")
		return id != ""
	}, "the thrown error stored on the dashboard")
	// The failed fetch too.
	d.col.WaitFor(15*time.Second, func() bool {
		return findEvent(dashURL, "api/models") != ""
	}, "the failed fetch stored on the dashboard")

	// It appears live on the open dashboard, then in the detail view.
	testbin.WaitJS(t, ctx, rowWith("e2e boom in legacy dashboard"), 20*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(dashURL+"/#/events/"+id)))
	testbin.WaitJS(t, ctx, `!document.getElementById('detail').hidden && document.getElementById('d-attrs').textContent.includes('exception.stacktrace')`, 20*time.Second)
	fields := testbin.EvalJS[string](t, ctx, `document.getElementById('detail').textContent`)
	assert.Contains(t, fields, "dashboard.error")
	assert.Contains(t, fields, "track.routes")
	testbin.Screenshot(t, ctx, "e2e-tracker-detail.png")
}

func rowWith(text string) string {
	return fmt.Sprintf(`Array.from(document.querySelectorAll('#rows tr')).some(r => r.textContent.includes(%q))`, text)
}

// findEvent returns the id of the first dashboard.error event that the
// dashboard's full-text search finds for the phrase q, or "".
func findEvent(dashURL, q string) string {
	resp, err := http.Get(dashURL + "/api/events?q=" + url.QueryEscape(`"`+q+`"`))
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var page struct {
		Events []struct {
			EventID   string `json:"event_id"`
			EventName string `json:"event_name"`
		} `json:"events"`
	}
	if json.NewDecoder(resp.Body).Decode(&page) != nil {
		return ""
	}
	for _, e := range page.Events {
		if e.EventName == "dashboard.error" {
			return e.EventID
		}
	}
	return ""
}
