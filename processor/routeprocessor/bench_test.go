package routeprocessor

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/internal/routing"
	"github.com/unitrack/unitrack/internal/track"
	"github.com/unitrack/unitrack/processor/routeprocessor/internal/metadata"
)

// benchBatch is the pipeline test's event mix (every legacy format and some
// OTLP-native records) repeated to about a thousand records.
func benchBatch() plog.Logs {
	var evs []event
	for range 50 {
		for _, pe := range pipelineEvents() {
			evs = append(evs, pe.event)
		}
	}
	return buildLogs(evs...)
}

// floorProcessor makes the default table's decisions in plain Go, with the
// same walk, normalisation, annotation and counting as tableProcessor: what
// is left of the difference is the cost of OTTL.
type floorProcessor struct {
	t                                                *routing.Table
	dashboard, eventlog, observability, notify, blog int
}

func newFloor(t *routing.Table) *floorProcessor {
	idx := map[string]int{}
	for i, s := range t.SinkNames {
		idx[s] = i
	}
	return &floorProcessor{t: t, dashboard: idx["dashboard"], eventlog: idx["eventlog"],
		observability: idx["observability"], notify: idx["notify"], blog: idx["blog"]}
}

func (f *floorProcessor) decide(lr plog.LogRecord, out routing.SinkSet) {
	out.Clear()
	out.Add(f.dashboard)
	out.Add(f.eventlog)
	out.Add(f.observability)
	sev := lr.SeverityNumber()
	if sev >= plog.SeverityNumberFatal {
		out.Add(f.notify)
		out.Add(f.blog)
	}
	if sev >= plog.SeverityNumberError {
		out.Add(f.notify)
		if lr.EventName() != track.EventNotification {
			out.Add(f.blog)
		}
	}
	attrs := lr.Attributes()
	switch lr.EventName() {
	case track.EventCBOpened, track.EventCBClosed:
		out.Add(f.notify)
		out.Add(f.blog)
	case track.EventHealthStatusChanged:
		out.Add(f.blog)
		if v, ok := attrs.Get(track.AttrHealthStatus); ok && v.Type() == pcommon.ValueTypeStr &&
			(v.Str() == "unhealthy" || v.Str() == "healthy") {
			out.Add(f.notify)
		}
	case track.EventTaskFailed:
		if v, ok := attrs.Get(track.AttrTaskFinal); !ok || v.Type() != pcommon.ValueTypeBool || v.Bool() {
			out.Add(f.notify)
			out.Add(f.blog)
		}
	case track.EventTaskSucceeded:
		out.Add(f.notify)
		out.Add(f.blog)
	case track.EventAnomalyDetected, track.EventBlogPost:
		out.Add(f.blog)
	case track.EventNotification:
		out.Add(f.notify)
	}
}

func (f *floorProcessor) processLogs(ld plog.Logs) {
	now := time.Now()
	out := f.t.NewSinkSet()
	perSink := make([]int64, len(f.t.SinkNames))
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			scopeName := sls.At(j).Scope().Name()
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				track.Normalize(lr, scopeName, now)
				f.decide(lr, out)
				f.t.Annotate(lr.Attributes(), out)
				for s := range perSink {
					if out.Has(s) {
						perSink[s]++
					}
				}
			}
		}
	}
}

func newBenchTable(tb testing.TB, cfg *Config) *tableProcessor {
	tb.Helper()
	set := componenttest.NewNopTelemetrySettings()
	tel, err := metadata.NewTelemetryBuilder(set)
	require.NoError(tb, err)
	t, err := newTable(cfg, set)
	require.NoError(tb, err)
	return newTableProcessor(cfg, zap.NewNop(), tel, t)
}

// TestFloorAgreesWithTable keeps the benchmark honest: the hand-written
// floor must make exactly the default table's decisions.
func TestFloorAgreesWithTable(t *testing.T) {
	p := newBenchTable(t, defaultTableConfig(t))
	floor := newFloor(p.table)
	ld := benchBatch()
	byTable := plog.NewLogs()
	ld.CopyTo(byTable)
	_, err := p.processLogs(context.Background(), byTable)
	require.NoError(t, err)
	floor.processLogs(ld)
	var a, b []any
	forEachRecord(byTable, func(lr plog.LogRecord) {
		v, _ := lr.Attributes().Get(track.AttrRoutes)
		a = append(a, v.AsRaw())
	})
	forEachRecord(ld, func(lr plog.LogRecord) {
		v, _ := lr.Attributes().Get(track.AttrRoutes)
		b = append(b, v.AsRaw())
	})
	assert.Equal(t, a, b)
}

// BenchmarkTable: the default table through OTTL against the floor, per
// record. The batch is processed again and again (steady state: the records
// are normalised on the first pass, track.routes is rewritten every pass).
func BenchmarkTable(b *testing.B) {
	cfg := defaultTableConfig(b)
	ld := benchBatch()
	n := float64(ld.LogRecordCount())

	ottlRun := func(b *testing.B) {
		p := newBenchTable(b, cfg)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.processLogs(context.Background(), ld); err != nil {
				b.Fatal(err)
			}
		}
		report(b, n)
	}
	floorRun := func(b *testing.B) {
		f := newFloor(newBenchTable(b, cfg).table)
		b.ReportAllocs()
		for b.Loop() {
			f.processLogs(ld)
		}
		report(b, n)
	}
	b.Run("default_table", ottlRun)
	b.Run("floor", floorRun)
	// ratio runs both on alternate passes in one loop, so that both see the
	// same machine load (other processes share the cores).
	b.Run("ratio", func(b *testing.B) {
		p := newBenchTable(b, cfg)
		f := newFloor(p.table)
		var ottlNs, floorNs time.Duration
		var ottlAllocs, floorAllocs uint64
		var ms runtime.MemStats
		for b.Loop() {
			runtime.ReadMemStats(&ms)
			m0, t0 := ms.Mallocs, time.Now()
			if _, err := p.processLogs(context.Background(), ld); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			runtime.ReadMemStats(&ms)
			m1, t2 := ms.Mallocs, time.Now()
			f.processLogs(ld)
			t3 := time.Now()
			runtime.ReadMemStats(&ms)
			ottlNs += t1.Sub(t0)
			floorNs += t3.Sub(t2)
			ottlAllocs += m1 - m0
			floorAllocs += ms.Mallocs - m1
		}
		perRecord := float64(b.N) * n
		b.ReportMetric(float64(ottlNs.Nanoseconds())/perRecord, "ottl_ns/record")
		b.ReportMetric(float64(floorNs.Nanoseconds())/perRecord, "floor_ns/record")
		b.ReportMetric(float64(ottlNs)/float64(floorNs), "ottl/floor")
		b.ReportMetric(float64(ottlAllocs)/perRecord, "ottl_allocs/record")
		b.ReportMetric(float64(floorAllocs)/perRecord, "floor_allocs/record")
	})
}

func report(b *testing.B, records float64) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/records, "ns/record")
}

// sinkTable is a table of the default table's shape over 16 sinks s00..s15:
// every record goes to all of them (the worst case for the membership check,
// which scans track.routes), and four conditional routes add nothing new.
func sinkTable(b *testing.B) *Config {
	var all []string
	for i := range 16 {
		all = append(all, fmt.Sprintf("s%02d", i))
	}
	return &Config{
		Routes: []RouteConfig{
			{Name: "everything", Condition: "true", Sinks: all},
			{Name: "critical", Condition: "severity_number >= SEVERITY_NUMBER_FATAL", Sinks: all[:8]},
			{Name: "errors", Condition: "severity_number >= SEVERITY_NUMBER_ERROR", Sinks: all[8:]},
			{Name: "breakers", Conditions: []string{`event_name == "mcp.circuit_breaker.opened"`, `event_name == "mcp.circuit_breaker.closed"`}, Sinks: all[4:12]},
			{Name: "posts", Condition: `event_name == "blog.post"`, Sinks: all[12:]},
		},
		DefaultSinks: all[:1],
		ErrorMode:    ottl.IgnoreError,
	}
}

// BenchmarkSinks: with 1, 4 and 16 sink pipelines, the table is evaluated
// once per record (table_ns/record, independent of the sink count) and each
// sink pipeline pays only its select instance's membership check
// (select_ns/record/sink). The copies the forward connector makes are
// excluded from the timing.
func BenchmarkSinks(b *testing.B) {
	cfg := sinkTable(b)
	src := benchBatch()
	n := float64(src.LogRecordCount())
	p := newBenchTable(b, cfg)
	routed := plog.NewLogs()
	src.CopyTo(routed)
	_, err := p.processLogs(context.Background(), routed)
	require.NoError(b, err)

	for _, sinks := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("sinks=%d", sinks), func(b *testing.B) {
			tel, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
			require.NoError(b, err)
			selects := make([]*selectProcessor, sinks)
			for i := range selects {
				// Spread the selected sinks over the list, last one last.
				selects[i] = newSelectProcessor(fmt.Sprintf("s%02d", 15-i*16/sinks), zap.NewNop(), tel)
			}
			// As the forward connector does, each sink pipeline gets its own
			// copy just before its select instance runs (copying is untimed).
			cp := plog.NewLogs()
			var tableNs, selectNs time.Duration
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				if _, err := p.processLogs(context.Background(), routed); err != nil {
					b.Fatal(err)
				}
				tableNs += time.Since(start)
				for _, s := range selects {
					b.StopTimer()
					routed.CopyTo(cp)
					b.StartTimer()
					start := time.Now()
					if _, err := s.processLogs(context.Background(), cp); err != nil {
						b.Fatal(err)
					}
					selectNs += time.Since(start)
				}
			}
			b.ReportMetric(float64(tableNs.Nanoseconds())/float64(b.N)/n, "table_ns/record")
			b.ReportMetric(float64(selectNs.Nanoseconds())/float64(b.N)/n/float64(sinks), "select_ns/record/sink")
		})
	}
}
