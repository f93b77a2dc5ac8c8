package store

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

	"github.com/unitrack/unitrack/internal/track"
)

// analyticsDB opens a store of total generated events spread evenly over
// the 30 days before now, with health checks and MCP servers changing state
// among them, building it the first time in $UNITRACK_BENCH_DIR (default
// $TMPDIR) as unitrack-analytics-<total>. Building 10 M takes minutes.
func analyticsDB(b *testing.B, total int) (*Store, time.Time) {
	b.Helper()
	root := os.Getenv("UNITRACK_BENCH_DIR")
	if root == "" {
		root = os.TempDir()
	}
	dir := filepath.Join(root, "unitrack-analytics-"+strconv.Itoa(total))
	ctx := context.Background()
	s, err := Open(ctx, dir)
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	// The data's "now" is kept with it, so a later run asks the same questions.
	nowFile := filepath.Join(dir, "now")
	if raw, err := os.ReadFile(nowFile); err == nil {
		ns, _ := strconv.ParseInt(string(raw), 10, 64)
		if n, _ := s.Count(ctx); n >= int64(total) {
			return s, time.Unix(0, ns)
		}
	}
	now := time.Now()
	require.NoError(b, os.WriteFile(nowFile, []byte(strconv.FormatInt(now.UnixNano(), 10)), 0o600))
	step := 30 * 24 * time.Hour / time.Duration(total)
	base := now.Add(-30 * 24 * time.Hour)
	start := time.Now()
	n, err := s.Count(ctx)
	require.NoError(b, err)
	for off := int(n); off < total; off += benchBatch {
		ld := genLogs(min(benchBatch, total-off), off, base)
		spread(ld, base, step, off)
		_, err := s.Insert(ctx, FromLogs(ld, base))
		require.NoError(b, err)
	}
	b.Logf("built %d events over 30 days in %s", total-int(n), time.Since(start).Round(time.Second))
	require.NoError(b, s.Optimize(ctx))
	return s, now
}

// spread moves the records of a genLogs batch to base + i*step and turns
// one in 200 into a state change of one of 8 health checks or 8 MCP servers.
func spread(ld plog.Logs, base time.Time, step time.Duration, off int) {
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				id, _ := lr.Attributes().Get(track.AttrEventID)
				i, _ := strconv.Atoi(id.Str()[2:])
				lr.SetTimestamp(pcommonTS(base.Add(time.Duration(i) * step)))
				if i%200 != 0 {
					continue
				}
				a := lr.Attributes()
				k := i / 200
				down := mix(uint64(k))%4 == 0
				if k%2 == 0 {
					status := "healthy"
					if down {
						status = "unhealthy"
					}
					lr.SetEventName(track.EventHealthStatusChanged)
					a.PutStr(track.AttrHealthCheck, fmt.Sprintf("check-%d", k/2%8))
					a.PutStr(track.AttrHealthStatus, status)
				} else {
					name := track.EventCBClosed
					if down {
						name = track.EventCBOpened
					}
					lr.SetEventName(name)
					a.PutStr(track.AttrMCPServerName, fmt.Sprintf("server-%d", k/2%8))
				}
			}
		}
	}
}

func analyticsSize(b *testing.B) int {
	v := os.Getenv("UNITRACK_BENCH_ANALYTICS")
	switch v {
	case "1M":
		return 1_000_000
	case "10M":
		return 10_000_000
	}
	b.Skip("set UNITRACK_BENCH_ANALYTICS=1M or 10M to run the analytics benchmarks (10M builds for minutes)")
	return 0
}

// runLatency runs fn as sub-benchmark name and reports its percentiles.
func runLatency(b *testing.B, name string, fn func() error) {
	b.Run(name, func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			t := time.Now()
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
		}
		reportPercentiles(b, lat)
	})
}

// BenchmarkAnalytics measures each question of /api/analytics over 1 M or
// 10 M events spread over 30 days, and beside it the same question asked of
// the events table directly (the baseline the aggregates replace), in the
// same run. Incidents per subject are the ledger's: BenchmarkIncidentsPerSubject.
func BenchmarkAnalytics(b *testing.B) {
	total := analyticsSize(b)
	s, now := analyticsDB(b, total)
	ctx := context.Background()
	day := int64(24 * time.Hour)
	nowNs := now.UnixNano()
	run := func(name string, fn func() error) { runLatency(b, name, fn) }
	scan := func(q string, args ...any) func() error {
		return func() error {
			rows, err := s.r.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		}
	}
	run("uptime_24h_7d_30d", func() error { _, err := s.Uptime(ctx, now); return err })
	run("errors_top_and_new", func() error { _, err := s.Errors(ctx, now, nowNs-day/2, 20); return err })
	run("errors_baseline_scan", scan(`SELECT event_name, sum(time_ns >= ?), sum(time_ns < ?), min(time_ns) FROM events
		WHERE severity_number >= 17 AND time_ns >= ? GROUP BY event_name`, nowNs-day, nowNs-day, nowNs-2*day))
	run("sources_24h", func() error { _, err := s.Sources(ctx, nowNs-day, nowNs); return err })
	run("sources_baseline_scan_24h", scan(`SELECT time_ns / 1920000000000, source, service, count(*) FROM events
		WHERE time_ns >= ? GROUP BY 1, 2, 3`, nowNs-day))
	run("sources_30d", func() error { _, err := s.Sources(ctx, nowNs-30*day, nowNs); return err })
	run("sources_baseline_scan_30d", scan(`SELECT time_ns / 43200000000000, source, service, count(*) FROM events
		GROUP BY 1, 2, 3`))
}
