package dashboardexporter

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
	"github.com/unitrack/unitrack/internal/blogfiles"
	"github.com/unitrack/unitrack/internal/incidents"
	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/track"
)

type eventsPage struct {
	Events     []store.JSON `json:"events"`
	NextCursor string       `json:"next_cursor"`
}

func ids(p eventsPage) []string {
	out := []string{}
	for _, e := range p.Events {
		out = append(out, e.EventID)
	}
	return out
}

// fixture is a small, varied set of events; the API lists newest first.
var fixture = []ev{
	{id: "e1", name: "mcp.circuit_breaker.opened", body: "MCP server filesystem opened after timeouts", sev: "ERROR", source: "circuit_breaker", at: 0,
		attrs: map[string]any{"mcp.server.name": "filesystem", "circuit_breaker.state": "open"}},
	{id: "e2", name: "health.status_changed", body: "ollama: healthy -> unhealthy (connection refused)", sev: "ERROR", source: "health_monitor", at: time.Minute,
		attrs: map[string]any{"health.check": "ollama", "health.status": "unhealthy"}},
	{id: "e3", name: "task.failed", body: "Task nightly_summary failed", sev: "ERROR", source: "background_tasks", at: 2 * time.Minute, service: "scheduler",
		attrs: map[string]any{"task.name": "nightly_summary", "task.final": true, "exception.message": "KeyError: 'facts'"}},
	{id: "e4", name: "dashboard.error", body: "Failed to fetch", sev: "ERROR", source: "dashboard", service: "dashboard", at: 3 * time.Minute,
		attrs: map[string]any{"dashboard.action": "refreshModelServices"}},
	{id: "e5", name: "agent.step", body: "step finished in 120 ms", sev: "DEBUG", source: "otlp", at: 4 * time.Minute},
	{id: "e6", name: "health.check", body: "ollama: healthy", sev: "INFO", source: "health_monitor", at: 5 * time.Minute,
		attrs: map[string]any{"health.check": "ollama", "health.status": "healthy", "health.latency_ms": 12.5}},
	{id: "e7", name: "notification", body: "Disk almost full", sev: "FATAL", source: "notification", category: "system", at: 6 * time.Minute,
		attrs: map[string]any{"notification.title": "Disk almost full"}},
}

func TestAPIEventFilters(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	td.consume(logsOf(fixture...))
	since := url.QueryEscape(t0.Add(2 * time.Minute).Format(time.RFC3339))
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"e7", "e6", "e5", "e4", "e3", "e2", "e1"}},
		{"severity=error", []string{"e7", "e4", "e3", "e2", "e1"}},
		{"severity=fatal", []string{"e7"}},
		{"severity=13", []string{"e7", "e4", "e3", "e2", "e1"}},
		{"category=health", []string{"e6", "e2"}},
		{"category=health,mcp", []string{"e6", "e2", "e1"}},
		{"category=health&category=mcp", []string{"e6", "e2", "e1"}},
		{"source=dashboard", []string{"e4"}},
		{"service=scheduler", []string{"e3"}},
		{"event_name=health.check", []string{"e6"}},
		{"since=" + since, []string{"e7", "e6", "e5", "e4", "e3"}},
		{"since=" + since + "&until=" + fmt.Sprint(t0.Add(4*time.Minute).UnixMilli()), []string{"e4", "e3"}},
		{"q=ollama", []string{"e6", "e2"}},
		{"q=refreshModelServices", []string{"e4"}},  // attribute value
		{"q=KeyError", []string{"e3"}},              // nested in an exception message
		{"q=ollama&severity=error", []string{"e2"}}, // search and filter together
		{"q=fail*", []string{"e4", "e3"}},           // prefix
		{"q=nothing+like+this", []string{}},
		{"severity=warn&category=health&service=agent-runner", []string{"e2"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var p eventsPage
			code, _ := td.get("/api/events?"+tt.query, &p)
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, tt.want, ids(p))
			assert.Empty(t, p.NextCursor)
		})
	}
}

func TestAPIPaging(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	var evs []ev
	for i := 0; i < 250; i++ {
		evs = append(evs, ev{id: fmt.Sprintf("p%03d", i), name: "agent.step", body: fmt.Sprintf("step %d", i), at: time.Duration(i) * time.Second})
	}
	td.consume(logsOf(evs...))
	var got []string
	cursor := ""
	pages := 0
	for {
		var p eventsPage
		code, _ := td.get("/api/events?limit=100&cursor="+cursor, &p)
		require.Equal(t, http.StatusOK, code)
		got = append(got, ids(p)...)
		pages++
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	assert.Equal(t, 3, pages)
	require.Len(t, got, 250)
	assert.Equal(t, "p249", got[0])
	assert.Equal(t, "p000", got[249])
}

func TestAPIEventDetail(t *testing.T) {
	host, led := startLedger(t)
	ctx := context.Background()
	key := "mcp|agent-runner|mcp.server.name=filesystem"
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	require.NoError(t, led.RecordEvents(ctx, []incidents.Event{
		{Key: key, Kind: "firing", SubjectKey: "mcp.server.name", Subject: "filesystem", Service: "agent-runner", EventName: "mcp.circuit_breaker.opened", EventID: "e1", Time: at},
	}))
	require.NoError(t, led.RecordPost(ctx, incidents.Post{Key: key, Slug: "2026-11-28-filesystem-circuit-open", Title: "MCP server filesystem: circuit open", Time: at}))
	require.NoError(t, led.RecordDelivery(ctx, incidents.Delivery{Key: key, Target: "inbox", Time: at.Add(30 * time.Second), Status: incidents.DeliveryDelivered,
		Kind: "firing", Title: "MCP server filesystem: circuit breaker opened"}))
	td := startDashboardOn(t, host, t.TempDir(), func(c *Config) {
		c.Links = LinksConfig{BlogURL: "http://localhost:8791/"}
	})
	td.consume(logsOf(fixture...))

	var d struct {
		store.JSON
		Links []struct{ Kind, Title, URL, Status, Time string } `json:"links"`
	}
	code, _ := td.get("/api/events/e1", &d)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "e1", d.EventID)
	assert.Equal(t, "mcp.circuit_breaker.opened", d.EventName)
	assert.Equal(t, []string{"dashboard", "eventlog"}, d.Routes)
	assert.JSONEq(t, `{"mcp.server.name":"filesystem","circuit_breaker.state":"open","track.event_id":"e1","track.category":"mcp",
		"track.source":"circuit_breaker","track.routes":["dashboard","eventlog"]}`, string(d.Attributes))
	assert.JSONEq(t, `{"service.name":"agent-runner"}`, string(d.Resource))
	require.Len(t, d.Links, 3)
	assert.Equal(t, "incident", d.Links[0].Kind)
	assert.Equal(t, "MCP server filesystem: circuit breaker opened", d.Links[0].Title, "the ledger's title")
	assert.Regexp(t, `^#/incidents/\d+$`, d.Links[0].URL)
	assert.Equal(t, "open", d.Links[0].Status)
	assert.Equal(t, "blog", d.Links[1].Kind)
	assert.Equal(t, "MCP server filesystem: circuit open", d.Links[1].Title)
	assert.Equal(t, "http://localhost:8791/2026-11-28-filesystem-circuit-open.html", d.Links[1].URL)
	assert.Equal(t, "notification", d.Links[2].Kind)
	assert.Equal(t, "inbox: MCP server filesystem: circuit breaker opened", d.Links[2].Title)
	assert.Equal(t, "delivered", d.Links[2].Status)
	assert.Equal(t, "2026-11-28T12:00:30Z", d.Links[2].Time)

	// An event the ledger does not know has no links.
	code, _ = td.get("/api/events/e2", &d)
	require.Equal(t, http.StatusOK, code)
	assert.Empty(t, d.Links)

	var e struct{ Error string }
	code, _ = td.get("/api/events/e1x", &e) // "e1" is a prefix: no partial matches
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, `event "e1x" not found (it may have been removed by retention)`, e.Error)

	// The dashboard link other components write opens this event's view.
	link := track.EventLink(td.URL, "e1")
	assert.Equal(t, td.URL+"/#/events/e1", link)
	code, _ = td.get(strings.SplitN(strings.TrimPrefix(link, td.URL), "#", 2)[0], nil)
	assert.Equal(t, http.StatusOK, code)
}

func TestAPIErrors(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	tests := []struct {
		path   string
		status int
		err    string
	}{
		{"/api/events?severity=loud", 400, `severity: expected a severity number from 1 to 24 or a word (trace, debug, info, warn, error, fatal), got "loud"`},
		{"/api/events?severity=99", 400, `severity: expected a severity number from 1 to 24 or a word (trace, debug, info, warn, error, fatal), got "99"`},
		{"/api/events?since=yesterday", 400, `since: expected an RFC 3339 time, Unix milliseconds or a duration such as 15m, got "yesterday"`},
		{"/api/events?since=2h&until=3h", 400, `until: must be after since`},
		{"/api/events?limit=0", 400, `limit: expected an integer from 1 to 1000, got "0"`},
		{"/api/events?limit=5000", 400, `limit: expected an integer from 1 to 1000, got "5000"`},
		{"/api/events?cursor=abc", 400, `cursor: expected the next_cursor of a previous page, got "abc"`},
		{"/api/events?trace_id=xyz", 400, `trace_id: expected 32 hex digits, got "xyz"`},
		{"/api/stats?severity=loud&since=x", 400, "severity: expected a severity number from 1 to 24 or a word (trace, debug, info, warn, error, fatal), got \"loud\"\nsince: expected an RFC 3339 time, Unix milliseconds or a duration such as 15m, got \"x\""},
		{"/api/stream?after=-3", 400, `after: expected an event row id, got "-3"`},
		{"/api/nope", 404, `no such page: /api/nope`},
		{"/assets/nope.js", 404, `no such asset: nope.js`},
		{"/assets/tracker.js", 404, `no such asset: tracker.js`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var e struct{ Error string }
			code, h := td.get(tt.path, &e)
			assert.Equal(t, tt.status, code)
			assert.Equal(t, tt.err, e.Error)
			assert.Equal(t, "application/json", h.Get("Content-Type"))
		})
	}
	// A write without the CSRF token is refused before routing; with it,
	// the method is answered (no write exists yet).
	resp, err := http.Post(td.URL+"/api/events", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	var tok struct{ Header, Token string }
	code, _ := td.get("/api/csrf", &tok)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "X-CSRF-Token", tok.Header)
	req, err := http.NewRequest(http.MethodPost, td.URL+"/api/events", strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set(tok.Header, tok.Token)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestAPIStatsAndStatusBoard(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	td.consume(logsOf(fixture...))
	var st store.Stats
	code, _ := td.get("/api/stats?since="+fmt.Sprint(t0.Add(-time.Minute).UnixMilli())+"&until="+fmt.Sprint(t0.Add(9*time.Minute).UnixMilli()), &st)
	require.Equal(t, http.StatusOK, code)
	assert.EqualValues(t, 7, st.Total)
	assert.Equal(t, []store.FacetCount{{Value: "DEBUG", Count: 1}, {Value: "INFO", Count: 1}, {Value: "ERROR", Count: 4}, {Value: "FATAL", Count: 1}}, st.Facets["severity"])
	assert.Equal(t, []store.FacetCount{{Value: "health", Count: 2}, {Value: "agent", Count: 1}, {Value: "dashboard", Count: 1},
		{Value: "mcp", Count: 1}, {Value: "system", Count: 1}, {Value: "task", Count: 1}}, st.Facets["category"])
	require.Len(t, st.Histogram, 10)
	assert.Equal(t, map[string]int64{"ERROR": 1}, st.Histogram[1].Counts)
	assert.Equal(t, map[string]int64{"FATAL": 1}, st.Histogram[7].Counts)
	require.Len(t, st.Status, 2)
	assert.Equal(t, store.StatusEntry{Kind: "circuit_breaker", Subject: "filesystem", Service: "agent-runner", State: "open",
		Time: "2026-11-28T12:00:00Z", EventID: "e1", EventName: "mcp.circuit_breaker.opened", SeverityNumber: 17,
		Message: "MCP server filesystem opened after timeouts"}, st.Status[0])
	assert.Equal(t, "health", st.Status[1].Kind)
	assert.Equal(t, "healthy", st.Status[1].State, "the newest health event wins")
	assert.Equal(t, "e6", st.Status[1].EventID)
	require.Len(t, st.TaskFailures, 1)
	assert.Equal(t, "e3", st.TaskFailures[0].EventID)
}

func TestAPIStream(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	td.consume(logsOf(fixture[:2]...))
	all := openStream(t, td.URL+"/api/stream", nil)
	errorsOnly := openStream(t, td.URL+"/api/stream?severity=error&category=health", nil)
	// The subscription is live once the server has answered; events stored
	// from now on arrive.
	td.consume(logsOf(fixture[2:]...))
	var got []string
	for len(got) < 5 {
		m, err := all.next()
		require.NoError(t, err)
		require.Equal(t, "event", m.event)
		var e store.JSON
		require.NoError(t, jsonUnmarshal(m.data, &e))
		assert.NotEmpty(t, m.id)
		got = append(got, e.EventID)
	}
	assert.Equal(t, []string{"e3", "e4", "e5", "e6", "e7"}, got)

	// A reconnect with Last-Event-ID replays what came after it.
	var p eventsPage
	td.get("/api/events?limit=1&q=nightly_summary", &p)
	require.Len(t, p.Events, 1)
	re := openStream(t, td.URL+"/api/stream", http.Header{"Last-Event-ID": {fmt.Sprint(p.Events[0].ID)}})
	got = nil
	for len(got) < 4 {
		m, err := re.next()
		require.NoError(t, err)
		var e store.JSON
		require.NoError(t, jsonUnmarshal(m.data, &e))
		got = append(got, e.EventID)
	}
	assert.Equal(t, []string{"e4", "e5", "e6", "e7"}, got)

	// The filtered stream saw nothing of e3..e7 (no error in health), so
	// the next message is one that matches.
	td.consume(logsOf(ev{id: "e8", name: "health.status_changed", body: "ollama down again", sev: "ERROR",
		attrs: map[string]any{"health.check": "ollama", "health.status": "unhealthy"}}))
	m, err := errorsOnly.next()
	require.NoError(t, err)
	var e store.JSON
	require.NoError(t, jsonUnmarshal(m.data, &e))
	assert.Equal(t, "e8", e.EventID)

	// Shutdown ends the streams.
	td.stop()
	m, err = all.next()
	require.NoError(t, err)
	assert.Contains(t, m.data, `"event_id":"e8"`)
	_, err = all.next()
	assert.ErrorIs(t, err, io.EOF)
}

func TestAPIJSONLExport(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	td.consume(logsOf(fixture...))
	resp, err := http.Get(td.URL + "/api/events.jsonl?category=health")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/x-ndjson", resp.Header.Get("Content-Type"))
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	require.Len(t, lines, 2, "%s", b)
	// Each line is a legacy json_events line: decoding it gives the event back.
	ld, evErrs, err := legacy.Decode(legacy.JSONEvents, b, t0)
	require.NoError(t, err)
	require.Empty(t, evErrs)
	require.Equal(t, 2, ld.LogRecordCount())
	var names, eventIDs, bodies []string
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				names = append(names, lr.EventName())
				bodies = append(bodies, lr.Body().AsString())
				v, _ := lr.Attributes().Get(track.AttrEventID)
				eventIDs = append(eventIDs, v.AsString())
				assert.Equal(t, plog.SeverityNumber(0) < lr.SeverityNumber(), true)
			}
		}
	}
	assert.Equal(t, []string{"health.status_changed", "health.check"}, names, "oldest first")
	assert.Equal(t, []string{"e2", "e6"}, eventIDs)
	assert.Equal(t, []string{fixture[1].body, fixture[5].body}, bodies)
}

func TestHostileInputStaysData(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	hostile := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	td.consume(logsOf(ev{id: `h1`, name: hostile, body: hostile, category: hostile, service: hostile, source: hostile,
		attrs: map[string]any{hostile: hostile, "nested": map[string]any{"k": hostile}}}))
	resp, err := http.Get(td.URL + "/api/events/h1")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	assert.NotContains(t, string(b), "<script>", "markup is escaped in JSON")
	var e store.JSON
	require.NoError(t, jsonUnmarshal(string(b), &e))
	assert.Equal(t, hostile, e.Body, "and decodes back to the same text")
	assert.Equal(t, hostile, e.Category)

	resp, err = http.Get(td.URL + "/")
	require.NoError(t, err)
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "script-src 'self'")
	assert.Contains(t, csp, "default-src 'none'")
	assert.NotContains(t, csp, "unsafe-inline")
	assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))

	// No page module parses data as HTML.
	modules, err := filepath.Glob("web/assets/*.js")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(modules), 6, "dom, views, analytics, app, incidents, tracker")
	for _, m := range modules {
		js, err := os.ReadFile(m)
		require.NoError(t, err)
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			assert.NotContains(t, string(js), sink, m)
		}
	}
}

func TestRestartKeepsHistory(t *testing.T) {
	dir := t.TempDir()
	td := startDashboard(t, dir, nil)
	td.consume(logsOf(fixture...))
	td.stop()
	td = startDashboard(t, dir, nil)
	var p eventsPage
	td.get("/api/events?q=ollama", &p)
	assert.Equal(t, []string{"e6", "e2"}, ids(p))
	td.consume(logsOf(fixture...)) // a replay stores nothing twice
	td.get("/api/events", &p)
	assert.Len(t, p.Events, 7)
}

func TestRetentionRuns(t *testing.T) {
	td := startDashboard(t, t.TempDir(), func(c *Config) {
		c.Retention = RetentionConfig{MaxEvents: 50, Interval: 20 * time.Millisecond}
	})
	var evs []ev
	for i := 0; i < 200; i++ {
		evs = append(evs, ev{id: fmt.Sprintf("r%03d", i), name: "agent.step", body: "x", at: time.Duration(i) * time.Millisecond})
	}
	td.consume(logsOf(evs...))
	deadline := time.Now().Add(10 * time.Second)
	var st store.Stats
	for time.Now().Before(deadline) {
		td.get("/api/stats", &st)
		if st.Total <= 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	assert.EqualValues(t, 50, st.Total)
	var p eventsPage
	td.get("/api/events?limit=1", &p)
	assert.Equal(t, "r199", p.Events[0].EventID)
}

func TestConcurrentIngestAndQueries(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	stream := openStream(t, td.URL+"/api/stream", nil)
	type result struct {
		seen   int
		lagged bool
	}
	streamed := make(chan result, 1)
	go func() {
		var r result
		for r.seen < 1500 {
			m, err := stream.next()
			if err != nil {
				break
			}
			if m.event == "lagged" {
				// A reader too slow for the burst (a loaded machine) is told
				// so instead of slowing ingestion; the page then reloads.
				r.lagged = true
				break
			}
			r.seen++
		}
		streamed <- r
	}()
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < 10; b++ {
				var evs []ev
				for i := 0; i < 50; i++ {
					evs = append(evs, ev{id: fmt.Sprintf("c%d-%d-%d", w, b, i), name: "agent.step", body: "concurrent ollama step"})
				}
				assert.NoError(t, td.exp.ConsumeLogs(context.Background(), logsOf(evs...)))
			}
		}()
	}
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				resp, err := http.Get(td.URL + "/api/events?q=ollama&limit=10")
				if !assert.NoError(t, err) {
					return
				}
				resp.Body.Close()
				assert.Equal(t, http.StatusOK, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	var st store.Stats
	td.get("/api/stats", &st)
	assert.EqualValues(t, 1500, st.Total)
	select {
	case r := <-streamed:
		if !r.lagged {
			assert.Equal(t, 1500, r.seen, "every stored event reached the live stream")
			break
		}
		// The stream said it lagged: what a reloading page reads has every event.
		t.Logf("the live stream lagged after %d events; checking the reload", r.seen)
		ids := map[string]bool{}
		for cursor := ""; ; {
			var page struct {
				Events []struct {
					EventID string `json:"event_id"`
				} `json:"events"`
				NextCursor string `json:"next_cursor"`
			}
			td.get("/api/events?limit=1000&cursor="+cursor, &page)
			for _, e := range page.Events {
				ids[e.EventID] = true
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		assert.Len(t, ids, 1500, "a reload after lagged lists every event")
	case <-time.After(30 * time.Second):
		t.Fatal("the live stream did not deliver 1500 events within 30 s")
	}
}

func TestTrackerScript(t *testing.T) {
	td := startDashboard(t, t.TempDir(), func(c *Config) { c.Tracker.Endpoint = "http://127.0.0.1:4999/v1/legacy/dashboard" })
	resp, err := http.Get(td.URL + "/tracker.js")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/javascript; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "cross-origin", resp.Header.Get("Cross-Origin-Resource-Policy"))
	sc := bufio.NewScanner(resp.Body)
	found := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), `var DEFAULT_ENDPOINT = "http://127.0.0.1:4999/v1/legacy/dashboard";`) {
			found = true
		}
	}
	assert.True(t, found, "the configured endpoint is the script's default")
}

// A live stream outlives the server's write_timeout.
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	td := startDashboard(t, t.TempDir(), func(c *Config) { c.WriteTimeout = 200 * time.Millisecond })
	s := openStream(t, td.URL+"/api/stream", nil)
	time.Sleep(600 * time.Millisecond) // time itself is tested: the stream lives past write_timeout
	td.consume(logsOf(ev{id: "late", name: "agent.step", body: "after the write timeout"}))
	m, err := s.next()
	require.NoError(t, err)
	assert.Contains(t, m.data, `"event_id":"late"`)
}

// Event ids are opaque: any text round-trips through the detail route.
func TestOddEventIDs(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	for _, id := range []string{"a/b", "sp ace", "<x>&\"'", "ünï", "100%"} {
		td.consume(logsOf(ev{id: id, name: "agent.step", body: "odd id " + id}))
		var e store.JSON
		code, _ := td.get("/api/events/"+url.PathEscape(id), &e)
		if assert.Equal(t, http.StatusOK, code, "id %q", id) {
			assert.Equal(t, id, e.EventID)
		}
	}
}

// Without links.blog_url the dashboard serves the posts it links to.
func TestBlogPostServing(t *testing.T) {
	blogDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(blogDir, "2026-11-28-post.html"), []byte(
		"<html><body><h1>Post</h1><script>alert(1)</script></body></html>"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(blogDir, "secret.txt"), []byte("no"), 0o600))
	host, led := startLedger(t)
	ctx := context.Background()
	require.NoError(t, led.RecordEvents(ctx, []incidents.Event{{Key: "k", Kind: "firing", EventID: "e1", Time: time.Now()}}))
	require.NoError(t, led.RecordPost(ctx, incidents.Post{Key: "k", Slug: "2026-11-28-post", Title: "Post", Time: time.Now()}))
	td := startDashboardOn(t, host, t.TempDir(), func(c *Config) { c.Links = LinksConfig{BlogDirectory: blogDir} })
	td.consume(logsOf(fixture...))

	var d struct {
		Links []struct{ Kind, URL string } `json:"links"`
	}
	td.get("/api/events/e1", &d)
	require.Len(t, d.Links, 2)
	assert.Equal(t, "blog", d.Links[1].Kind)
	assert.Equal(t, "/blog/2026-11-28-post.html", d.Links[1].URL)

	resp, err := http.Get(td.URL + d.Links[1].URL)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(b), "<h1>Post</h1>")
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "sandbox", "the post cannot run scripts")
	assert.NotContains(t, resp.Header.Get("Content-Security-Policy"), "script-src")
	// The same rule as the blog's own server (internal/blogfiles).
	assert.Equal(t, blogfiles.CSP, resp.Header.Get("Content-Security-Policy"))
	assert.Equal(t, blogfiles.ContentType("2026-11-28-post.html"), resp.Header.Get("Content-Type"))
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))

	outside := filepath.Join(t.TempDir(), "outside.html")
	require.NoError(t, os.WriteFile(outside, []byte("outside"), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(blogDir, "2026-11-28-escape.html")))
	for _, p := range []string{"/blog/secret.txt", "/blog/.hidden.html", "/blog/..%2Fsecret.txt", "/blog/missing.html",
		"/blog/2026-11-28-escape.html", "/blog/Post.html", "/blog/.digest-state.json"} {
		code, _ := td.get(p, nil)
		assert.Equal(t, http.StatusNotFound, code, p)
	}
}
