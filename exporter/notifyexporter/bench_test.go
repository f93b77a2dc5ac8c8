package notifyexporter

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/metadata"
	"github.com/unitrack/unitrack/internal/incidents"
	"github.com/unitrack/unitrack/internal/track"
)

// stormLogs is 1 000 circuit-breaker events for 5 subjects, as one batch.
func stormLogs() plog.Logs {
	servers := []string{"filesystem", "github", "memory", "search", "slack"}
	evs := make([]testEvent, 0, 1000)
	for i := range 1000 {
		kind := "failure"
		if i%50 < 5 {
			kind = "opened"
		}
		evs = append(evs, breaker(servers[i%5], kind, t0.Add(time.Duration(i)*time.Millisecond), fmt.Sprintf("01JD%022d", i)))
	}
	return logsOf(evs...)
}

// BenchmarkGroupingStorm measures the grouping path (ConsumeLogs of the
// exporter with one target: classify, key, fold into the group) per 1 000
// events of a storm; BenchmarkFloorMapCount does the least the same job
// needs: read each record's family, service and subject and count it in a
// map. Compare ns/op of the two.
func BenchmarkGroupingStorm(b *testing.B) {
	cfg := testConfig()
	cfg.DedupWindow = 0 // the same batch every time: with the window, all but the first would be skipped
	cfg.Targets = []TargetConfig{{Name: "inbox", Type: "file", Path: b.TempDir() + "/inbox.jsonl"}}
	e, err := newNotifyExporter(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	if err != nil {
		b.Fatal(err)
	}
	ld := stormLogs()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = e.consumeLogs(ctx, ld)
	}
	b.StopTimer()
	if n := len(e.targets[0].grouper.groups); n != 5 {
		b.Fatalf("groups = %d, want 5", n)
	}
}

// BenchmarkStormFreshIDs is the storm with new ids in every batch (rewritten
// in every variant): the window off, the window on (each id looked up and
// remembered), and the window on with the state saved to a state_directory
// before each batch is acknowledged, as it is with storage configured.
func BenchmarkStormFreshIDs(b *testing.B) {
	for _, v := range []struct {
		name   string
		window int
		saved  bool
	}{{"window_off", 0, false}, {"window_on", 10_000, false}, {"window_on_state_saved", 10_000, true}} {
		b.Run(v.name, func(b *testing.B) {
			cfg := testConfig()
			cfg.DedupWindow = v.window
			cfg.Targets = []TargetConfig{{Name: "inbox", Type: "file", Path: b.TempDir() + "/inbox.jsonl"}}
			e, err := newNotifyExporter(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
			if err != nil {
				b.Fatal(err)
			}
			if v.saved {
				e.store = &fileState{path: b.TempDir() + "/state.json"}
			}
			ld := stormLogs()
			var lrs []plog.LogRecord
			for _, rl := range ld.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						lrs = append(lrs, lr)
					}
				}
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				for k, lr := range lrs {
					lr.Attributes().PutStr(track.AttrEventID, strconv.Itoa(i*len(lrs)+k))
				}
				if err := e.consumeLogs(ctx, ld); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFloorMapCount(b *testing.B) {
	ld := stormLogs()
	counts := map[string]*int{}
	var buf []byte
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, rl := range ld.ResourceLogs().All() {
			svc, _ := rl.Resource().Attributes().Get(track.AttrServiceName)
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					subj, _ := lr.Attributes().Get(track.AttrMCPServerName)
					name := lr.EventName()
					buf = append(buf[:0], name...)
					buf = append(buf, '|')
					buf = append(buf, svc.Str()...)
					buf = append(buf, '|')
					buf = append(buf, subj.Str()...)
					c := counts[string(buf)] // no allocation on lookup
					if c == nil {
						c = new(int)
						counts[string(buf)] = c
					}
					*c++
				}
			}
		}
	}
}

// BenchmarkGroupingStormLedger is BenchmarkGroupingStorm with the incidents
// extension (real SQLite in a temp directory) recording every event: new
// event ids each round, so every event is inserted (the ids are rewritten
// inside the timed loop, a small share of the cost). Compare its ns/op with
// BenchmarkGroupingStorm's.
func BenchmarkGroupingStormLedger(b *testing.B) {
	cfg := testConfig()
	cfg.Targets = []TargetConfig{{Name: "inbox", Type: "file", Path: b.TempDir() + "/inbox.jsonl"}}
	e, err := newNotifyExporter(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	if err != nil {
		b.Fatal(err)
	}
	_, led := startIncidents(b)
	e.incidents = led
	ld := stormLogs()
	ctx := context.Background()
	round := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		round++
		i := 0
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					lr.Attributes().PutStr(track.AttrEventID, fmt.Sprintf("r%d-%d", round, i))
					i++
				}
			}
		}
		_ = e.consumeLogs(ctx, ld)
	}
	b.StopTimer()
	list, err := led.Incidents(ctx, incidents.Query{})
	if err != nil || len(list) != 5 {
		b.Fatalf("incidents = %d (%v), want 5", len(list), err)
	}
}
