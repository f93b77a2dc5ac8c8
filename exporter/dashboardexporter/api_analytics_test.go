package dashboardexporter

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
	"github.com/unitrack/unitrack/internal/incidents"
)

func TestAPIAnalytics(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	now := time.Now().Truncate(time.Millisecond)
	rel := func(d time.Duration) time.Duration { return now.Add(-d).Sub(t0) }
	td.consume(logsOf(
		ev{id: "a1", name: "health.status_changed", sev: "ERROR", source: "health_monitor", at: rel(2 * time.Hour),
			attrs: map[string]any{"health.check": "ollama", "health.status": "unhealthy"}},
		ev{id: "a2", name: "health.status_changed", source: "health_monitor", at: rel(time.Hour),
			attrs: map[string]any{"health.check": "ollama", "health.status": "healthy"}},
		ev{id: "a3", name: "agent.step", source: "otlp", service: "planner", at: rel(time.Minute)},
	))
	var a struct {
		Now            int64                   `json:"now"`
		Since          int64                   `json:"since"`
		Uptime         []store.UptimeSubject   `json:"uptime"`
		Incidents      []incidents.SubjectStat `json:"incidents"`
		IncidentsState string                  `json:"incidents_state"`
		Errors         store.ErrorReport       `json:"errors"`
		Sources        store.SourceReport      `json:"sources"`
	}
	code, _ := td.get("/api/analytics?since=3h", &a)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, a.Uptime, 1)
	assert.Equal(t, "ollama", a.Uptime[0].Subject)
	// No incidents extension: the panel says it needs one, not "none".
	assert.Equal(t, "needs_incidents_extension", a.IncidentsState)
	assert.NotNil(t, a.Incidents)
	assert.Empty(t, a.Incidents)
	require.Len(t, a.Errors.Top, 1)
	assert.Equal(t, "health.status_changed", a.Errors.Top[0].EventName)
	srcs := map[string]int64{}
	for _, s := range a.Sources.Sources {
		srcs[s.Source] = s.Total
	}
	assert.Equal(t, map[string]int64{"health_monitor": 2, "otlp:planner": 1}, srcs)
	assert.InDelta(t, 3*3600*1000, a.Now-a.Since, 1000)

	for _, tt := range []struct{ query, want string }{
		{"since=yesterday", `since: expected an RFC 3339 time, Unix milliseconds or a duration such as 15m, got "yesterday"`},
		{"until=x", `until: expected an RFC 3339 time, Unix milliseconds or a duration such as 15m, got "x"`},
		{"since=1h&until=2h", "until: must be after since"},
		{"today=-5", `today: expected the start of the day in Unix milliseconds, got "-5"`},
	} {
		var e struct {
			Error string `json:"error"`
		}
		code, _ := td.get("/api/analytics?"+tt.query, &e)
		assert.Equal(t, http.StatusBadRequest, code, tt.query)
		assert.Equal(t, tt.want, e.Error, tt.query)
	}
}

// TestAnalyticsIncidentsAgreeWithLedger: the analytics' incidents panel
// and the Incidents view read the same ledger, so for one scenario they
// agree on how many incidents each subject had, how many are resolved, and
// which is open; the panel's mean time to resolve is the view's durations'.
func TestAnalyticsIncidentsAgreeWithLedger(t *testing.T) {
	host, led := startLedger(t)
	td := startDashboardOn(t, host, t.TempDir(), nil)
	now := time.Now().Truncate(time.Millisecond)
	rel := func(d time.Duration) time.Duration { return now.Add(-d).Sub(t0) }
	ollama := func(id, status string, ago time.Duration) ev {
		return ev{id: id, name: "health.status_changed", source: "health_monitor", at: rel(ago),
			attrs: map[string]any{"health.check": "ollama", "health.status": status}}
	}
	fs := func(id, name string, ago time.Duration) ev {
		return ev{id: id, name: name, source: "circuit_breaker", at: rel(ago), attrs: map[string]any{"mcp.server.name": "filesystem"}}
	}
	ld := logsOf(
		ollama("o0", "unhealthy", 30*time.Hour), ollama("o1", "healthy", 29*time.Hour), // before the window
		ollama("o2", "unhealthy", 3*time.Hour), ollama("o3", "healthy", 2*time.Hour),
		ollama("o4", "unhealthy", 90*time.Minute), ollama("o5", "healthy", 60*time.Minute),
		ollama("o6", "unhealthy", 10*time.Minute),
		fs("f1", "mcp.circuit_breaker.opened", 40*time.Minute), fs("f2", "mcp.circuit_breaker.closed", 30*time.Minute),
	)
	td.consume(ld)
	recordIncidents(t, led, ld)

	var a struct {
		Since          int64                   `json:"since"`
		Incidents      []incidents.SubjectStat `json:"incidents"`
		IncidentsState string                  `json:"incidents_state"`
	}
	code, _ := td.get("/api/analytics?since=24h", &a)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ledger", a.IncidentsState)
	var view struct {
		Incidents []incidents.Incident `json:"incidents"`
	}
	code, _ = td.get("/api/incidents", &view)
	require.Equal(t, http.StatusOK, code)

	// What the Incidents view says per key, over the panel's window.
	type tally struct {
		count, resolved int
		open            bool
		durations       float64
	}
	fromView := map[string]tally{}
	for _, in := range view.Incidents {
		if in.FirstSeen.UnixMilli() < a.Since {
			continue
		}
		tl := fromView[in.Key]
		tl.count++
		if in.Status == incidents.StatusResolved {
			tl.resolved++
			tl.durations += in.Duration
		} else {
			tl.open = true
		}
		fromView[in.Key] = tl
	}
	fromPanel := map[string]tally{}
	for _, st := range a.Incidents {
		fromPanel[st.Key] = tally{count: st.Count, resolved: st.Resolved, open: st.Open, durations: st.MTTRSeconds * float64(st.Resolved)}
	}
	assert.Equal(t, fromView, fromPanel)
	assert.Equal(t, map[string]tally{
		"health|agent-runner|health.check=ollama":     {count: 3, resolved: 2, open: true, durations: 3600 + 1800},
		"mcp|agent-runner|mcp.server.name=filesystem": {count: 1, resolved: 1, durations: 600},
	}, fromPanel)
}

// A removed event's 404 says when retention removed it; an unknown one says
// it is not found; both list the links that name it.
func TestAPIRemovedEvent(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	td.consume(logsOf(ev{id: "gone1", name: "agent.crash", sev: "ERROR"}, ev{id: "kept", name: "agent.step"}))
	td.de.mu.Lock()
	st := td.de.store
	td.de.mu.Unlock()
	_, err := st.Prune(t.Context(), store.Retention{MaxEvents: 1}, time.Now())
	require.NoError(t, err)
	var body struct {
		Error   string         `json:"error"`
		Removed *store.Removed `json:"removed"`
		Links   []any          `json:"links"`
	}
	code, _ := td.get("/api/events/gone1", &body)
	assert.Equal(t, http.StatusNotFound, code)
	require.NotNil(t, body.Removed)
	assert.Equal(t, "agent.crash", body.Removed.EventName)
	assert.Equal(t, t0.Format(time.RFC3339Nano), body.Removed.Time)
	assert.Contains(t, body.Error, `event "gone1" was removed by retention at `)
	assert.NotNil(t, body.Links)

	body.Removed = nil
	code, _ = td.get("/api/events/never", &body)
	assert.Equal(t, http.StatusNotFound, code)
	assert.Nil(t, body.Removed)
	assert.Equal(t, `event "never" not found (it may have been removed by retention)`, body.Error)
}
