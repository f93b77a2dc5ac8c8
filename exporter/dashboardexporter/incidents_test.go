package dashboardexporter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/extension/incidentsextension/incidentstest"
	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/incidents"
	"github.com/unitrack/unitrack/internal/testbin"
	"github.com/unitrack/unitrack/internal/track"
)

// startLedger runs the real incidents extension (the dashboard finds it
// through the host).
func startLedger(t testing.TB) (component.Host, incidents.Ledger) {
	t.Helper()
	return incidentstest.Start(t, nil)
}

// recordIncidents folds the firing and resolving events of ld into the
// ledger in time order, as notify and blog do with the events routed to
// them, so the ledger and the dashboard hold the same story.
func recordIncidents(t testing.TB, led incidents.Recorder, ld plog.Logs) {
	t.Helper()
	var evs []incidents.Event
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				kind := incident.Classify(lr)
				if kind != incident.Firing && kind != incident.Resolving {
					continue
				}
				key := incident.KeyOf(lr, rl.Resource())
				id, _ := lr.Attributes().Get(track.AttrEventID)
				evs = append(evs, incidents.Event{Key: key.String(), Kind: kind.String(), SubjectKey: key.SubjectKey,
					Subject: key.SubjectValue, Service: key.Service, EventName: lr.EventName(), EventID: id.Str(),
					Time: lr.Timestamp().AsTime()}.Quoting(lr))
			}
		}
	}
	slices.SortStableFunc(evs, func(a, b incidents.Event) int { return a.Time.Compare(b.Time) })
	require.NoError(t, led.RecordEvents(context.Background(), evs))
}

// send makes a request with an optional CSRF token and JSON body.
func (td *testDashboard) send(method, path, token string, body any, v any) int {
	td.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(td.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, td.URL+path, rd)
	require.NoError(td.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(td.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(td.t, err)
	if v != nil {
		require.NoError(td.t, json.Unmarshal(b, v), "body: %s", b)
	}
	return resp.StatusCode
}

func (td *testDashboard) csrfToken() string {
	td.t.Helper()
	var tok struct{ Header, Token string }
	code, _ := td.get("/api/csrf", &tok)
	require.Equal(td.t, http.StatusOK, code)
	require.Equal(td.t, "X-CSRF-Token", tok.Header)
	return tok.Token
}

func TestIncidentsAPI(t *testing.T) {
	host, led := startLedger(t)
	ctx := context.Background()
	key := "mcp|agent-runner|mcp.server.name=filesystem"
	require.NoError(t, led.RecordEvents(ctx, []incidents.Event{
		{Key: key, Kind: "firing", SubjectKey: "mcp.server.name", Subject: "filesystem", Service: "agent-runner", EventName: "mcp_server_failure",
			Body: "MCP server 'filesystem' failed: timeout", EventID: "e1", Time: t0},
		{Key: key, Kind: "firing", SubjectKey: "mcp.server.name", Subject: "filesystem", Service: "agent-runner", EventName: "mcp.circuit_breaker.opened", EventID: "e2", Time: t0.Add(time.Minute),
			Facts: map[string]string{"circuit_breaker.failure_count": "5", "error": "Timeout after 30s"}},
		{Key: "task|batch|task.name=nightly", Kind: "firing", SubjectKey: "task.name", Subject: "nightly", Service: "batch", EventName: "task.failed", EventID: "e3", Time: t0,
			Facts: map[string]string{"task.attempt": "3", "exception.type": "KeyError", "exception.message": "facts"}},
		{Key: "task|batch|task.name=nightly", Kind: "resolved", EventName: "task.succeeded", EventID: "e4", Time: t0.Add(2 * time.Minute)},
	}))
	require.NoError(t, led.RecordDelivery(ctx, incidents.Delivery{Key: key, Target: "slack", Time: t0.Add(30 * time.Second), Status: incidents.DeliveryRetrying, Kind: "firing", Title: "t", Text: "x", Error: "503"}))
	require.NoError(t, led.RecordPost(ctx, incidents.Post{Key: key, Slug: "2026-11-28-filesystem", Title: "post", Time: t0}))
	td := startDashboardOn(t, host, t.TempDir(), func(c *Config) { c.Links = LinksConfig{BlogDirectory: t.TempDir()} })

	var list struct {
		Incidents []struct {
			incidents.Incident
			EventsURL string `json:"events_url"`
		} `json:"incidents"`
	}
	code, _ := td.get("/api/incidents?status=open", &list)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, list.Incidents, 1)
	in := list.Incidents[0]
	assert.Equal(t, key, in.Key)
	assert.Equal(t, int64(2), in.Events)
	assert.Equal(t, 60.0, in.Duration)
	assert.Equal(t, []string{"e1", "e2"}, in.EventIDs)
	assert.Equal(t, "/?q=%22filesystem%22&service=agent-runner&since=1795867200000&until=1795867260001", in.EventsURL)
	// The ledger's plain words, as notify and blog say the incident.
	assert.Equal(t, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s", in.Title)
	code, _ = td.get("/api/incidents", &list)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, list.Incidents, 2)
	assert.Equal(t, "Task nightly failed after 3 attempts: KeyError: facts (resolved after 2m0s)", list.Incidents[0].Title, "most recently seen first")

	var d struct {
		Key, Title string
		Deliveries []incidents.Delivery
		Posts      []incidents.Post
	}
	code, _ = td.get("/api/incidents/"+strconv.FormatInt(in.ID, 10), &d)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, in.Title, d.Title)
	require.Len(t, d.Deliveries, 1)
	assert.Equal(t, "retrying", d.Deliveries[0].Status)
	assert.Equal(t, "503", d.Deliveries[0].Error)
	require.Len(t, d.Posts, 1)
	assert.Equal(t, "/blog/2026-11-28-filesystem.html", d.Posts[0].URL)

	for _, tt := range []struct {
		path, want string
		code       int
	}{
		{"/api/incidents?status=closed", `status: expected open or resolved, got "closed"`, http.StatusBadRequest},
		{"/api/incidents?limit=0", `limit: expected a number from 1 to 1000, got "0"`, http.StatusBadRequest},
		{"/api/incidents/x", `id: expected a positive incident number, got "x"`, http.StatusBadRequest},
		{"/api/incidents/999", `incident 999 not found (it may have been removed by retention)`, http.StatusNotFound},
	} {
		var e struct{ Error string }
		code, _ := td.get(tt.path, &e)
		assert.Equal(t, tt.code, code, tt.path)
		assert.Equal(t, tt.want, e.Error, tt.path)
	}
}

func TestSilencesAPI(t *testing.T) {
	host, _ := startLedger(t)
	td := startDashboardOn(t, host, t.TempDir(), nil)
	token := td.csrfToken()
	body := map[string]any{"matcher": map[string]string{"subject": "filesystem"}, "duration": "2h", "author": "ops", "comment": "restarting"}

	var e struct{ Error string }
	assert.Equal(t, http.StatusForbidden, td.send(http.MethodPost, "/api/silences", "", body, &e), "a write without the token is refused")
	assert.Contains(t, e.Error, "CSRF")
	assert.Equal(t, http.StatusForbidden, td.send(http.MethodPost, "/api/silences", "forged", body, &e))

	var s struct {
		incidents.Silence
		Active bool
	}
	require.Equal(t, http.StatusCreated, td.send(http.MethodPost, "/api/silences", token, body, &s))
	assert.True(t, s.Active)
	assert.Equal(t, "filesystem", s.Matcher.Subject)
	assert.Equal(t, 2*time.Hour, s.EndsAt.Sub(s.StartsAt))
	assert.Equal(t, "ops", s.Author)

	for _, tt := range []struct {
		name string
		body any
		want string
		code int
	}{
		{"empty matcher", map[string]any{"duration": "1h", "author": "ops"}, "matcher: set at least one of subject, group_key, category, service, event_name", 400},
		{"bad duration", map[string]any{"matcher": map[string]string{"service": "a"}, "duration": "soon", "author": "ops"}, `duration: expected a positive Go duration such as 30m or 2h, got "soon"`, 400},
		{"no end", map[string]any{"matcher": map[string]string{"service": "a"}, "author": "ops"}, "ends_at: missing, want an RFC 3339 time", 400},
		{"no author", map[string]any{"matcher": map[string]string{"service": "a"}, "duration": "1h"}, "author: must not be empty", 400},
		{"unknown field", map[string]any{"matcher": map[string]string{"service": "a"}, "duration": "1h", "author": "x", "until": "x"}, `body: expected a JSON silence (matcher, duration or ends_at, author, comment): json: unknown field "until"`, 400},
		{"too long", map[string]any{"matcher": map[string]string{"service": "a"}, "duration": "2400h", "author": "x"}, "ends_at: at most 2160h0m0s from now", 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var e struct{ Error string }
			assert.Equal(t, tt.code, td.send(http.MethodPost, "/api/silences", token, tt.body, &e))
			assert.Equal(t, tt.want, e.Error)
		})
	}

	var list struct {
		Silences []struct {
			ID     int64
			Active bool
		}
	}
	code, _ := td.get("/api/silences", &list)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, list.Silences, 1)

	path := "/api/silences/" + strconv.FormatInt(s.ID, 10)
	assert.Equal(t, http.StatusForbidden, td.send(http.MethodDelete, path, "", nil, nil))
	require.Equal(t, http.StatusOK, td.send(http.MethodDelete, path, token, nil, &s))
	assert.False(t, s.Active)
	assert.Equal(t, http.StatusNotFound, td.send(http.MethodDelete, "/api/silences/999", token, nil, nil))
	td.get("/api/silences", &list)
	assert.False(t, list.Silences[0].Active)
}

// Without the extension the ledger's API answers 404 with the fix.
func TestIncidentsWithoutLedger(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	var e struct{ Error string }
	code, _ := td.get("/api/incidents", &e)
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, "the incident ledger is not running: add the incidents extension to service::extensions", e.Error)
	code, _ = td.get("/api/silences", nil)
	assert.Equal(t, http.StatusNotFound, code)
}

// TestBrowserIncidentTitles: the Incidents view, an incident's view and the
// event's incident link say incidents in the ledger's plain words.
func TestBrowserIncidentTitles(t *testing.T) {
	ctx := testbin.Browser(t)
	host, led := startLedger(t)
	bg := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	fs := "mcp|agent-runner|mcp.server.name=filesystem"
	var storm []incidents.Event
	for i := range 5 {
		storm = append(storm, incidents.Event{Key: fs, Kind: "firing", SubjectKey: "mcp.server.name", Subject: "filesystem", Service: "agent-runner",
			EventName: "mcp_server_failure", Body: "MCP server 'filesystem' failed: timeout", EventID: fmt.Sprintf("f%d", i), Time: now.Add(time.Duration(i-10) * time.Minute)})
	}
	storm = append(storm, incidents.Event{Key: fs, Kind: "firing", SubjectKey: "mcp.server.name", Subject: "filesystem", Service: "agent-runner",
		EventName: "mcp.circuit_breaker.opened", EventID: "e1", Time: now.Add(-5 * time.Minute),
		Facts: map[string]string{"circuit_breaker.failure_count": "5", "error": "Timeout after 30s"}})
	task := "task|scheduler|task.name=nightly_summary"
	require.NoError(t, led.RecordEvents(bg, append(storm,
		incidents.Event{Key: task, Kind: "firing", SubjectKey: "task.name", Subject: "nightly_summary", Service: "scheduler", EventName: "task.failed",
			EventID: "e3", Time: now.Add(-20 * time.Minute), Facts: map[string]string{"task.attempt": "3", "exception.type": "KeyError", "exception.message": "facts"}},
		incidents.Event{Key: task, Kind: "resolved", EventName: "task.succeeded", EventID: "t-ok", Time: now.Add(-13 * time.Minute)},
	)))
	td := startDashboardOn(t, host, t.TempDir(), nil)
	td.consume(logsOf(fixture...))
	const (
		mcpTitle  = "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s"
		taskTitle = "Task nightly_summary failed after 3 attempts: KeyError: facts (resolved after 7m0s)"
	)

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/")))
	testbin.WaitJS(t, ctx, `document.querySelectorAll('#incidents-table tbody tr[data-incident-id]').length === 2`, 10*time.Second)
	got := testbin.EvalJS[[]string](t, ctx, `Array.from(document.querySelectorAll('#incidents-table tbody td.title')).map(td => td.textContent)`)
	assert.Equal(t, []string{mcpTitle, taskTitle}, got, "open first, then resolved")
	testbin.EvalJS[bool](t, ctx, `(document.getElementById('incidents').scrollIntoView(), true)`)
	testbin.Screenshot(t, ctx, "dashboard-incidents.png")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#incidents-table tbody tr[data-incident-id]`))))
	testbin.WaitJS(t, ctx, `!document.getElementById('incident').hidden && document.getElementById('i-title').textContent !== ''`, 10*time.Second)
	assert.Equal(t, mcpTitle, testbin.EvalJS[string](t, ctx, `document.getElementById('i-title').textContent`))

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/#/events/e1")))
	testbin.WaitJS(t, ctx, `document.querySelector('#d-links a[href^="#/incidents/"]') !== null`, 10*time.Second)
	assert.Equal(t, mcpTitle, testbin.EvalJS[string](t, ctx, `document.querySelector('#d-links a[href^="#/incidents/"]').textContent`))
}
