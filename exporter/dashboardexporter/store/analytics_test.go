package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// rec is one record of an analytics case.
type rec struct {
	at      time.Duration // after now - 30 days
	name    string
	sev     plog.SeverityNumber
	service string
	source  string
	attrs   map[string]any
}

var aNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
var aBase = aNow.Add(-30 * 24 * time.Hour)

func recLogs(recs ...rec) plog.Logs {
	ld := plog.NewLogs()
	for i, r := range recs {
		rl := ld.ResourceLogs().AppendEmpty()
		svc := r.service
		if svc == "" {
			svc = "agent-runner"
		}
		rl.Resource().Attributes().PutStr(track.AttrServiceName, svc)
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommonTS(aBase.Add(r.at)))
		lr.SetEventName(r.name)
		sev := r.sev
		if sev == 0 {
			sev = plog.SeverityNumberInfo
		}
		lr.SetSeverityNumber(sev)
		if r.attrs != nil {
			if err := lr.Attributes().FromRaw(r.attrs); err != nil {
				panic(err)
			}
		}
		a := lr.Attributes()
		a.PutStr(track.AttrEventID, "a"+r.name+time.Duration(r.at).String()+string(rune('a'+i%26)))
		a.PutStr(track.AttrCategory, track.CategoryOf(r.name, ""))
		if r.source != "" {
			a.PutStr(track.AttrSource, r.source)
		}
	}
	return ld
}

func health(at time.Duration, status string) rec {
	return rec{at: at, name: "health.status_changed", source: "health_monitor",
		attrs: map[string]any{"health.check": "ollama", "health.status": status}}
}

func redis(at time.Duration, status string) rec {
	r := health(at, status)
	r.attrs = map[string]any{"health.check": "redis", "health.status": status}
	return r
}

const day = 24 * time.Hour

func TestUptime(t *testing.T) {
	s := openTemp(t)
	// ollama: first heard of 29 days ago (healthy), down for exactly one
	// hour 3 days ago, down for 30 minutes 2 hours ago, up since.
	ingest(t, s, recLogs(
		health(1*day, "healthy"),
		health(27*day, "unhealthy"),
		health(27*day+30*time.Minute, "unhealthy"), // still down: joins
		health(27*day+time.Hour, "healthy"),
		health(30*day-2*time.Hour, "unhealthy"),
		health(30*day-90*time.Minute, "healthy"),
		// filesystem MCP server: the breaker opened an hour ago and is still open.
		rec{at: 30*day - time.Hour, name: "mcp.circuit_breaker.opened", sev: plog.SeverityNumberError, source: "circuit_breaker",
			attrs: map[string]any{"mcp.server.name": "filesystem"}},
		// Not a health check or MCP server: no uptime.
		rec{at: 30*day - time.Hour, name: "task.failed", sev: plog.SeverityNumberError, attrs: map[string]any{"task.name": "nightly"}},
		// Of family mcp by its name, but about no server: no uptime.
		rec{at: 30*day - time.Hour, name: "mcp.tool_error", sev: plog.SeverityNumberError},
	))
	up, err := s.Uptime(context.Background(), aNow)
	require.NoError(t, err)
	require.Len(t, up, 2)

	fs := up[1]
	assert.Equal(t, "mcp", fs.Family)
	assert.Equal(t, "filesystem", fs.Subject)
	assert.False(t, fs.Up)
	w24 := fs.Windows[0]
	assert.Equal(t, "24h", w24.Window)
	require.Len(t, w24.Outages, 1)
	assert.True(t, w24.Outages[0].Open)
	assert.Equal(t, aNow.Add(-time.Hour).UnixMilli(), w24.Outages[0].Start)
	assert.Equal(t, aNow.UnixMilli(), w24.Outages[0].End)
	assert.InDelta(t, 0, *w24.Uptime, 1e-9, "known only for the hour it has been down")

	o := up[0]
	assert.Equal(t, "health", o.Family)
	assert.Equal(t, "ollama", o.Subject)
	assert.Equal(t, "agent-runner", o.Service)
	assert.True(t, o.Up)
	byName := map[string]UptimeWindow{}
	for _, w := range o.Windows {
		byName[w.Window] = w
	}
	w := byName["24h"]
	require.Len(t, w.Outages, 1)
	assert.Equal(t, aNow.Add(-2*time.Hour).UnixMilli(), w.Outages[0].Start)
	assert.Equal(t, aNow.Add(-90*time.Minute).UnixMilli(), w.Outages[0].End)
	assert.InDelta(t, 1-0.5/24, *w.Uptime, 1e-9)
	w = byName["7d"]
	require.Len(t, w.Outages, 2)
	assert.Equal(t, aNow.Add(-3*day).UnixMilli(), w.Outages[0].Start)
	assert.Equal(t, aNow.Add(-3*day+time.Hour).UnixMilli(), w.Outages[0].End)
	assert.InDelta(t, 1-1.5/(7*24), *w.Uptime, 1e-9)
	w = byName["30d"]
	assert.InDelta(t, 29*day.Seconds(), w.KnownSeconds, 1e-6, "known from its first event")
	assert.InDelta(t, 1.5*3600, w.DownSeconds, 1e-6)
	assert.InDelta(t, 1-1.5/(29*24), *w.Uptime, 1e-9)
}

func TestErrorsAndFirstSeen(t *testing.T) {
	s := openTemp(t)
	var recs []rec
	// old.crash: 3 a day and a half ago, 5 in the last day; first seen 20 days ago.
	recs = append(recs, rec{at: 10 * day, name: "old.crash", sev: plog.SeverityNumberError})
	for i := 0; i < 3; i++ {
		recs = append(recs, rec{at: 28*day + 12*time.Hour + time.Duration(i)*time.Minute, name: "old.crash", sev: plog.SeverityNumberError})
	}
	for i := 0; i < 5; i++ {
		recs = append(recs, rec{at: 30*day - 3*time.Hour + time.Duration(i)*time.Minute, name: "old.crash", sev: plog.SeverityNumberFatal})
	}
	// new.crash: first at 11:00 today, twice.
	recs = append(recs, rec{at: 30*day - time.Hour, name: "new.crash", sev: plog.SeverityNumberError},
		rec{at: 30*day - 30*time.Minute, name: "new.crash", sev: plog.SeverityNumberError},
		rec{at: 30*day - 30*time.Minute, name: "just.info"}) // not an error
	ingest(t, s, recLogs(recs...))

	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	rep, err := s.Errors(context.Background(), aNow, today, 10)
	require.NoError(t, err)
	require.Len(t, rep.Top, 2)
	assert.Equal(t, ErrorName{EventName: "old.crash", Count: 5, Previous: 3, FirstSeen: aBase.Add(10 * day).UnixMilli(),
		FirstEventID: rep.Top[0].FirstEventID}, rep.Top[0])
	assert.Equal(t, "new.crash", rep.Top[1].EventName)
	assert.Equal(t, int64(2), rep.Top[1].Count)
	assert.Equal(t, int64(0), rep.Top[1].Previous)
	require.Len(t, rep.FirstSeenToday, 1, "old.crash is not new")
	assert.Equal(t, "new.crash", rep.FirstSeenToday[0].EventName)
	assert.Equal(t, aNow.Add(-time.Hour).UnixMilli(), rep.FirstSeenToday[0].FirstSeen)

	// An older new.crash arriving late moves its first sighting back.
	ingest(t, s, recLogs(rec{at: 5 * day, name: "new.crash", sev: plog.SeverityNumberError}))
	rep, err = s.Errors(context.Background(), aNow, today, 10)
	require.NoError(t, err)
	assert.Empty(t, rep.FirstSeenToday)
}

func TestSources(t *testing.T) {
	s := openTemp(t)
	var recs []rec
	for i := 0; i < 120; i++ { // 2 a minute for an hour
		recs = append(recs, rec{at: 30*day - time.Hour + time.Duration(i)*30*time.Second, name: "x", source: "json_events"})
	}
	for i := 0; i < 10; i++ { // 10 in one minute, over OTLP
		recs = append(recs, rec{at: 30*day - 10*time.Minute, name: "y", source: "otlp", service: "planner"})
	}
	ingest(t, s, recLogs(recs...))
	rep, err := s.Sources(context.Background(), aNow.Add(-time.Hour).UnixNano(), aNow.UnixNano())
	require.NoError(t, err)
	assert.Equal(t, int64(60), rep.BucketSeconds)
	require.Len(t, rep.Sources, 2)
	assert.Equal(t, "json_events", rep.Sources[0].Source)
	assert.Equal(t, int64(120), rep.Sources[0].Total)
	assert.InDelta(t, 2, rep.Sources[0].PerMinute, 1e-9)
	assert.InDelta(t, 2, rep.Sources[0].PeakPerMinute, 1e-9)
	assert.Len(t, rep.Sources[0].Series, 60)
	assert.Equal(t, "otlp:planner", rep.Sources[1].Source)
	assert.InDelta(t, 10, rep.Sources[1].PeakPerMinute, 1e-9)

	// A day: slots of 32 minutes (<= 60 slots).
	rep, err = s.Sources(context.Background(), aNow.Add(-day).UnixNano(), aNow.UnixNano())
	require.NoError(t, err)
	assert.Equal(t, int64(32*60), rep.BucketSeconds)
	assert.LessOrEqual(t, len(rep.Sources[0].Series), 60)
}

// Aggregates outlive the events; tombstones remember removed ones; both go
// at analytics_max_age.
func TestAnalyticsRetention(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	stored := ingest(t, s, recLogs(health(1*day, "unhealthy"), health(1*day+time.Hour, "healthy"),
		rec{at: 1 * day, name: "old.crash", sev: plog.SeverityNumberError}))
	n, err := s.Prune(ctx, Retention{MaxAge: 7 * day}, aNow)
	require.NoError(t, err)
	assert.Equal(t, int64(3), n)
	up, err := s.Uptime(ctx, aNow)
	require.NoError(t, err)
	require.Len(t, up, 1, "the outage is still known after its events are gone")
	assert.Len(t, up[0].Windows[2].Outages, 1)
	rm, err := s.RemovedEvent(ctx, stored[0].EventID)
	require.NoError(t, err)
	assert.Equal(t, "health.status_changed", rm.EventName)

	_, err = s.Prune(ctx, Retention{AnalyticsMaxAge: 20 * day}, aNow)
	require.NoError(t, err)
	up, err = s.Uptime(ctx, aNow)
	require.NoError(t, err)
	assert.Empty(t, up)
	// Tombstones count from their removal (now, by the wall clock).
	_, err = s.RemovedEvent(ctx, stored[0].EventID)
	require.NoError(t, err)
	_, err = s.Prune(ctx, Retention{AnalyticsMaxAge: time.Nanosecond}, time.Now().Add(time.Hour))
	require.NoError(t, err)
	_, err = s.RemovedEvent(ctx, stored[0].EventID)
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.RemovedEvent(ctx, "never-stored")
	assert.ErrorIs(t, err, ErrNotFound)
}

// A database of schema version 2 gets the analytics backfilled from its events.
func TestMigrationBackfillsAnalytics(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, dir)
	require.NoError(t, err)
	ingest(t, s, recLogs(health(29*day, "unhealthy"), health(29*day+time.Hour, "healthy"),
		rec{at: 30*day - time.Hour, name: "new.crash", sev: plog.SeverityNumberError, source: "json_events"}))
	wantUp, err := s.Uptime(ctx, aNow)
	require.NoError(t, err)
	wantSrc, err := s.Sources(ctx, aNow.Add(-day).UnixNano(), aNow.UnixNano())
	require.NoError(t, err)
	require.NoError(t, s.Close())

	db, err := sql.Open("sqlite", filepath.Join(dir, FileName))
	require.NoError(t, err)
	for _, q := range []string{"DROP TRIGGER events_tombstone", "DROP TABLE source_minutes", "DROP TABLE error_hours",
		"DROP TABLE error_first", "DROP TABLE incident_marks", "DROP TABLE removed_events", "PRAGMA user_version = 2"} {
		_, err = db.Exec(q)
		require.NoError(t, err, q)
	}
	require.NoError(t, db.Close())

	s, err = Open(ctx, dir)
	require.NoError(t, err)
	defer s.Close()
	gotUp, err := s.Uptime(ctx, aNow)
	require.NoError(t, err)
	assert.Equal(t, wantUp, gotUp)
	gotSrc, err := s.Sources(ctx, aNow.Add(-day).UnixNano(), aNow.UnixNano())
	require.NoError(t, err)
	assert.Equal(t, wantSrc, gotSrc)
	rep, err := s.Errors(ctx, aNow, aNow.Add(-12*time.Hour).UnixNano(), 10)
	require.NoError(t, err)
	require.Len(t, rep.FirstSeenToday, 1)
}
