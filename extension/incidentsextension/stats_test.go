package incidentsextension

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/incidents"
)

// TestSubjectStats: over a known day, the incidents opened in it per key,
// how many are resolved (by a recovery event or by notify's resolution) and
// how long they took; one open across the window's start and one after its
// end do not count.
func TestSubjectStats(t *testing.T) {
	_, led := startLedger(t, nil)
	ctx := context.Background()
	const (
		ollamaKey = "health|agent-runner|health.check=ollama"
		taskKey   = "task|batch|task.name=nightly"
		lateKey   = "health|agent-runner|health.check=redis"
	)
	health := func(key, subject, kind, id string, at time.Time) incidents.Event {
		return incidents.Event{Key: key, Kind: kind, SubjectKey: "health.check", Subject: subject, Service: "agent-runner",
			EventName: "health.status_changed", EventID: id, Time: at}
	}
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	require.NoError(t, led.RecordEvents(ctx, []incidents.Event{
		// Open across the window's start: not one that opened in it.
		fsEvent("firing", "fs-a1", at(-time.Hour)), fsEvent("resolved", "fs-a2", at(10*time.Minute)),
		fsEvent("firing", "fs-b1", at(time.Hour)), fsEvent("resolved", "fs-b2", at(time.Hour+20*time.Minute)),
		fsEvent("firing", "fs-c1", at(3*time.Hour)), fsEvent("resolved", "fs-c2", at(3*time.Hour+40*time.Minute)),
		fsEvent("firing", "fs-d1", at(5*time.Hour)), fsEvent("firing", "fs-d2", at(5*time.Hour+time.Minute)),
		health(ollamaKey, "ollama", "firing", "ol-1", at(2*time.Hour)), health(ollamaKey, "ollama", "resolved", "ol-2", at(3*time.Hour)),
		{Key: taskKey, Kind: "firing", SubjectKey: "task.name", Subject: "nightly", Service: "batch", EventName: "task.failed", EventID: "tk-1", Time: at(6 * time.Hour)},
		{Key: taskKey, Kind: "firing", SubjectKey: "task.name", Subject: "nightly", Service: "batch", EventName: "task.failed", EventID: "tk-2", Time: at(6*time.Hour + 5*time.Minute)},
		// After the window's end.
		health(lateKey, "redis", "firing", "rd-1", at(25*time.Hour)),
	}))
	// notify's resolve_timeout resolution resolves the task at its last event.
	require.NoError(t, led.RecordDelivery(ctx, incidents.Delivery{Key: taskKey, Target: "ops", Time: at(7 * time.Hour),
		Status: incidents.DeliveryDelivered, Kind: "resolved"}))

	got, err := led.SubjectStats(ctx, t0, t0.Add(24*time.Hour), 0)
	require.NoError(t, err)
	require.Len(t, got, 3, "%+v", got)
	fs := got[0]
	assert.Equal(t, incidents.SubjectStat{Key: fsKey, Family: "mcp", Subject: "filesystem", Phrase: "MCP server filesystem", Service: "agent-runner",
		Count: 3, Resolved: 2, MTTRSeconds: 30 * 60, LongestSeconds: 40 * 60, Open: true,
		LastStart: at(5 * time.Hour).UnixMilli(), LastEventID: "fs-d2", LastID: fs.LastID}, fs)
	open, err := led.Incidents(ctx, incidents.Query{Status: incidents.StatusOpen})
	require.NoError(t, err)
	require.Len(t, open, 2, "the filesystem and redis incidents are open")
	assert.Contains(t, []int64{open[0].ID, open[1].ID}, fs.LastID, "the latest incident is the open one")
	// Equal counts: by key.
	assert.Equal(t, incidents.SubjectStat{Key: ollamaKey, Family: "health", Subject: "ollama", Phrase: "Health check ollama", Service: "agent-runner",
		Count: 1, Resolved: 1, MTTRSeconds: 3600, LongestSeconds: 3600, LastStart: at(2 * time.Hour).UnixMilli(),
		LastEventID: "ol-2", LastID: got[1].LastID}, got[1])
	assert.Equal(t, incidents.SubjectStat{Key: taskKey, Family: "task", Subject: "nightly", Phrase: "Task nightly", Service: "batch",
		Count: 1, Resolved: 1, MTTRSeconds: 300, LongestSeconds: 300, LastStart: at(6 * time.Hour).UnixMilli(),
		LastEventID: "tk-2", LastID: got[2].LastID}, got[2])

	// The limit keeps the keys with most incidents.
	top, err := led.SubjectStats(ctx, t0, t0.Add(24*time.Hour), 1)
	require.NoError(t, err)
	require.Len(t, top, 1)
	assert.Equal(t, fsKey, top[0].Key)
	// A window before everything: none.
	none, err := led.SubjectStats(ctx, t0.Add(-48*time.Hour), t0.Add(-24*time.Hour), 0)
	require.NoError(t, err)
	assert.Empty(t, none)
	assert.NotNil(t, none, "an empty list, not null")
}

// TestSubjectStatsUsesIndex: the window is found through incidents_first,
// not by reading every incident.
func TestSubjectStatsUsesIndex(t *testing.T) {
	l, _ := startLedger(t, nil)
	rows, err := l.db.sql.Query("EXPLAIN QUERY PLAN "+subjectStatsQuery, 0, 1, 10)
	require.NoError(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &notused, &detail))
		plan = append(plan, detail)
	}
	require.NoError(t, rows.Err())
	assert.Contains(t, plan, "SEARCH incidents USING INDEX incidents_first (first_ns>? AND first_ns<?)")
}
