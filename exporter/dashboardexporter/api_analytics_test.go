package dashboardexporter

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
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
		Now       int64                 `json:"now"`
		Since     int64                 `json:"since"`
		Uptime    []store.UptimeSubject `json:"uptime"`
		Incidents []store.IncidentStat  `json:"incidents"`
		Errors    store.ErrorReport     `json:"errors"`
		Sources   store.SourceReport    `json:"sources"`
	}
	code, _ := td.get("/api/analytics?since=3h", &a)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, a.Uptime, 1)
	assert.Equal(t, "ollama", a.Uptime[0].Subject)
	require.Len(t, a.Incidents, 1)
	assert.InDelta(t, 3600, a.Incidents[0].MTTRSeconds, 0.01)
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
