package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const benchBatch = 1000

// BenchmarkIngest stores batches of 1000 events (one transaction each) with
// every index and the full-text index; BenchmarkIngestFloor inserts the same
// rows into a table without any index, the floor for what SQLite can do.
func BenchmarkIngest(b *testing.B) {
	s := openTemp(b)
	base := time.Now()
	batches := make([][]Event, 20)
	for i := range batches {
		batches[i] = FromLogs(genLogs(benchBatch, i*benchBatch, base), base)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		evs := append([]Event(nil), batches[i%len(batches)]...)
		for j := range evs {
			evs[j].EventID = evs[j].EventID + "-" + itoa(i)
		}
		if _, err := s.Insert(ctx, evs); err != nil {
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
	cols := "event_id, time_ns, observed_ns, severity_number, severity_text, event_name, category, source, service, body, body_json, trace_id, span_id, flags, routes, scope, scope_version, attributes, resource"
	_, err = db.Exec("CREATE TABLE events (id INTEGER PRIMARY KEY, " + strings.ReplaceAll(cols, ",", " ,") + " )")
	require.NoError(b, err)
	base := time.Now()
	batches := make([][]Event, 20)
	for i := range batches {
		batches[i] = FromLogs(genLogs(benchBatch, i*benchBatch, base), base)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(b, err)
		st, err := tx.PrepareContext(ctx, "INSERT INTO events ("+cols+") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
		require.NoError(b, err)
		for _, ev := range batches[i%len(batches)] {
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

func itoa(i int) string {
	return strconv.Itoa(i)
}
