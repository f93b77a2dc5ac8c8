package eventlogexporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/recentids"
	"github.com/unitrack/unitrack/internal/track"
)

func telemetrySettings(t *testing.T) (exporter.Settings, *componenttest.Telemetry) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := settings()
	set.TelemetrySettings = tel.NewTelemetrySettings()
	return set, tel
}

func skippedCount(t *testing.T, tel *componenttest.Telemetry) int64 {
	t.Helper()
	got, err := tel.GetMetric("otelcol_exporter_eventlog_duplicates_skipped")
	if err != nil {
		return 0
	}
	return got.Data.(metricdata.Sum[int64]).DataPoints[0].Value
}

func lineIDs(t *testing.T, path string) []string {
	t.Helper()
	var ids []string
	for _, m := range readLines(t, path) {
		ids = append(ids, eventIDOf(m))
	}
	return ids
}

func seqIDs(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s-%06d", prefix, i))
	}
	return out
}

// A batch sent twice, and a batch holding one event twice, are written once
// and the skipped records counted.
func TestDuplicatesAreSkippedAndCounted(t *testing.T) {
	set, tel := telemetrySettings(t)
	cfg := testConfig(t)
	exp := startExporter(t, set, cfg)
	ctx := context.Background()
	require.NoError(t, exp.ConsumeLogs(ctx, otlpLogs("d", 0, 100)))
	require.NoError(t, exp.ConsumeLogs(ctx, otlpLogs("d", 0, 100)))
	both := otlpLogs("d", 100, 10)
	otlpLogs("d", 105, 10).ResourceLogs().MoveAndAppendTo(both.ResourceLogs())
	require.NoError(t, exp.ConsumeLogs(ctx, both))
	require.NoError(t, exp.Shutdown(ctx))
	assert.Equal(t, seqIDs("d", 0, 115), lineIDs(t, cfg.Path))
	assert.EqualValues(t, 105, skippedCount(t, tel))
}

// Records without an id are always written; dedup_window 0 writes everything.
func TestRecordsWithoutIDsAndWindowOff(t *testing.T) {
	cfg := testConfig(t)
	exp := startExporter(t, settings(), cfg)
	ctx := context.Background()
	noID := otlpLogs("n", 0, 3)
	for _, lr := range noID.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
		lr.Attributes().Remove(track.AttrEventID)
	}
	require.NoError(t, exp.ConsumeLogs(ctx, noID))
	require.NoError(t, exp.ConsumeLogs(ctx, noID))
	require.NoError(t, exp.Shutdown(ctx))
	assert.Len(t, readLines(t, cfg.Path), 6)

	cfg = testConfig(t)
	cfg.DedupWindow = 0
	exp = startExporter(t, settings(), cfg)
	require.NoError(t, exp.ConsumeLogs(ctx, otlpLogs("o", 0, 10)))
	require.NoError(t, exp.ConsumeLogs(ctx, otlpLogs("o", 0, 10)))
	require.NoError(t, exp.Shutdown(ctx))
	assert.Len(t, readLines(t, cfg.Path), 20)
}

// After a restart (clean or not) the window is read back from the end of the
// file, and from its first backup when the file was just rotated.
func TestWindowSeededFromTheFileAtStart(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.MaxMegabytes = 1
	exp := startExporter(t, settings(), cfg)
	// About 1.5 MB: the file rotates once, so the window spans two files.
	for i := 0; i < 5000; i += 500 {
		require.NoError(t, exp.ConsumeLogs(ctx, otlpLogs("r", i, 500)))
	}
	// No Shutdown: as after kill -9, only what is on disk counts.
	_, err := os.Stat(cfg.Path + ".1")
	require.NoError(t, err, "the test needs a rotated backup")

	set, tel := telemetrySettings(t)
	exp2 := startExporter(t, set, cfg)
	require.NoError(t, exp2.ConsumeLogs(ctx, otlpLogs("r", 0, 5000)), "the whole run replayed")
	require.NoError(t, exp2.ConsumeLogs(ctx, otlpLogs("r", 5000, 10)))
	require.NoError(t, exp2.Shutdown(ctx))
	require.NoError(t, exp.Shutdown(ctx))
	assert.EqualValues(t, 5000, skippedCount(t, tel))
	all := append(lineIDs(t, cfg.Path+".1"), lineIDs(t, cfg.Path)...)
	assert.Equal(t, seqIDs("r", 0, 5010), all)
}

// The window is bounded: an id older than dedup_window lines is written again.
func TestWindowIsBounded(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.DedupWindow = 50
	exp := startExporter(t, settings(), cfg)
	require.NoError(t, exp.ConsumeLogs(ctx, otlpLogs("b", 0, 100)))
	require.NoError(t, exp.ConsumeLogs(ctx, otlpLogs("b", 40, 20)))
	require.NoError(t, exp.Shutdown(ctx))
	want := append(seqIDs("b", 0, 100), seqIDs("b", 40, 50)...)
	assert.Equal(t, want, lineIDs(t, cfg.Path), "b-40..49 fell out of the window; b-50..59 are in it")
}

// seedWindow reads ids as Decode would (top-level event_id first), skips
// lines without one, and keeps the newest when the file holds more.
func TestSeedWindow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	var b strings.Builder
	b.WriteString(`{"ts":1,"event":"legacy","event_id":"top-1","data":{"track.event_id":"inner"}}` + "\n")
	b.WriteString(`{"ts":1,"event":"no id"}` + "\n")
	b.WriteString("not json\n")
	for i := range 5 {
		fmt.Fprintf(&b, `{"ts":1,"event":"x","data":{"track.event_id":"id-%d","pad":%q}}`+"\n", i, strings.Repeat("p", seedChunk/3))
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))

	w := recentids.New(100)
	require.NoError(t, seedWindow(w, path, seedMaxBytes))
	assert.Equal(t, []string{"top-1", "id-0", "id-1", "id-2", "id-3", "id-4"}, w.IDs(), "lines cut across chunks are read whole")

	w = recentids.New(3)
	require.NoError(t, seedWindow(w, path, seedMaxBytes))
	assert.Equal(t, []string{"id-2", "id-3", "id-4"}, w.IDs())

	w = recentids.New(100)
	require.NoError(t, seedWindow(w, path, seedChunk))
	assert.Equal(t, []string{"id-3", "id-4"}, w.IDs(), "at most maxBytes are read")

	w = recentids.New(10)
	require.NoError(t, seedWindow(w, filepath.Join(t.TempDir(), "missing.jsonl"), seedMaxBytes))
	assert.Zero(t, w.Len())
}

// FuzzIDsFromTail: reading a file backwards in small chunks finds the ids a
// forward scan of its lines finds, newest first, for any content: the event
// log's (JSON lines) and the id log's (one id a line; a last line without
// its newline holds none).
func FuzzIDsFromTail(f *testing.F) {
	f.Add([]byte(`{"ts":1,"event":"a","event_id":"x"}`+"\n"+`{"ts":1,"event":"b","data":{"track.event_id":"y"}}`+"\n"), 7, 3)
	f.Add([]byte("no newline at all"), 4, 10)
	f.Add([]byte("\n\n\n"+`{"event_id":"z"}`), 1, 1)
	f.Fuzz(func(t *testing.T, content []byte, chunk, n int) {
		chunk = 1 + abs(chunk)%64
		n = 1 + abs(n)%50
		path := filepath.Join(t.TempDir(), "events.jsonl")
		require.NoError(t, os.WriteFile(path, content, 0o644))
		lines := strings.Split(string(content), "\n")
		for _, tc := range []struct {
			name string
			idOf func([]byte) (string, bool)
			want func(i int) (string, bool) // the id of lines[i]
		}{
			{"event log", jsonLineID, func(i int) (string, bool) {
				return legacy.JSONEventID([]byte(strings.TrimSpace(lines[i])))
			}},
			{"id log", idLogLineID, func(i int) (string, bool) {
				return lines[i], i < len(lines)-1 && lines[i] != ""
			}},
		} {
			var got []string
			_, _, err := idsFromTail(path, 1<<20, chunk, tc.idOf, func(id string) bool {
				got = append(got, id)
				return len(got) < n
			})
			require.NoError(t, err)
			var want []string
			for i := len(lines) - 1; i >= 0 && len(want) < n; i-- {
				if id, ok := tc.want(i); ok {
					want = append(want, id)
				}
			}
			require.Equal(t, want, got, "%s: chunk %d, n %d", tc.name, chunk, n)
		}
	})
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
