package dashboardexporter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
	"github.com/unitrack/unitrack/internal/incidents"
	"github.com/unitrack/unitrack/internal/testbin"
)

// TestBrowserAnalytics: the uptime strip of a check that was down for a
// known hour shows that hour and the right percentage; "first seen today"
// holds a new error name and not an old one.
func TestBrowserAnalytics(t *testing.T) {
	ctx := testbin.Browser(t)
	host, led := startLedger(t)
	td := startDashboardOn(t, host, t.TempDir(), nil)
	now := time.Now().Truncate(time.Second)
	rel := func(d time.Duration) time.Duration { return now.Add(-d).Sub(t0) } // logsOf times are t0 + at
	check := func(id, status string, ago time.Duration) ev {
		sev := "INFO"
		if status == "unhealthy" {
			sev = "ERROR"
		}
		return ev{id: id, name: "health.status_changed", body: "ollama: " + status, sev: sev, source: "health_monitor", at: rel(ago),
			attrs: map[string]any{"health.check": "ollama", "health.status": status}}
	}
	ld := logsOf(
		check("h1", "healthy", 20*time.Hour),
		check("h2", "unhealthy", 5*time.Hour),
		check("h3", "healthy", 4*time.Hour),
		ev{id: "m1", name: "mcp.circuit_breaker.opened", body: "filesystem opened", sev: "ERROR", source: "circuit_breaker", at: rel(30 * time.Minute),
			attrs: map[string]any{"mcp.server.name": "filesystem"}},
		ev{id: "m2", name: "mcp.circuit_breaker.closed", body: "filesystem closed", sev: "INFO", source: "circuit_breaker", at: rel(20 * time.Minute),
			attrs: map[string]any{"mcp.server.name": "filesystem"}},
		ev{id: "o1", name: "agent.crash", body: "old crash", sev: "ERROR", at: rel(3 * 24 * time.Hour)},
		ev{id: "o2", name: "agent.crash", body: "old crash again", sev: "ERROR", at: rel(time.Hour)},
		ev{id: "n1", name: "planner.exploded", body: "a new kind of failure", sev: "FATAL", at: rel(0)},
	)
	td.consume(ld)
	recordIncidents(t, led, ld) // as notify and blog would

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/")))
	testbin.WaitJS(t, ctx, `!!document.querySelector('#an-uptime li[data-subject="ollama"] svg rect.down')`, 10*time.Second)
	// The default window is 7 days; choose 24 h.
	testbin.EvalJS[bool](t, ctx, `(function(){const s=document.getElementById('an-window'); s.value='24h'; s.dispatchEvent(new Event('change')); return true})()`)
	li := `document.querySelector('#an-uptime li[data-subject="ollama"]')`
	downs := testbin.EvalJS[[]map[string]string](t, ctx, `Array.from(`+li+`.querySelectorAll('rect.down')).map(r => ({start: r.dataset.start, end: r.dataset.end, title: r.textContent}))`)
	require.Len(t, downs, 1)
	assert.Equal(t, fmt.Sprint(now.Add(-5*time.Hour).UnixMilli()), downs[0]["start"])
	assert.Equal(t, fmt.Sprint(now.Add(-4*time.Hour).UnixMilli()), downs[0]["end"])
	assert.Contains(t, downs[0]["title"], "(60 min)")
	// Known for 20 hours, down for one: 95 %.
	assert.Equal(t, "95.00 %", testbin.EvalJS[string](t, ctx, li+`.querySelector('.pct').textContent`))
	assert.Equal(t, "up", testbin.EvalJS[string](t, ctx, li+`.querySelector('.state').textContent`))
	// The strip draws the outage where it was: 5 h to 4 h before the end of 24 h.
	x := testbin.EvalJS[float64](t, ctx, li+`.querySelector('rect.down').x.baseVal.value`)
	assert.InDelta(t, 1000*19.0/24, x, 1)
	fs := `document.querySelector('#an-uptime li[data-subject="filesystem"]')`
	assert.Contains(t, testbin.EvalJS[string](t, ctx, fs+`.textContent`), "1 outage, 10 min down")

	// Incidents and MTTR, from the ledger: ollama one (60 min), filesystem one (10 min).
	testbin.WaitJS(t, ctx, `document.querySelectorAll('#an-incidents tbody tr[data-key]').length >= 2`, 5*time.Second)
	assert.Equal(t, "ledger", testbin.EvalJS[string](t, ctx, `document.getElementById('an-incidents').dataset.state`))
	mttr := testbin.EvalJS[map[string]string](t, ctx, `Object.fromEntries(Array.from(document.querySelectorAll('#an-incidents tbody tr[data-key]')).map(r => [r.children[0].textContent, r.querySelector('.mttr').textContent]))`)
	assert.Equal(t, "60 min", mttr["Health check ollama"], "subjects in words (incident.SubjectPhrase)")
	assert.Equal(t, "10 min", mttr["MCP server filesystem"])
	// A subject opens its latest incident in the Incidents view.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#an-incidents tr[data-key^="mcp|"] a`))))
	testbin.WaitJS(t, ctx, `!document.getElementById('incident').hidden && location.hash.startsWith('#/incidents/')`, 10*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/")))
	testbin.WaitJS(t, ctx, `!!document.querySelector('#an-uptime li[data-subject="ollama"] svg rect.down')`, 10*time.Second)

	// First seen today: the new name, not the old one; both in the top list.
	newNames := testbin.EvalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#an-new li[data-name]')).map(l => l.dataset.name)`)
	if now.Add(-time.Hour).Day() == now.Day() { // the old name's recent error is today too, but it was first seen 3 days ago
		assert.Contains(t, newNames, "planner.exploded")
	}
	assert.NotContains(t, newNames, "agent.crash")
	top := testbin.EvalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#an-errors tr[data-name]')).map(r => r.dataset.name)`)
	assert.Contains(t, top, "agent.crash")
	assert.Contains(t, top, "planner.exploded")

	// Rates per source over the page's range (default: the last 24 h).
	srcs := testbin.EvalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#an-sources tr[data-source]')).map(r => r.dataset.source)`)
	assert.Contains(t, srcs, "health_monitor")
	assert.Contains(t, srcs, "track_event")

	// A name in the top list opens the list of its errors.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#an-errors tr[data-name="agent.crash"] a`))))
	testbin.WaitJS(t, ctx, rowIDs("o2"), 10*time.Second)
	assert.Equal(t, "agent.crash", testbin.EvalJS[string](t, ctx, `document.getElementById('f-event_name').value`))
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/")))
	testbin.WaitJS(t, ctx, `!!document.querySelector('#an-uptime li[data-subject="ollama"] svg rect.down')`, 10*time.Second)
	testbin.Screenshot(t, ctx, "dashboard-analytics.png")
}

// TestBrowserUptimeWindowInURL: the uptime window is part of the view's
// URL: chosen, it is there beside the filters; back and forward walk
// through it; the URL opened in another tab shows the same window.
func TestBrowserUptimeWindowInURL(t *testing.T) {
	ctx := testbin.Browser(t)
	td := startDashboard(t, t.TempDir(), nil)
	now := time.Now().Truncate(time.Second)
	td.consume(logsOf(ev{id: "h1", name: "health.status_changed", body: "ollama: unhealthy", sev: "ERROR", source: "health_monitor",
		at: now.Add(-time.Hour).Sub(t0), attrs: map[string]any{"health.check": "ollama", "health.status": "unhealthy"}}))
	window := `document.getElementById('an-window').value`
	search := `location.search`
	choose := func(w string) {
		testbin.EvalJS[bool](t, ctx, `(function(){const s=document.getElementById('an-window'); s.value='`+w+`'; s.dispatchEvent(new Event('change')); return true})()`)
	}

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/")))
	testbin.WaitJS(t, ctx, `!!document.querySelector('#an-uptime li[data-subject="ollama"]')`, 10*time.Second)
	assert.Equal(t, "7d", testbin.EvalJS[string](t, ctx, window), "the default window")
	// No incidents extension here: the incidents panel says it needs one.
	assert.Contains(t, testbin.EvalJS[string](t, ctx, `document.querySelector('#an-incidents tbody').textContent`), "needs the incidents extension")
	choose("24h")
	assert.Equal(t, "?uptime=24h", testbin.EvalJS[string](t, ctx, search))
	// A filter chosen after it keeps it in the URL.
	testbin.EvalJS[bool](t, ctx, `(function(){const s=document.getElementById('f-severity'); s.value='error'; s.dispatchEvent(new Event('change')); return true})()`)
	testbin.WaitJS(t, ctx, `new URLSearchParams(location.search).get('severity') === 'error'`, 5*time.Second)
	assert.Equal(t, "24h", testbin.EvalJS[string](t, ctx, `new URLSearchParams(location.search).get('uptime')`))
	choose("30d")
	shared := testbin.EvalJS[string](t, ctx, `location.href`)

	// Back: 24 h again (the filter stays); back twice more: the default.
	testbin.EvalJS[bool](t, ctx, `(history.back(), true)`)
	testbin.WaitJS(t, ctx, window+` === '24h'`, 5*time.Second)
	assert.Equal(t, "error", testbin.EvalJS[string](t, ctx, `document.getElementById('f-severity').value`))
	testbin.EvalJS[bool](t, ctx, `(history.back(), true)`)
	testbin.WaitJS(t, ctx, `document.getElementById('f-severity').value === ''`, 5*time.Second)
	assert.Equal(t, "24h", testbin.EvalJS[string](t, ctx, window))
	testbin.EvalJS[bool](t, ctx, `(history.back(), true)`)
	testbin.WaitJS(t, ctx, window+` === '7d' && location.search === ''`, 5*time.Second)
	// Forward brings it back.
	testbin.EvalJS[bool](t, ctx, `(history.forward(), true)`)
	testbin.WaitJS(t, ctx, window+` === '24h'`, 5*time.Second)

	// Shared: another tab opens the same window and filter.
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(shared)))
	testbin.WaitJS(t, tab, `!!document.querySelector('#an-uptime li[data-subject="ollama"]')`, 10*time.Second)
	assert.Equal(t, "30d", testbin.EvalJS[string](t, tab, window))
	assert.Equal(t, "error", testbin.EvalJS[string](t, tab, `document.getElementById('f-severity').value`))
	// A window the page does not offer falls back to the default.
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(td.URL+"/?uptime=1y")))
	testbin.WaitJS(t, tab, `!!document.querySelector('#an-uptime li[data-subject="ollama"]')`, 10*time.Second)
	assert.Equal(t, "7d", testbin.EvalJS[string](t, tab, window))
}

// TestBrowserRemovedEvent: a link to an event retention removed says so,
// and lists the blog post of its incident (from the incident ledger, which
// outlives the dashboard's history).
func TestBrowserRemovedEvent(t *testing.T) {
	ctx := testbin.Browser(t)
	host, led := startLedger(t)
	key := "health|agent-runner|health.check=ollama"
	require.NoError(t, led.RecordEvents(context.Background(), []incidents.Event{{Key: key, Kind: "firing",
		SubjectKey: "health.check", Subject: "ollama", Service: "agent-runner", EventName: "health.status_changed", EventID: "r1", Time: time.Now()}}))
	require.NoError(t, led.RecordPost(context.Background(), incidents.Post{Key: key, Slug: "2026-11-28-ollama-down",
		Title: "Health check ollama: unhealthy", Time: time.Now()}))
	td := startDashboardOn(t, host, t.TempDir(), func(c *Config) { c.Links.BlogDirectory = t.TempDir() })
	td.consume(logsOf(ev{id: "r1", name: "health.status_changed", body: "ollama down", sev: "ERROR", attrs: map[string]any{"health.check": "ollama", "health.status": "unhealthy"}}))
	td.de.mu.Lock()
	st := td.de.store
	td.de.mu.Unlock()
	_, err := st.Prune(t.Context(), store.Retention{MaxEvents: 1}, time.Now())
	require.NoError(t, err)
	// MaxEvents keeps one: store a second so r1 is the one removed.
	td.consume(logsOf(ev{id: "r2", name: "agent.step", body: "later"}))
	_, err = st.Prune(t.Context(), store.Retention{MaxEvents: 1}, time.Now())
	require.NoError(t, err)

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/#/events/r1")))
	testbin.WaitJS(t, ctx, `document.getElementById('d-body').textContent.includes('no longer stored')`, 10*time.Second)
	assert.Contains(t, testbin.EvalJS[string](t, ctx, `document.getElementById('d-title').textContent`), "health.status_changed")
	assert.Contains(t, testbin.EvalJS[string](t, ctx, `document.getElementById('d-error').textContent`), "removed by retention")
	hrefs := testbin.EvalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#d-links a')).map(a => a.getAttribute('href'))`)
	assert.Contains(t, hrefs, "/blog/2026-11-28-ollama-down.html")
}
