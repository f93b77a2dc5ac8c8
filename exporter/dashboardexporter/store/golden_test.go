package store

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/legacy"
)

var update = flag.Bool("update", false, "rewrite testdata/roundtrip/input.yaml from roundTripInput")

// roundTripInput is a batch with every value type, a map body, trace
// context, two resources and two scopes.
func roundTripInput() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "agent-runner")
	rl.Resource().Attributes().PutStr("host.name", "box1")
	rl.Resource().Attributes().PutInt("process.pid", 4121)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(legacy.ScopeName)
	sl.Scope().SetVersion("0.1.0")
	lr := sl.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(base))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(base.Add(time.Millisecond)))
	lr.SetSeverityNumber(plog.SeverityNumberError)
	lr.SetSeverityText("error")
	lr.SetEventName("mcp.circuit_breaker.opened")
	lr.Body().SetStr("MCP server 'filesystem' failed: <timeout> & more")
	lr.SetTraceID(pcommon.TraceID{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	lr.SetSpanID(pcommon.SpanID{0xca, 0xfe, 1, 2, 3, 4, 5, 6})
	lr.SetFlags(plog.DefaultLogRecordFlags.WithIsSampled(true))
	a := lr.Attributes()
	a.PutStr("track.event_id", "rt1")
	a.PutStr("track.category", "mcp")
	a.PutStr("track.source", "circuit_breaker")
	a.PutStr("mcp.server.name", "filesystem")
	a.PutStr("circuit_breaker.state", "open")
	a.PutInt("circuit_breaker.failure_count", 5)
	a.PutDouble("circuit_breaker.cooldown_s", 60)
	a.PutDouble("ratio", 0.25)
	a.PutBool("final", true)
	tags := a.PutEmptySlice("track.tags")
	tags.AppendEmpty().SetStr("mcp")
	tags.AppendEmpty().SetInt(2)
	m := a.PutEmptyMap("details")
	m.PutStr("endpoint", "http://localhost:11434")
	m.PutEmptyMap("deep").PutBool("x", false)
	routes := a.PutEmptySlice("track.routes")
	for _, r := range []string{"blog", "dashboard", "eventlog", "notify", "observability"} {
		routes.AppendEmpty().SetStr(r)
	}

	lr = sl.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(base.Add(time.Second)))
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.SetEventName("agent.summary")
	bm := lr.Body().SetEmptyMap()
	bm.PutStr("msg", "structured body")
	bm.PutInt("tokens", 1234)
	lr.Attributes().PutStr("track.event_id", "rt2")
	lr.Attributes().PutStr("track.category", "agent")
	lr.Attributes().PutStr("track.source", "otlp")

	sl2 := rl.ScopeLogs().AppendEmpty()
	sl2.Scope().SetName("other.scope")
	lr = sl2.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(base.Add(2 * time.Second)))
	lr.SetSeverityNumber(plog.SeverityNumberWarn)
	lr.Body().SetStr("unicode ünï \u2028 and a tab\t")
	lr.Attributes().PutStr("track.event_id", "rt3")
	lr.Attributes().PutStr("track.category", "other")

	rl2 := ld.ResourceLogs().AppendEmpty()
	rl2.Resource().Attributes().PutStr("service.name", "dashboard")
	lr = rl2.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(base.Add(3 * time.Second)))
	lr.SetSeverityNumber(plog.SeverityNumberError)
	lr.SetSeverityText("error")
	lr.SetEventName("dashboard.error")
	lr.Body().SetStr("Failed to fetch")
	lr.Attributes().PutStr("track.event_id", "rt4")
	lr.Attributes().PutStr("track.category", "dashboard")
	lr.Attributes().PutStr("track.source", "dashboard")
	lr.Attributes().PutStr("exception.stacktrace", "TypeError: Failed to fetch\n    at refreshModelServices (index.html:412:15)")
	return ld
}

// TestStoredEventsReadBackAsSent stores a batch and rebuilds plog from the
// rows: the result equals what was stored.
func TestStoredEventsReadBackAsSent(t *testing.T) {
	path := filepath.Join("testdata", "roundtrip", "input.yaml")
	if *update {
		require.NoError(t, golden.WriteLogs(t, path, roundTripInput()))
	}
	input, err := golden.ReadLogs(path)
	require.NoError(t, err)
	s := openTemp(t)
	ingest(t, s, input)
	require.NoError(t, plogtest.CompareLogs(input, readBack(t, s)))
}

// readBack rebuilds plog from every stored event, in arrival order, with
// consecutive events of one resource and scope grouped as they came.
func readBack(t *testing.T, s *Store) plog.Logs {
	t.Helper()
	out := plog.NewLogs()
	var rl plog.ResourceLogs
	var sl plog.ScopeLogs
	lastRes, lastScope := "\xff", "\xff"
	require.NoError(t, s.Each(context.Background(), Filter{}, func(ev *Event) error {
		if ev.Resource != lastRes {
			rl = out.ResourceLogs().AppendEmpty()
			if err := decodeMap(ev.Resource, rl.Resource().Attributes()); err != nil {
				return err
			}
			lastRes, lastScope = ev.Resource, "\xff"
		}
		if sc := ev.Scope + "\x00" + ev.ScopeVersion; sc != lastScope {
			sl = rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName(ev.Scope)
			sl.Scope().SetVersion(ev.ScopeVersion)
			lastScope = sc
		}
		return ev.Record(pcommon.NewResource(), sl.LogRecords().AppendEmpty())
	}))
	return out
}
