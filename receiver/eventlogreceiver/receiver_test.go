package eventlogreceiver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/unitrack/unitrack/internal/track"
)

func TestTailsFromBeginningAndFollowsAppends(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	first := seqLines("a", 0, 250)
	appendLines(t, path, first...)

	sink := newIDSink()
	startReceiver(t, nopSettings(), testConfig(dir), sink, nil)
	sink.waitTotal(t, 250)

	more := seqLines("a", 250, 300)
	appendLines(t, path, more...)
	sink.waitTotal(t, 300)
	sink.settle(t, path)
	sink.requireExactly(t, seqIDs("a", 0, 300))

	// The mapping is json_events': event name, body, severity text, category, component.
	lr := sink.logs[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, "tick", lr.EventName())
	assert.Equal(t, "line 0", lr.Body().Str())
	assert.Equal(t, "INFO", lr.SeverityText())
	cat, _ := lr.Attributes().Get(track.AttrCategory)
	assert.Equal(t, "tests", cat.AsString())
	_, hasFile := lr.Attributes().Get("log.file.name")
	assert.False(t, hasFile, "log.file.name must only be added when include_file_name is set")
}

func TestStartAtEndSkipsExistingLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	appendLines(t, path, seqLines("old", 0, 10)...)

	cfg := testConfig(dir)
	cfg.StartAt = "end"
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := nopSettings()
	set.TelemetrySettings = tel.NewTelemetrySettings()
	sink := newIDSink()
	startReceiver(t, set, cfg, sink, nil)
	// Append only once the first poll opened the file at its end.
	require.Eventually(t, func() bool {
		m, err := tel.GetMetric("otelcol_fileconsumer_open_files")
		if err != nil {
			return false
		}
		dps := m.Data.(metricdata.Sum[int64]).DataPoints
		return len(dps) == 1 && dps[0].Value >= 1
	}, 30*time.Second, 10*time.Millisecond)
	appendLines(t, path, seqLines("new", 0, 5)...)
	sink.waitTotal(t, 5)
	sink.settle(t, path)
	sink.requireExactly(t, seqIDs("new", 0, 5))
}

func TestIncludeFileNameWhenAsked(t *testing.T) {
	dir := t.TempDir()
	appendLines(t, filepath.Join(dir, "events.jsonl"), seqLines("a", 0, 3)...)
	cfg := testConfig(dir)
	cfg.IncludeFileName = true
	sink := newIDSink()
	startReceiver(t, nopSettings(), cfg, sink, nil)
	sink.waitTotal(t, 3)
	lr := sink.logs[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	name, ok := lr.Attributes().Get("log.file.name")
	require.True(t, ok)
	assert.Equal(t, "events.jsonl", name.Str())
	_, hasPath := lr.Attributes().Get("log.file.path")
	assert.False(t, hasPath, "log.file.path is resolved internally but must not be put on records unless asked")
}

func TestMalformedLinesInTheMiddleAreSkippedCountedAndLogged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	good1 := seqLines("m", 0, 3)
	good2 := seqLines("m", 3, 6)
	lines := append([]string{}, good1...)
	lines = append(lines,
		"this is not json\n",                                     // line 4
		`{"ts": 1764331200, "level": "INFO"}`+"\n",               // line 5: no event
		`{"ts": 1764331200, "event": "x", "level": "LOUD"}`+"\n", // line 6: unknown level
		"\n",             // line 7: blank, skipped silently
		`[1, 2, 3]`+"\n", // line 8: not an object
		`{"ts": 1764331200, "event": "trunc`+"\n", // line 9: cut JSON
	)
	lines = append(lines, good2...)
	appendLines(t, path, lines...)

	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	core, logs := observer.New(zapcore.WarnLevel)
	set := nopSettings()
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)

	sink := newIDSink()
	startReceiver(t, set, testConfig(dir), sink, nil)
	sink.waitTotal(t, 6)
	sink.settle(t, path)
	sink.requireExactly(t, seqIDs("m", 0, 6))

	got, err := tel.GetMetric("otelcol_receiver_eventlog_malformed_lines")
	require.NoError(t, err)
	sum := got.Data.(metricdata.Sum[int64])
	require.Len(t, sum.DataPoints, 1)
	assert.EqualValues(t, 5, sum.DataPoints[0].Value)

	warned := logs.FilterMessage("Skipping malformed event log line").All()
	require.Len(t, warned, 5)
	var lineNos []int64
	for _, w := range warned {
		ctx := w.ContextMap()
		assert.Equal(t, path, ctx["file"])
		lineNos = append(lineNos, ctx["line"].(int64))
		assert.NotEmpty(t, ctx["error"])
	}
	assert.Equal(t, []int64{4, 5, 6, 8, 9}, lineNos)
}

func TestManyFilesAtOnce(t *testing.T) {
	dir := t.TempDir()
	var want, paths []string
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		paths = append(paths, filepath.Join(dir, name+".jsonl"))
		appendLines(t, paths[len(paths)-1], seqLines(name, 0, 120)...)
		want = append(want, seqIDs(name, 0, 120)...)
	}
	// Not matched by the glob.
	appendLines(t, filepath.Join(dir, "ignored.txt"), seqLines("x", 0, 5)...)
	sink := newIDSink()
	startReceiver(t, nopSettings(), testConfig(dir), sink, nil)
	sink.waitTotal(t, len(want))
	sink.settle(t, paths...)
	sink.requireExactly(t, want)
}

func TestRotationRenameAndCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	appendLines(t, path, seqLines("r", 0, 100)...)
	sink := newIDSink()
	startReceiver(t, nopSettings(), testConfig(dir), sink, nil)
	sink.waitTotal(t, 100)

	// The writer appends a few more lines, then the file is renamed out of the
	// glob and the writer reopens the path as a new file. (A write through the
	// old descriptor after a rename out of the glob is read only if it lands
	// before fileconsumer's next poll; TestRotationRenameWithinTheGlob covers
	// writes to a renamed file that stays in the glob.)
	appendLines(t, path, seqLines("r", 100, 111)...)
	require.NoError(t, os.Rename(path, path+".1"))
	appendLines(t, path, seqLines("r", 111, 200)...)

	sink.waitTotal(t, 200)
	sink.settle(t, path)
	sink.requireExactly(t, seqIDs("r", 0, 200))
}

func TestRotationRenameWithinTheGlob(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	appendLines(t, path, seqLines("g", 0, 100)...)
	cfg := testConfig(dir)
	cfg.Include = []string{filepath.Join(dir, "events.jsonl*")}
	sink := newIDSink()
	startReceiver(t, nopSettings(), cfg, sink, nil)
	sink.waitTotal(t, 100)

	// events.jsonl.1 is still matched: it is the same file (same fingerprint),
	// so nothing in it is read again.
	require.NoError(t, os.Rename(path, path+".1"))
	appendLines(t, path+".1", seqLines("g", 100, 105)...)
	appendLines(t, path, seqLines("g", 105, 150)...)
	sink.waitTotal(t, 150)
	sink.settle(t, path, path+".1")
	sink.requireExactly(t, seqIDs("g", 0, 150))
}

func TestRotationCopyTruncate(t *testing.T) {
	for _, tc := range []struct {
		glob    string
		matched []string // the files the glob matches after the rotation
	}{
		{"events.jsonl", []string{"events.jsonl"}},
		{"events.jsonl*", []string{"events.jsonl", "events.jsonl.1"}},
	} {
		glob := tc.glob
		t.Run(glob, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "events.jsonl")
			appendLines(t, path, seqLines("c", 0, 100)...)
			cfg := testConfig(dir)
			cfg.Include = []string{filepath.Join(dir, glob)}
			sink := newIDSink()
			startReceiver(t, nopSettings(), cfg, sink, nil)
			sink.waitTotal(t, 100)

			// logrotate copytruncate: copy the content aside, truncate in place;
			// the writer keeps appending to the same (now empty) file.
			content, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path+".1", content, 0o644))
			require.NoError(t, os.Truncate(path, 0))
			appendLines(t, path, seqLines("c", 100, 180)...)

			sink.waitTotal(t, 180)
			var matched []string
			for _, name := range tc.matched {
				matched = append(matched, filepath.Join(dir, name))
			}
			sink.settle(t, matched...)
			sink.requireExactly(t, seqIDs("c", 0, 180))
		})
	}
}

func TestRestartWithStorageNeitherLosesNorRereads(t *testing.T) {
	dir := t.TempDir()
	host := newStorageHost(t, t.TempDir())
	path := filepath.Join(dir, "events.jsonl")
	appendLines(t, path, seqLines("s", 0, 150)...)

	cfg := testConfig(dir)
	cfg.Storage = &fileStorageID
	sink := newIDSink()
	stop := startReceiver(t, nopSettings(), cfg, sink, host)
	sink.waitTotal(t, 150)
	stop()

	// Written while the receiver is down, and a second file appears.
	appendLines(t, path, seqLines("s", 150, 220)...)
	appendLines(t, filepath.Join(dir, "other.jsonl"), seqLines("o", 0, 30)...)

	// start_at end would skip both if the checkpoints were not used.
	cfg2 := testConfig(dir)
	cfg2.Storage = &fileStorageID
	cfg2.StartAt = "end"
	startReceiver(t, nopSettings(), cfg2, sink, host)
	sink.waitTotal(t, 250)
	sink.settle(t, path, filepath.Join(dir, "other.jsonl"))
	sink.requireExactly(t, append(seqIDs("s", 0, 220), seqIDs("o", 0, 30)...))
}

func TestRetryableConsumerErrorsAreRetriedNotLost(t *testing.T) {
	dir := t.TempDir()
	appendLines(t, filepath.Join(dir, "events.jsonl"), seqLines("e", 0, 250)...)
	sink := newIDSink()
	calls := 0
	sink.fail = func() error {
		calls++
		if calls%2 == 1 {
			return errors.New("memory limiter says no")
		}
		return nil
	}
	startReceiver(t, nopSettings(), testConfig(dir), sink, nil)
	sink.waitTotal(t, 250)
	sink.settle(t, filepath.Join(dir, "events.jsonl"))
	sink.requireExactly(t, seqIDs("e", 0, 250))
}

func TestPermanentConsumerErrorsDropAndCount(t *testing.T) {
	dir := t.TempDir()
	appendLines(t, filepath.Join(dir, "events.jsonl"), seqLines("p", 0, 5)...)
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := nopSettings()
	set.TelemetrySettings = tel.NewTelemetrySettings()
	sink := newIDSink()
	sink.fail = func() error { return consumererror.NewPermanent(errors.New("never")) }
	startReceiver(t, set, testConfig(dir), sink, nil)
	require.Eventually(t, func() bool {
		m, err := tel.GetMetric("otelcol_receiver_eventlog_dropped_records")
		if err != nil {
			return false
		}
		dps := m.Data.(metricdata.Sum[int64]).DataPoints
		return len(dps) == 1 && dps[0].Value == 5
	}, 30*time.Second, 20*time.Millisecond)
}

func TestStorageExtensionErrors(t *testing.T) {
	cfg := testConfig(t.TempDir())
	missing := fileStorageID
	cfg.Storage = &missing
	r, err := NewFactory().CreateLogs(t.Context(), nopSettings(), cfg, newIDSink())
	require.NoError(t, err)
	err = r.Start(t.Context(), componenttest.NewNopHost())
	require.EqualError(t, err, `storage: extension "file_storage" not found`)
	require.NoError(t, r.Shutdown(t.Context()))
}

func TestShutdownWithoutStart(t *testing.T) {
	r, err := NewFactory().CreateLogs(t.Context(), nopSettings(), testConfig(t.TempDir()), newIDSink())
	require.NoError(t, err)
	require.NoError(t, r.Shutdown(t.Context()))
}

func TestLineNumbersCarryOnAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	host := newStorageHost(t, t.TempDir())
	path := filepath.Join(dir, "events.jsonl")
	appendLines(t, path, seqLines("n", 0, 120)...)
	cfg := testConfig(dir)
	cfg.Storage = &fileStorageID
	sink := newIDSink()
	stop := startReceiver(t, nopSettings(), cfg, sink, host)
	sink.waitTotal(t, 120)
	stop()

	appendLines(t, path, seqLines("n", 120, 130)...)
	appendLines(t, path, "garbage\n") // line 131 of the file
	appendLines(t, path, seqLines("n", 130, 131)...)

	core, logs := observer.New(zapcore.WarnLevel)
	set := nopSettings()
	set.Logger = zap.New(core)
	startReceiver(t, set, cfg, sink, host)
	sink.waitTotal(t, 131)
	sink.settle(t, path)
	warned := logs.FilterMessage("Skipping malformed event log line").All()
	require.Len(t, warned, 1)
	assert.Equal(t, int64(131), warned[0].ContextMap()["line"])
	sink.requireExactly(t, seqIDs("n", 0, 131))
}
