package eventlogexporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/track"
)

const benchBatch = 1000

// benchLogs is one batch of decoded json_events lines, as the receiver or the
// track receiver hands them on.
func benchLogs(b *testing.B) plog.Logs {
	b.Helper()
	var body []byte
	for i := 0; i < benchBatch; i++ {
		body = fmt.Appendf(body, `{"ts": %d.%03d, "level": "ERROR", "event": "task_failed", "component": "background_tasks", "msg": "Task nightly_summary failed", "data": {"task": "nightly_summary", "attempt": %d, "ratio": 0.5}, "pid": 4121, "host": "box1"}`+"\n",
			1764331200+i, i%1000, i%5)
	}
	ld, errs, err := legacy.Decode(legacy.JSONEvents, body, time.Now())
	require.NoError(b, err)
	require.Empty(b, errs)
	require.Equal(b, benchBatch, ld.LogRecordCount())
	return ld
}

// BenchmarkExport writes batches of 1000 records through the exporter
// (exporterhelper, rotation checks, fsync policy) and, as the floor, the same
// AppendJSONEvent encoding written straight to an *os.File.
func BenchmarkExport(b *testing.B) {
	ld := benchLogs(b)
	for _, fsync := range []string{FsyncBatch, FsyncNever} {
		// Every batch gets fresh ids (in both runs, so they compare): with
		// the window on, each id is looked up and remembered.
		for _, window := range []int{0, defaultDedupWindow} {
			name := "eventlog_fsync_" + fsync
			if window > 0 {
				name = "eventlog_dedup_fsync_" + fsync
			}
			b.Run(name, func(b *testing.B) {
				cfg := testConfig(b)
				cfg.Fsync = fsync
				cfg.DedupWindow = window
				exp := startExporter(b, settings(), cfg)
				lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					for k := 0; k < lrs.Len(); k++ {
						lrs.At(k).Attributes().PutStr(track.AttrEventID, strconv.Itoa(i*benchBatch+k))
					}
					if err := exp.ConsumeLogs(context.Background(), ld); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				require.NoError(b, exp.Shutdown(context.Background()))
				b.ReportMetric(float64(benchBatch)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
			})
		}
		b.Run("floor_fsync_"+fsync, func(b *testing.B) {
			f, err := os.OpenFile(filepath.Join(b.TempDir(), "events.jsonl"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			require.NoError(b, err)
			var buf []byte
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				buf = buf[:0]
				rls := ld.ResourceLogs()
				for r := 0; r < rls.Len(); r++ {
					rl := rls.At(r)
					for s := 0; s < rl.ScopeLogs().Len(); s++ {
						lrs := rl.ScopeLogs().At(s).LogRecords()
						for k := 0; k < lrs.Len(); k++ {
							buf = legacy.AppendJSONEvent(buf, rl.Resource(), lrs.At(k))
						}
					}
				}
				if _, err := f.Write(buf); err != nil {
					b.Fatal(err)
				}
				if fsync == FsyncBatch {
					if err := f.Sync(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			require.NoError(b, f.Close())
			b.ReportMetric(float64(benchBatch)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
