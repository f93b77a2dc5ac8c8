package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

const benchBatch = 1000

// BenchmarkIngest is the exporter's write path for batches of 1000 records:
// flattening (FromLogs) and one transaction with every index, the FTS5 index
// and the status board. BenchmarkIngestFloor inserts the same rows into a
// table with no index at all: what SQLite itself costs. Their events/s ratio
// is the price of searchability.
func BenchmarkIngest(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	base := time.Now()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		ld := genLogs(benchBatch, i*benchBatch, base)
		b.StartTimer()
		if _, err := s.Insert(ctx, FromLogs(ld, base)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkIngestFloor(b *testing.B) {
	dir := b.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "floor.db")+"?_journal_mode=WAL&_txlock=immediate&_pragma=synchronous(NORMAL)")
	require.NoError(b, err)
	defer db.Close()
	db.SetMaxOpenConns(1)
	const cols = "event_id, time_ns, observed_ns, severity_number, severity_text, event_name, category, source, service, " +
		"body, body_json, trace_id, span_id, flags, routes, scope, scope_version, attributes, resource"
	_, err = db.Exec("CREATE TABLE events (id INTEGER PRIMARY KEY, " + cols + ")")
	require.NoError(b, err)
	ctx := context.Background()
	base := time.Now()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		evs := FromLogs(genLogs(benchBatch, i*benchBatch, base), base)
		b.StartTimer()
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(b, err)
		st, err := tx.PrepareContext(ctx, "INSERT INTO events ("+cols+") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
		require.NoError(b, err)
		for _, ev := range evs {
			if _, err := st.ExecContext(ctx, ev.EventID, ev.TimeUnixNano, ev.ObservedUnixNano, ev.SeverityNumber,
				ev.SeverityText, ev.EventName, ev.Category, ev.Source, ev.Service, ev.Body, ev.BodyJSON,
				ev.TraceID, ev.SpanID, int64(ev.Flags), strings.Join(ev.Routes, ","), ev.Scope, ev.ScopeVersion,
				ev.Attributes, ev.Resource); err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
		require.NoError(b, tx.Commit())
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "events/s")
}

// million opens a store holding 1 000 000 generated events, building it (and
// reporting the sustained ingest rate into the growing database) the first
// time; the directory is kept in $UNITRACK_BENCH_DIR (default
// $TMPDIR/unitrack-dashboard-1m) for later runs.
func million(b *testing.B) *Store {
	b.Helper()
	if os.Getenv("UNITRACK_BENCH_1M") == "" {
		b.Skip("set UNITRACK_BENCH_1M=1 to run the one-million-event benchmarks")
	}
	const total = 1_000_000
	dir := os.Getenv("UNITRACK_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "unitrack-dashboard-1m")
	}
	ctx := context.Background()
	s, err := Open(ctx, dir)
	require.NoError(b, err)
	n, err := s.Count(ctx)
	require.NoError(b, err)
	if n < total {
		// Events span the last ~17 minutes (1 ms apart), as a busy system's would.
		base := time.Now().Add(-total * time.Millisecond)
		start := time.Now()
		var gen time.Duration
		for off := int(n); off < total; off += benchBatch {
			g := time.Now()
			ld := genLogs(min(benchBatch, total-off), off, base)
			gen += time.Since(g)
			_, err := s.Insert(ctx, FromLogs(ld, base))
			require.NoError(b, err)
		}
		el := time.Since(start) - gen
		b.Logf("built %d events in %s: %.0f events/s sustained into a growing database", total-int(n), el.Round(time.Millisecond),
			float64(total-int(n))/el.Seconds())
		require.NoError(b, s.Optimize(ctx))
	}
	b.Cleanup(func() { s.Close() })
	return s
}

type searchCase struct {
	name string
	f    Filter
}

func searchCases(now time.Time) []searchCase {
	return []searchCase{
		{"filtered", Filter{SeverityMin: 17, Categories: []string{"mcp"}, Services: []string{"gateway"}}},
		{"filtered_time_range", Filter{SeverityMin: 13, Categories: []string{"health"}, SinceNs: now.Add(-10 * time.Minute).UnixNano(), UntilNs: now.Add(-5 * time.Minute).UnixNano()}},
		{"filtered_rare", Filter{EventNames: []string{"task.event_3"}, Sources: []string{"otlp"}, SeverityMin: 21}},
		{"filtered_none", Filter{Categories: []string{"nope"}}},
		{"fts", Filter{Text: "timeout"}},
		{"fts_two_words", Filter{Text: "ollama latency"}},
		{"fts_filtered", Filter{Text: "ollama", Categories: []string{"health"}, SeverityMin: 13}},
		{"fts_rare", Filter{Text: "rebuild-999"}},
		{"fts_prefix", Filter{Text: "consol*"}},
	}
}

// BenchmarkSearch1M measures one page (100 events, newest first) of each
// search over one million stored events; p50 and p95 are per query.
func BenchmarkSearch1M(b *testing.B) {
	s := million(b)
	ctx := context.Background()
	for _, c := range searchCases(time.Now()) {
		b.Run(c.name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				t := time.Now()
				if _, _, err := s.Query(ctx, c.f, 100); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t))
			}
			reportPercentiles(b, lat)
		})
	}
	b.Run("stats_last_hour", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			t := time.Now()
			if _, err := s.Stats(ctx, Filter{SinceNs: time.Now().Add(-time.Hour).UnixNano()}, time.Now()); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
		}
		reportPercentiles(b, lat)
	})
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	p := func(q float64) float64 {
		i := int(float64(len(lat)-1) * q)
		return float64(lat[i].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.95), "p95-ms")
	b.ReportMetric(0, "ns/op")
}

var _ = fmt.Sprintf
var _ plog.Logs
