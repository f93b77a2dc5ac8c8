package dashboardexporter

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
)

// A batch delivered again (a retried push, a replayed queue, a resent
// request), in the same run or after a restart, is neither stored twice,
// nor published twice to the live stream, nor counted twice in the
// per-minute histogram, the facets or the status board.
func TestReplayedBatchStoredPublishedAndCountedOnce(t *testing.T) {
	dir := t.TempDir()
	batch := make([]ev, 0, 300)
	for i := range 300 {
		sev := []string{"INFO", "WARN", "ERROR"}[i%3]
		batch = append(batch, ev{id: fmt.Sprintf("r%03d", i), name: "health.status_changed", sev: sev,
			body: "ollama changed", source: "health_monitor", at: time.Duration(i) * time.Second,
			attrs: map[string]any{"health.check": fmt.Sprintf("check%d", i%4), "health.status": "degraded"}})
	}
	const window = "/api/stats?since=2026-11-28T11:00:00Z&until=2026-11-28T13:00:00Z"

	td := startDashboard(t, dir, nil)
	stream := openStream(t, td.URL+"/api/stream", nil)
	td.consume(logsOf(batch[:200]...))
	td.consume(logsOf(batch[:200]...))
	td.consume(logsOf(append(batch[150:200:200], batch[150:200]...)...)) // twice within one batch
	td.consume(logsOf(batch[200:]...))

	var got []string
	for len(got) < 300 {
		m, err := stream.next()
		require.NoError(t, err)
		var e store.JSON
		require.NoError(t, jsonUnmarshal(m.data, &e))
		got = append(got, e.EventID)
	}
	for i, id := range got {
		require.Equal(t, batch[i].id, id, "the live stream sends each stored event once, in order")
	}

	// After a restart the replay changes nothing either.
	td.stop()
	td = startDashboard(t, dir, nil)
	stream = openStream(t, td.URL+"/api/stream", nil)
	td.consume(logsOf(batch...))
	td.consume(logsOf(ev{id: "r-last", name: "agent.step", body: "after the replay", at: 400 * time.Second}))
	m, err := stream.next()
	require.NoError(t, err)
	var e store.JSON
	require.NoError(t, jsonUnmarshal(m.data, &e))
	assert.Equal(t, "r-last", e.EventID, "nothing of the replay reached the live stream")

	// The oracle: a dashboard that got every event once.
	oracle := startDashboard(t, t.TempDir(), nil)
	oracle.consume(logsOf(batch...))
	oracle.consume(logsOf(ev{id: "r-last", name: "agent.step", body: "after the replay", at: 400 * time.Second}))
	var all, once store.Stats
	td.get(window, &all)
	oracle.get(window, &once)
	assert.EqualValues(t, 301, all.Total)
	assert.Equal(t, once.Total, all.Total)
	assert.Equal(t, once.Histogram, all.Histogram, "the per-minute counts count each event once")
	assert.Equal(t, once.Facets, all.Facets, "the facets count each event once")
	assert.Equal(t, once.Status, all.Status, "the status board holds each subject once")
	var p eventsPage
	td.get("/api/events?limit=500", &p)
	assert.Len(t, p.Events, 301)
}
