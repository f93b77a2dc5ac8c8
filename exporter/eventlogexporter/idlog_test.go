package eventlogexporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/recentids"
)

// anonLine is a json_events line without an event_id, as a legacy writer
// appends it to a tailed file.
func anonLine(i int) string {
	return fmt.Sprintf(`{"ts": 1764331200.%03d, "level": "INFO", "event": "tick", "msg": "line %d", "data": {"seq": %d}}`, i%1000, i, i)
}

// anonLogs decodes anonLine(from..from+n) as the eventlog receiver does:
// each line gets the id the receiver derives from the file and the offset
// (here "<prefix>-<i>"), and goes out byte for byte, without it.
func anonLogs(t *testing.T, prefix string, from, n int) plog.Logs {
	t.Helper()
	out := plog.NewLogs()
	for i := from; i < from+n; i++ {
		id := fmt.Sprintf("%s-%06d", prefix, i)
		ld, evErrs, err := legacy.DecodeWithIDs(legacy.JSONEvents, []byte(anonLine(i)), time.Now(),
			func(int, time.Time) string { return id })
		require.NoError(t, err)
		require.Empty(t, evErrs)
		ld.ResourceLogs().MoveAndAppendTo(out.ResourceLogs())
	}
	return out
}

// Lines that carry no id of their own are still recognised after a restart
// without shutdown (kill -9): their ids are in the id log, the lines stay
// byte for byte as sent, and the id log is not among the event log's files.
func TestIDLogRecognisesLinesWithoutTheirOwnIDAfterACrash(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	exp := startExporter(t, settings(), cfg)
	require.NoError(t, exp.ConsumeLogs(ctx, anonLogs(t, "anon", 0, 300)))
	require.NoError(t, exp.ConsumeLogs(ctx, otlpLogs("own", 0, 20)))
	// No Shutdown: as after kill -9, only what is on disk counts.

	raw, err := os.ReadFile(cfg.Path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	require.Len(t, lines, 320)
	for i := range 300 {
		require.Equal(t, anonLine(i), lines[i], "line %d is written as it came, without an id", i)
	}
	files, err := filepath.Glob(cfg.Path + "*")
	require.NoError(t, err)
	assert.Equal(t, []string{cfg.Path}, files, "the id log is hidden from a glob of the event log's files")

	set, tel := telemetrySettings(t)
	exp2 := startExporter(t, set, cfg)
	require.NoError(t, exp2.ConsumeLogs(ctx, anonLogs(t, "anon", 0, 300)), "the replay of a re-read file")
	require.NoError(t, exp2.ConsumeLogs(ctx, otlpLogs("own", 0, 20)))
	require.NoError(t, exp2.ConsumeLogs(ctx, anonLogs(t, "anon", 300, 5)))
	require.NoError(t, exp2.Shutdown(ctx))
	require.NoError(t, exp.Shutdown(ctx))
	assert.EqualValues(t, 320, skippedCount(t, tel))
	assert.Equal(t, 325, len(readLines(t, cfg.Path)))
}

// A crash between a batch's lines and its ids leaves the ids out of the id
// log: the lines that carry their id are still recognised (the event log's
// own ids past the id log's newest are read too), the others of that one
// batch are written again; nothing is lost.
func TestIDLogWithoutTheLastBatch(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	exp := startExporter(t, settings(), cfg)
	require.NoError(t, exp.ConsumeLogs(ctx, anonLogs(t, "a", 0, 50)))
	idLog := idLogPath(cfg.Path)
	before, err := os.Stat(idLog)
	require.NoError(t, err)
	last := otlpLogs("own", 0, 10)
	anonLogs(t, "a", 50, 10).ResourceLogs().MoveAndAppendTo(last.ResourceLogs())
	require.NoError(t, exp.ConsumeLogs(ctx, last))
	require.NoError(t, os.Truncate(idLog, before.Size()), "the process died before the last batch's ids")

	set, tel := telemetrySettings(t)
	exp2 := startExporter(t, set, cfg)
	replay := anonLogs(t, "a", 0, 50)
	last.ResourceLogs().MoveAndAppendTo(replay.ResourceLogs())
	require.NoError(t, exp2.ConsumeLogs(ctx, replay))
	require.NoError(t, exp2.Shutdown(ctx))
	require.NoError(t, exp.Shutdown(ctx))
	assert.EqualValues(t, 60, skippedCount(t, tel), "the first batch and the last one's own ids")
	assert.Equal(t, 80, len(readLines(t, cfg.Path)), "70 lines, and the last batch's 10 without an id again")
}

// writeIDLog writes the id log of the event log at path: ids one a line,
// then tail as it is (a torn last write).
func writeIDLog(t *testing.T, path string, ids []string, tail string) {
	t.Helper()
	require.NoError(t, os.WriteFile(idLogPath(path), []byte(strings.Join(ids, "\n")+"\n"+tail), 0o644))
}

func writeEventLog(t *testing.T, path string, ids ...string) {
	t.Helper()
	var b strings.Builder
	for _, id := range ids {
		if id == "" {
			b.WriteString(`{"ts":1,"event":"no id"}` + "\n")
			continue
		}
		fmt.Fprintf(&b, `{"ts":1,"event":"x","event_id":%q}`+"\n", id)
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
}

func TestSeedWindowFromTheIDLog(t *testing.T) {
	tests := []struct {
		name     string
		window   int
		idLog    []string
		torn     string
		eventLog []string // ids the event log's lines carry, "" for none
		want     []string // the window, oldest first
	}{
		{
			name: "a full id log: the event log adds what it lacks, up to the first id it knows",
			// i1..i5 written; the last batch (j1, a line without id) lost its ids.
			window: 3, idLog: []string{"i1", "i2", "i3", "i4", "i5"},
			eventLog: []string{"i1", "", "i5", "j1", ""},
			want:     []string{"i4", "i5", "j1"},
		},
		{
			name: "a young id log: the lines before it are read from the event log",
			// old1..old3 were written before the id log existed.
			window: 10, idLog: []string{"n1", "n2"},
			eventLog: []string{"old1", "old2", "", "old3", "n1", "n2", "j1"},
			want:     []string{"n1", "n2", "j1", "old1", "old2", "old3"},
		},
		{
			name:   "a torn last write holds no id",
			window: 10, idLog: []string{"i1", "i2"}, torn: "i3-cut",
			want: []string{"i1", "i2"},
		},
		{
			name:     "no id log: the event log alone, as before",
			window:   2,
			eventLog: []string{"a", "b", "", "c"},
			want:     []string{"b", "c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "events.jsonl")
			writeEventLog(t, path, tt.eventLog...)
			if tt.idLog != nil {
				writeIDLog(t, path, tt.idLog, tt.torn)
			}
			w := recentids.New(tt.window)
			require.NoError(t, seedWindow(w, path, seedMaxBytes))
			got := w.IDs()
			// Lines older than a young id log come after it: only which ids
			// are held matters until the window is full.
			assert.ElementsMatch(t, tt.want, got)
			if len(tt.want) == tt.window {
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

// The id log rotates by its own size, keeping one backup: its two files hold
// at least a window of ids, and the window is seeded from both.
func TestIDLogRotatesAndSeedsFromItsBackup(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.DedupWindow = 4 // the id log rotates at 256 bytes
	exp := startExporter(t, settings(), cfg)
	for i := range 40 {
		require.NoError(t, exp.ConsumeLogs(ctx, anonLogs(t, "r", i, 1)))
	}
	require.NoError(t, exp.Shutdown(ctx))
	for _, p := range idLogFiles(cfg.Path) {
		info, err := os.Stat(p)
		require.NoError(t, err)
		assert.LessOrEqual(t, info.Size(), int64(4*idLogBytesPerID), p)
	}
	_, err := os.Stat(idLogPath(cfg.Path) + ".2")
	assert.ErrorIs(t, err, os.ErrNotExist, "one backup is kept")

	w := recentids.New(4)
	require.NoError(t, seedWindow(w, cfg.Path, seedMaxBytes))
	assert.Equal(t, []string{"r-000036", "r-000037", "r-000038", "r-000039"}, w.IDs())
}

// An id log whose event log is gone is removed at start: an event sent again
// into a fresh file is written.
func TestStaleIDLogIsRemoved(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	exp := startExporter(t, settings(), cfg)
	require.NoError(t, exp.ConsumeLogs(ctx, anonLogs(t, "s", 0, 5)))
	require.NoError(t, exp.Shutdown(ctx))
	require.NoError(t, os.Remove(cfg.Path))

	set, tel := telemetrySettings(t)
	exp = startExporter(t, set, cfg)
	require.NoError(t, exp.ConsumeLogs(ctx, anonLogs(t, "s", 0, 5)))
	require.NoError(t, exp.Shutdown(ctx))
	assert.Zero(t, skippedCount(t, tel))
	assert.Equal(t, 5, len(readLines(t, cfg.Path)))
}

// An id log that cannot be read is an error, and the window still gets the
// event log's own ids.
func TestSeedWindowWithAnUnreadableIDLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	writeEventLog(t, path, "a", "", "b")
	require.NoError(t, os.Mkdir(idLogPath(path), 0o755))
	w := recentids.New(10)
	err := seedWindow(w, path, seedMaxBytes)
	require.ErrorContains(t, err, "read the ids of "+idLogPath(path))
	assert.Equal(t, []string{"a", "b"}, w.IDs())
}

// An id log that cannot be written fails no batch (its lines are written);
// it is logged once.
func TestIDLogWriteFailureFailsNoBatch(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	require.NoError(t, os.MkdirAll(idLogPath(cfg.Path), 0o755))
	writeEventLog(t, cfg.Path) // not a stale id log: its event log is there
	core, logs := observer.New(zapcore.WarnLevel)
	set := settings()
	set.Logger = zap.New(core)
	exp := startExporter(t, set, cfg)
	require.NoError(t, exp.ConsumeLogs(ctx, anonLogs(t, "w", 0, 3)))
	require.NoError(t, exp.ConsumeLogs(ctx, anonLogs(t, "w", 3, 3)))
	require.NoError(t, exp.Shutdown(ctx))
	assert.Equal(t, 6, len(readLines(t, cfg.Path)))
	assert.Equal(t, 1, logs.FilterMessageSnippet("Cannot write the id log").Len())
}
