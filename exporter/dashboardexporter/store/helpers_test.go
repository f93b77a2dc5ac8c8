package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

var (
	testCategories = []string{"mcp", "health", "task", "dashboard", "agent", "notification", "anomaly", "system"}
	testServices   = []string{"agent-runner", "dashboard", "scheduler", "gateway"}
	testSources    = []string{"track_event", "json_events", "dashboard", "health_monitor", "circuit_breaker", "otlp"}
	testSeverities = []plog.SeverityNumber{5, 9, 9, 9, 9, 9, 13, 13, 17, 21}
	testWords      = []string{"timeout", "connection", "refused", "memory", "consolidation", "filesystem", "ollama",
		"latency", "summary", "nightly", "retry", "backoff", "token", "budget", "cache", "miss", "index", "rebuild"}
)

// genLogs builds n records in a deterministic mix of categories, services,
// severities and words; record i is at base + i ms.
func genLogs(n, offset int, base time.Time) plog.Logs {
	ld := plog.NewLogs()
	perService := map[string]plog.LogRecordSlice{}
	for i := offset; i < offset+n; i++ {
		// Independent pseudo-random choices per field, so that combined
		// filters match what chance gives (about the product of the shares).
		h := mix(uint64(i))
		pick := func(n int) int { v := int(h % uint64(n)); h /= uint64(n); return v }
		svc := testServices[pick(len(testServices))]
		lrs, ok := perService[svc]
		if !ok {
			rl := ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr(track.AttrServiceName, svc)
			rl.Resource().Attributes().PutStr(track.AttrHostName, "box1")
			lrs = rl.ScopeLogs().AppendEmpty().LogRecords()
			perService[svc] = lrs
		}
		lr := lrs.AppendEmpty()
		t := base.Add(time.Duration(i) * time.Millisecond)
		lr.SetTimestamp(pcommonTS(t))
		lr.SetObservedTimestamp(pcommonTS(t))
		sev := testSeverities[pick(len(testSeverities))]
		lr.SetSeverityNumber(sev)
		lr.SetSeverityText(SeverityBucket(int32(sev)))
		cat := testCategories[pick(len(testCategories))]
		lr.SetEventName(fmt.Sprintf("%s.event_%d", cat, pick(5)))
		w1 := testWords[pick(len(testWords))]
		w2 := testWords[pick(len(testWords))]
		lr.Body().SetStr(fmt.Sprintf("%s %s happened in step %d of the run", w1, w2, i%100))
		a := lr.Attributes()
		a.PutStr(track.AttrEventID, fmt.Sprintf("ev%010d", i))
		a.PutStr(track.AttrCategory, cat)
		a.PutStr(track.AttrSource, testSources[pick(len(testSources))])
		a.PutInt("attempt", int64(i%4))
		a.PutDouble("latency_ms", float64(i%1000)+0.5)
		a.PutStr("detail", fmt.Sprintf("%s-%d", testWords[pick(len(testWords))], pick(1000)))
		r := a.PutEmptySlice(track.AttrRoutes)
		r.AppendEmpty().SetStr("dashboard")
		r.AppendEmpty().SetStr("eventlog")
	}
	return ld
}

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func ingest(t testing.TB, s *Store, ld plog.Logs) []Event {
	t.Helper()
	stored, err := s.Insert(context.Background(), FromLogs(ld, time.Now()))
	require.NoError(t, err)
	return stored
}

func pcommonTS(t time.Time) pcommon.Timestamp { return pcommon.NewTimestampFromTime(t) }

// mix is SplitMix64's finalizer: a fixed, well-spread hash of i.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
