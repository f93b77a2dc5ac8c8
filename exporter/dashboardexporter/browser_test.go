package dashboardexporter

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/testbin"
	"github.com/unitrack/unitrack/internal/track"
)

const hostile = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`

func rowsWith(text string) string {
	return fmt.Sprintf(`Array.from(document.querySelectorAll('#rows tr')).some(r => r.textContent.includes(%q))`, text)
}

func TestBrowserDashboard(t *testing.T) {
	ctx := testbin.Browser(t)
	td := startDashboard(t, t.TempDir(), nil)
	td.consume(logsOf(fixture...))
	// One event of the last hour, for the histogram's default window.
	td.consume(logsOf(ev{id: "now1", name: "agent.step", body: "recent step", sev: "WARN", at: time.Since(t0)}))
	td.consume(logsOf(ev{id: "x1", name: "agent.output", body: hostile, category: "agent", service: hostile,
		attrs: map[string]any{"note": hostile}}))

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/")))
	testbin.WaitJS(t, ctx, `document.querySelectorAll('#rows tr').length === 9`, 10*time.Second)
	testbin.WaitJS(t, ctx, `document.getElementById('live-state').textContent === 'live'`, 10*time.Second)
	testbin.WaitJS(t, ctx, `document.getElementById('status-health').textContent.includes('ollama')`, 10*time.Second)
	assert.Contains(t, testbin.EvalJS[string](t, ctx, `document.getElementById('status-circuit').textContent`), "filesystem")
	assert.Contains(t, testbin.EvalJS[string](t, ctx, `document.getElementById('status-tasks').textContent`), "nightly_summary")
	assert.Positive(t, testbin.EvalJS[int](t, ctx, `document.querySelectorAll('#histogram rect').length`))

	// Live: an event stored now shows up without a reload, within 2 s.
	td.consume(logsOf(ev{id: "live1", name: "mcp.circuit_breaker.closed", body: "live event zebra-42", sev: "INFO", at: 10 * time.Minute,
		attrs: map[string]any{"mcp.server.name": "filesystem", "circuit_breaker.state": "closed"}}))
	took := testbin.WaitJS(t, ctx, rowsWith("live event zebra-42"), 2*time.Second)
	t.Logf("live event appeared in the page after %s", took)
	assert.Equal(t, "live event zebra-42", testbin.EvalJS[string](t, ctx, `document.querySelector('#rows tr td.msg').textContent`), "newest on top")

	// Paused, new events wait behind a banner instead of moving the list.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("pause"))))
	td.consume(logsOf(ev{id: "held1", name: "agent.step", body: "held while paused", at: 10 * time.Minute}))
	testbin.WaitJS(t, ctx, `!document.getElementById('new-events').hidden && document.getElementById('show-new').textContent.startsWith('1 new event')`, 5*time.Second)
	assert.False(t, testbin.EvalJS[bool](t, ctx, rowsWith("held while paused")))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("show-new"))))
	testbin.WaitJS(t, ctx, rowsWith("held while paused"), 2*time.Second)
	assert.Equal(t, "live", testbin.EvalJS[string](t, ctx, `document.getElementById('live-state').textContent`))

	// A reader scrolled down keeps their place: live rows wait, counted,
	// until they scroll back to the top.
	var batch []ev
	for i := 0; i < 60; i++ {
		batch = append(batch, ev{id: fmt.Sprintf("fill%02d", i), name: "agent.step", body: fmt.Sprintf("filler %d", i), at: 11 * time.Minute})
	}
	td.consume(logsOf(batch...))
	testbin.WaitJS(t, ctx, rowsWith("filler 59"), 5*time.Second)
	testbin.EvalJS[bool](t, ctx, `(document.getElementById('table-box').scrollTop = 300, true)`)
	anchor := testbin.EvalJS[string](t, ctx, `(function(){const b=document.getElementById('table-box');const r=b.getBoundingClientRect();
		return document.elementFromPoint(r.left+20, r.top+60).closest('tr').dataset.eventId})()`)
	td.consume(logsOf(ev{id: "live2", name: "agent.step", body: "while scrolled", at: 12 * time.Minute},
		ev{id: "live2b", name: "agent.step", body: "also while scrolled", at: 12 * time.Minute}))
	testbin.WaitJS(t, ctx, `!document.getElementById('new-events').hidden && document.getElementById('show-new').textContent.startsWith('2 new events (scrolled away')`, 5*time.Second)
	assert.Equal(t, "held while scrolled", testbin.EvalJS[string](t, ctx, `document.getElementById('live-state').textContent`))
	assert.False(t, testbin.EvalJS[bool](t, ctx, rowsWith("while scrolled")), "held, not inserted")
	after := testbin.EvalJS[string](t, ctx, `(function(){const b=document.getElementById('table-box');const r=b.getBoundingClientRect();
		return document.elementFromPoint(r.left+20, r.top+60).closest('tr').dataset.eventId})()`)
	assert.Equal(t, anchor, after, "the row under the reader's eyes stays put")
	testbin.EvalJS[bool](t, ctx, `(document.getElementById('table-box').scrollTop = 0, true)`)
	testbin.WaitJS(t, ctx, rowsWith("also while scrolled")+` && document.getElementById('new-events').hidden`, 5*time.Second)
	testbin.WaitJS(t, ctx, `document.getElementById('live-state').textContent === 'live'`, 5*time.Second)

	// Hostile fields are text: nothing ran, no element was created from them.
	assert.True(t, testbin.EvalJS[bool](t, ctx, rowsWith(hostile)), "the markup is shown as text")
	assert.Equal(t, "undefined", testbin.EvalJS[string](t, ctx, `typeof window.__xss`))
	assert.Equal(t, 0, testbin.EvalJS[int](t, ctx, `document.querySelectorAll('#rows img, #rows script, #facets img, #f-service img').length`))

	// Filter by severity.
	testbin.EvalJS[bool](t, ctx, `(function(){const s=document.getElementById('f-severity'); s.value='error'; s.dispatchEvent(new Event('change')); return true})()`)
	testbin.WaitJS(t, ctx, `(function(){const r=Array.from(document.querySelectorAll('#rows tr')); return r.length===5 && r.every(x=>/ERROR|FATAL/.test(x.children[1].textContent))})()`, 5*time.Second)
	// Live rows respect the filter: an INFO event does not show, an ERROR one does.
	td.consume(logsOf(ev{id: "live3", name: "agent.step", body: "quiet info", sev: "INFO", at: 13 * time.Minute},
		ev{id: "live4", name: "agent.crash", body: "loud error", sev: "ERROR", at: 13 * time.Minute}))
	testbin.WaitJS(t, ctx, rowsWith("loud error"), 2*time.Second)
	assert.False(t, testbin.EvalJS[bool](t, ctx, rowsWith("quiet info")))

	// Full-text search on top of the filter.
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("f-q"), "ollama")))
	testbin.WaitJS(t, ctx, `(function(){const r=Array.from(document.querySelectorAll('#rows tr')); return r.length===1 && r[0].dataset.eventId==='e2'})()`, 5*time.Second)

	// Open the detail view by clicking the row.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#rows tr[data-event-id="e2"] td.msg`))))
	testbin.WaitJS(t, ctx, `location.hash === '#/events/e2' && !document.getElementById('detail').hidden && document.querySelector('#d-attrs').textContent.includes('health.check')`, 5*time.Second)
	fields := testbin.EvalJS[string](t, ctx, `document.getElementById('d-fields').textContent`)
	assert.Contains(t, fields, "dashboard, eventlog", "track.routes shown")
	assert.Contains(t, testbin.EvalJS[string](t, ctx, `document.getElementById('d-resource').textContent`), "agent-runner")
	testbin.Screenshot(t, ctx, "dashboard-detail.png")

	// The URL other components link to opens the same view directly.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/#/events/x1")))
	testbin.WaitJS(t, ctx, `document.getElementById('d-body').textContent === `+jsString(hostile), 5*time.Second)
	assert.Contains(t, testbin.EvalJS[string](t, ctx, `document.getElementById('d-attrs').textContent`), hostile)
	assert.Equal(t, 0, testbin.EvalJS[int](t, ctx, `document.querySelectorAll('#detail img, #detail script').length`))
	assert.Equal(t, "undefined", testbin.EvalJS[string](t, ctx, `typeof window.__xss`))

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/")))
	testbin.WaitJS(t, ctx, `document.querySelectorAll('#rows tr').length > 10`, 10*time.Second)
	testbin.Screenshot(t, ctx, "dashboard.png")

	// A facet value filters the list, and the list's select follows.
	testbin.WaitJS(t, ctx, `!!document.querySelector('#facets button[data-dim="category"][data-value="health"]')`, 10*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#facets button[data-dim="category"][data-value="health"]`))))
	testbin.WaitJS(t, ctx, `(function(){const r=Array.from(document.querySelectorAll('#rows tr')); return r.length===2 && r.every(x=>x.children[2].textContent==='health')})()`, 5*time.Second)
	assert.Equal(t, "health", testbin.EvalJS[string](t, ctx, `document.getElementById('f-category').value`))
}

func jsString(s string) string {
	return fmt.Sprintf("%q", s) // Go quoting is valid JS for these ASCII strings
}

// TestBrowserTracker: a page that includes /tracker.js and throws produces a
// stored dashboard.error event. The page's reports go to a loopback handler
// playing trackreceiver's /v1/legacy/dashboard: it decodes them with the
// legacy decoder and feeds the exporter.
func TestBrowserTracker(t *testing.T) {
	ctx := testbin.Browser(t)
	td := startDashboard(t, t.TempDir(), nil)

	received := make(chan string, 20)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/legacy/dashboard", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ld, evErrs, err := legacy.Decode(legacy.Dashboard, body, time.Now())
		if err != nil || len(evErrs) > 0 {
			t.Errorf("tracker sent an invalid dashboard event (content type %q): %v %v: %s", r.Header.Get("Content-Type"), err, evErrs, body)
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		if err := td.exp.ConsumeLogs(r.Context(), ld); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		received <- r.Header.Get("Content-Type")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"accepted":1,"rejected":0,"errors":[]}`)
	})
	var page *httptest.Server
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "backend down", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>legacy dashboard</title>
<script src="%s/tracker.js" data-endpoint="%s/v1/legacy/dashboard"></script></head>
<body><p>legacy page</p>
<script>
function refreshModelServices() { return fetch('/broken'); }
function explode() { throw new Error('boom from the legacy page'); }
setTimeout(function () { refreshModelServices(); explode(); }, 10);
setTimeout(function () { explode(); }, 20); // a duplicate: sent once
setTimeout(function () { Promise.reject(new Error('rejected promise in legacy page')); }, 30);
</script></body></html>`, td.URL, page.URL)
	})
	page = httptest.NewServer(mux)
	defer page.Close()

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page.URL+"/page")))
	for i := 0; i < 3; i++ {
		select {
		case ct := <-received:
			assert.True(t, strings.HasPrefix(ct, "text/plain"), "sendBeacon sends text/plain, got %q", ct)
		case <-time.After(15 * time.Second):
			t.Fatalf("the tracker sent %d of 3 reports", i)
		}
	}

	var p eventsPage
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		td.get("/api/events?source=dashboard", &p)
		if len(p.Events) >= 3 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.Len(t, p.Events, 3, "a thrown error, a failed fetch and a rejected promise (the repeated throw is deduplicated)")
	var thrown, fetched, rejected *store.JSON
	for i := range p.Events {
		switch {
		case strings.Contains(p.Events[i].Body, "boom"):
			thrown = &p.Events[i]
		case strings.Contains(p.Events[i].Body, "rejected promise"):
			rejected = &p.Events[i]
		default:
			fetched = &p.Events[i]
		}
	}
	require.NotNil(t, thrown)
	require.NotNil(t, fetched)
	require.NotNil(t, rejected)
	assert.Equal(t, "dashboard.error", rejected.EventName)
	assert.Equal(t, "Unhandled promise rejection: rejected promise in legacy page", rejected.Body)
	assert.Equal(t, "dashboard.error", thrown.EventName)
	assert.Equal(t, "ERROR", SeverityWord(thrown.SeverityNumber))
	assert.Equal(t, "dashboard", thrown.Category)
	attrs := attrMap(t, thrown)
	assert.Equal(t, "explode", attrs["dashboard.action"])
	assert.Contains(t, attrs["exception.message"], "boom from the legacy page")
	assert.Contains(t, attrs["exception.stacktrace"], "explode")
	assert.Equal(t, page.URL+"/page", attrs["url.full"])
	assert.Contains(t, attrs["user_agent.original"], "Chrome")
	assert.Len(t, attrs["session.id"], 16)

	assert.Equal(t, "dashboard.error", fetched.EventName)
	fa := attrMap(t, fetched)
	assert.Equal(t, "refreshModelServices", fa["dashboard.action"], "the function that called fetch")
	assert.Contains(t, fetched.Body, "HTTP 500")
	assert.Contains(t, fetched.Body, "GET /broken")
	assert.Equal(t, attrs["session.id"], fa["session.id"], "one session per page")
}

func attrMap(t *testing.T, e *store.JSON) map[string]string {
	t.Helper()
	var m map[string]any
	require.NoError(t, jsonUnmarshal(string(e.Attributes), &m))
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

func SeverityWord(n int32) string { return store.SeverityBucket(n) }

// TestBrowserTrackerRateLimit: a page that throws many different errors
// sends no more than tracker.max_reports_per_minute of them.
func TestBrowserTrackerRateLimit(t *testing.T) {
	ctx := testbin.Browser(t)
	td := startDashboard(t, t.TempDir(), func(c *Config) { c.Tracker.MaxReportsPerMinute = 3 })
	var mu sync.Mutex
	got := 0
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/legacy/dashboard", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got++
		mu.Unlock()
	})
	var page *httptest.Server
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><script src="%s/tracker.js" data-endpoint="%s/v1/legacy/dashboard"></script></head>
<body><script>
for (let i = 0; i < 10; i++) setTimeout(function () { throw new Error('distinct error ' + i); }, 10 + i);
setTimeout(function () { document.title = 'done'; }, 200);
</script></body></html>`, td.URL, page.URL)
	})
	page = httptest.NewServer(mux)
	defer page.Close()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page.URL+"/page")))
	// The tracker's own counts are the barrier: every error was decided
	// (3 sent, 7 held back), so no later beacon can come.
	testbin.WaitJS(t, ctx, `document.title === 'done' && (function (c) { return c.sent + c.overLimit === 10; })(window.unitrack.counts())`, 10*time.Second)
	c := testbin.EvalJS[map[string]int](t, ctx, `window.unitrack.counts()`)
	assert.Equal(t, map[string]int{"sent": 3, "duplicates": 0, "overLimit": 7}, c)
	waitFor(t, 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return got >= 3
	}, "the 3 reports the tracker sent arrive")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 3, got, "the endpoint got what the tracker sent")
}

// TestBrowserFilteredLink: the link the blog puts in an incident post
// (track.EventsLink) opens the list filtered to the incident's events.
func TestBrowserFilteredLink(t *testing.T) {
	ctx := testbin.Browser(t)
	td := startDashboard(t, t.TempDir(), nil)
	td.consume(logsOf(fixture...))

	// ollama is in e2 (t0+1m) and e6 (t0+5m); the window holds only e2.
	link := track.EventsLink(td.URL, url.Values{"q": {"ollama"}}, t0.Add(-time.Second), t0.Add(2*time.Minute))
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(link)))
	testbin.WaitJS(t, ctx, `(function(){const r=Array.from(document.querySelectorAll('#rows tr')); return r.length===1 && r[0].dataset.eventId==='e2'})()`, 20*time.Second)
	assert.Equal(t, "ollama", testbin.EvalJS[string](t, ctx, `document.getElementById('f-q').value`))
	assert.Equal(t, "custom", testbin.EvalJS[string](t, ctx, `document.getElementById('f-range').value`))
	assert.False(t, testbin.EvalJS[bool](t, ctx, `document.getElementById('custom-range').hidden`))
}
