package eventlogreceiver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

const benchLines = 20000

// countingSink counts records; the benchmark waits for all lines.
type countingSink struct{ n atomic.Int64 }

func (c *countingSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (c *countingSink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	c.n.Add(int64(ld.LogRecordCount()))
	return nil
}

// writeBenchFile writes the benchmark's lines, with their own event_id or
// without (the receiver then derives each id from the file and the offset).
func writeBenchFile(b *testing.B, ownIDs bool) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "events.jsonl")
	var buf []byte
	for i := 0; i < benchLines; i++ {
		buf = fmt.Appendf(buf, `{"ts": %d.%03d, "level": "ERROR", "event": "task_failed", "component": "background_tasks", "msg": "Task nightly_summary failed", "data": {"task": "nightly_summary", "attempt": %d, "ratio": 0.5}, "pid": 4121, "host": "box1"`,
			1764331200+i, i%1000, i%5)
		if ownIDs {
			buf = fmt.Appendf(buf, `, "event_id": "b-%06d"`, i)
		}
		buf = append(buf, "}\n"...)
	}
	require.NoError(b, os.WriteFile(path, buf, 0o644))
	return path
}

// benchTail starts a receiver on the file per iteration and waits until every
// line was consumed.
func benchTail(b *testing.B, factory receiver.Factory, cfg component.Config) {
	b.Helper()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink := &countingSink{}
		set := receivertest.NewNopSettings(factory.Type())
		r, err := factory.CreateLogs(context.Background(), set, cfg, sink)
		require.NoError(b, err)
		require.NoError(b, r.Start(context.Background(), componenttest.NewNopHost()))
		deadline := time.Now().Add(2 * time.Minute)
		for sink.n.Load() < benchLines {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d lines after 2m", sink.n.Load(), benchLines)
			}
			time.Sleep(time.Millisecond)
		}
		require.NoError(b, r.Shutdown(context.Background()))
	}
	b.ReportMetric(float64(benchLines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkTail compares the eventlog receiver with contrib's filelog receiver
// plus a json_parser operator, reading the same file in the same run.
func BenchmarkTail(b *testing.B) {
	path := writeBenchFile(b, true)
	noIDs := writeBenchFile(b, false)
	b.Run("eventlog", func(b *testing.B) {
		cfg := createDefaultConfig().(*Config)
		cfg.Include = []string{path}
		cfg.StartAt = "beginning"
		cfg.PollInterval = 10 * time.Millisecond
		benchTail(b, NewFactory(), cfg)
	})
	b.Run("eventlog_derived_ids", func(b *testing.B) {
		cfg := createDefaultConfig().(*Config)
		cfg.Include = []string{noIDs}
		cfg.StartAt = "beginning"
		cfg.PollInterval = 10 * time.Millisecond
		benchTail(b, NewFactory(), cfg)
	})
	b.Run("filelog_json_parser", func(b *testing.B) {
		f := filelogreceiver.NewFactory()
		cfg := f.CreateDefaultConfig()
		cm := confmap.NewFromStringMap(map[string]any{
			"include":       []any{path},
			"start_at":      "beginning",
			"poll_interval": "10ms",
			"operators":     []any{map[string]any{"type": "json_parser"}},
		})
		require.NoError(b, cm.Unmarshal(cfg))
		benchTail(b, f, cfg)
	})
}
