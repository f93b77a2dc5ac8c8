package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

// TestBrowserDashboardViewsAndAnalytics, on the built binary with the
// default config, through the legacy endpoints: a shared URL reopens the
// same filtered view with the same event open; brushing the histogram
// narrows the list; the uptime strip of a check that was down for a known
// hour shows that hour and the right percentage, and the incidents panel
// (the ledger's) its one incident resolved in that hour; "first seen today"
// holds a new error name and not an old one.
func TestBrowserDashboardViewsAndAnalytics(t *testing.T) {
	ctx := testbin.Browser(t)
	d := startDefault(t, "")
	dash := fmt.Sprintf("http://127.0.0.1:%d", d.dashboard)
	now := time.Now().UTC().Truncate(time.Second)
	ts := func(ago time.Duration) string { return now.Add(-ago).Format(time.RFC3339) }

	post(t, d.track, "/v1/legacy/health", fmt.Sprintf(`{"check":"ollama","status":"healthy","checked_at":%q}`, ts(20*time.Hour)))
	post(t, d.track, "/v1/legacy/health", fmt.Sprintf(`{"check":"ollama","status":"unhealthy","previous_status":"healthy","error":"connection refused","checked_at":%q}`, ts(5*time.Hour)))
	post(t, d.track, "/v1/legacy/health", fmt.Sprintf(`{"check":"ollama","status":"healthy","previous_status":"unhealthy","checked_at":%q}`, ts(4*time.Hour)))
	post(t, d.track, "/v1/track", fmt.Sprintf(`{"event_type":"e2e_old_failure","message":"old failure","severity":"error","category":"e2e","timestamp":%q}`, ts(3*24*time.Hour)))
	post(t, d.track, "/v1/track", fmt.Sprintf(`{"event_type":"e2e_old_failure","message":"old failure again","severity":"error","category":"e2e","timestamp":%q}`, ts(time.Hour)))
	post(t, d.track, "/v1/track", fmt.Sprintf(`{"event_type":"e2e_new_failure","message":"a new kind of failure","severity":"error","category":"e2e","timestamp":%q}`, ts(0)))
	// Two steps four minutes apart in a known ten-minute window, for the brush.
	m0 := now.Truncate(time.Minute).Add(-20 * time.Minute)
	for i, at := range []time.Duration{2 * time.Minute, 6 * time.Minute} {
		post(t, d.track, "/v1/track", fmt.Sprintf(`{"event_type":"e2e_step","message":"brush step %d","category":"agent","timestamp":%q}`, i, m0.Add(at).Format(time.RFC3339)))
	}
	d.col.WaitFor(20*time.Second, func() bool {
		r, err := http.Get(dash + "/api/events?event_name=e2e_step,e2e_new_failure,health.status_changed")
		if err != nil {
			return false
		}
		defer r.Body.Close()
		var page struct {
			Events []json.RawMessage `json:"events"`
		}
		return json.NewDecoder(r.Body).Decode(&page) == nil && len(page.Events) == 5 // two steps, the new failure, two status changes
	}, "the events stored")
	// The incidents panel is the ledger's: notify and blog fold the health
	// events into it through the pipeline.
	d.col.WaitFor(30*time.Second, func() bool {
		r, err := http.Get(dash + "/api/analytics")
		if err != nil {
			return false
		}
		defer r.Body.Close()
		var a struct {
			Incidents []struct {
				Subject  string `json:"subject"`
				Resolved int    `json:"resolved"`
			} `json:"incidents"`
		}
		if json.NewDecoder(r.Body).Decode(&a) != nil {
			return false
		}
		for _, st := range a.Incidents {
			if st.Subject == "ollama" && st.Resolved == 1 {
				return true
			}
		}
		return false
	}, "the ollama incident in the ledger, resolved")

	// Uptime over 24 h: known 20 h, down 1 h: 95 %.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(dash+"/")))
	li := `document.querySelector('#an-uptime li[data-subject="ollama"]')`
	testbin.WaitJS(t, ctx, `!!`+li+` && !!`+li+`.querySelector('rect.down')`, 15*time.Second)
	testbin.EvalJS[bool](t, ctx, `(function(){const s=document.getElementById('an-window'); s.value='24h'; s.dispatchEvent(new Event('change')); return true})()`)
	downs := testbin.EvalJS[[]map[string]string](t, ctx, `Array.from(`+li+`.querySelectorAll('rect.down')).map(r => ({start: r.dataset.start, end: r.dataset.end}))`)
	require.Len(t, downs, 1)
	assert.Equal(t, fmt.Sprint(now.Add(-5*time.Hour).UnixMilli()), downs[0]["start"])
	assert.Equal(t, fmt.Sprint(now.Add(-4*time.Hour).UnixMilli()), downs[0]["end"])
	assert.Equal(t, "95.00 %", testbin.EvalJS[string](t, ctx, li+`.querySelector('.pct').textContent`))

	// Incidents per subject, from the ledger: ollama's one incident took the hour it was down.
	row := `document.querySelector('#an-incidents tr[data-key*="health.check=ollama"]')`
	testbin.WaitJS(t, ctx, `!!`+row, 10*time.Second)
	assert.Equal(t, "ledger", testbin.EvalJS[string](t, ctx, `document.getElementById('an-incidents').dataset.state`))
	assert.Equal(t, []string{"Health check ollama", "1", "1", "60 min", ""},
		testbin.EvalJS[[]string](t, ctx, `Array.from(`+row+`.children).filter((c, i) => i !== 1).map(c => c.textContent)`))

	// First seen today: the new name, not the old one.
	testbin.WaitJS(t, ctx, `!!document.querySelector('#an-new li[data-name="e2e_new_failure"]')`, 10*time.Second)
	assert.False(t, testbin.EvalJS[bool](t, ctx, `!!document.querySelector('#an-new li[data-name="e2e_old_failure"]')`))
	assert.True(t, testbin.EvalJS[bool](t, ctx, `!!document.querySelector('#an-errors tr[data-name="e2e_old_failure"]')`), "the old name is in the top list")
	testbin.Screenshot(t, ctx, "e2e-dashboard-analytics.png")

	// A shared view: filters and the open event in the URL.
	testbin.EvalJS[bool](t, ctx, `(function(){const s=document.getElementById('f-severity'); s.value='error'; s.dispatchEvent(new Event('change')); return true})()`)
	testbin.WaitJS(t, ctx, `new URLSearchParams(location.search).get('severity') === 'error'`, 5*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("f-q"), "refused")))
	testbin.WaitJS(t, ctx, `document.querySelectorAll('#rows tr').length === 1 && new URLSearchParams(location.search).get('q') === 'refused'`, 10*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#rows tr td.msg`))))
	testbin.WaitJS(t, ctx, `!document.getElementById('detail').hidden && document.getElementById('d-body').textContent.includes('connection refused')`, 5*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("d-copy"))))
	testbin.WaitJS(t, ctx, `document.getElementById('d-link').value !== ''`, 5*time.Second)
	link := testbin.EvalJS[string](t, ctx, `document.getElementById('d-link').value`)
	require.Contains(t, link, "#/events/")
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(link)))
	testbin.WaitJS(t, tab, `document.querySelectorAll('#rows tr').length === 1 && document.getElementById('f-q').value === 'refused' && document.getElementById('f-severity').value === 'error'`, 10*time.Second)
	testbin.WaitJS(t, tab, `!document.getElementById('detail').hidden && document.getElementById('d-body').textContent.includes('connection refused')`, 5*time.Second)

	// Brushing: a ten-minute window, drag over its slots 1 to 3: only the
	// first step (at minute 2) stays.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/?category=agent&since=%d&until=%d", dash, m0.UnixMilli(), m0.Add(10*time.Minute).UnixMilli()))))
	testbin.WaitJS(t, ctx, `document.querySelectorAll('#rows tr').length === 2 && document.querySelectorAll('#histogram rect.sev-INFO').length === 2`, 10*time.Second)
	slot := `(function(i){const r=document.getElementById('histogram').getBoundingClientRect(); const w=(r.width-52)/10; return r.left+44+(i+0.5)*w})`
	for _, m := range []struct {
		kind string
		slot int
	}{{"mousedown", 1}, {"mousemove", 3}, {"mouseup", 3}} {
		testbin.EvalJS[bool](t, ctx, fmt.Sprintf(`(function(){const svg=document.getElementById('histogram'); const r=svg.getBoundingClientRect();
			svg.dispatchEvent(new MouseEvent(%q, {bubbles:true, clientX:%s(%d), clientY:r.top+50})); return true})()`, m.kind, slot, m.slot))
	}
	testbin.WaitJS(t, ctx, `document.querySelectorAll('#rows tr').length === 1 && document.querySelector('#rows td.msg').textContent === 'brush step 0'`, 10*time.Second)
	q := testbin.EvalJS[string](t, ctx, `location.search`)
	assert.True(t, strings.Contains(q, fmt.Sprintf("since=%d", m0.Add(time.Minute).UnixMilli())) && strings.Contains(q, fmt.Sprintf("until=%d", m0.Add(4*time.Minute).UnixMilli())), q)
}
