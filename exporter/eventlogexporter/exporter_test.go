package eventlogexporter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/unitrack/unitrack/exporter/eventlogexporter/internal/metadata"
	"github.com/unitrack/unitrack/internal/track"
)

// otlpLogs builds n OTLP-native records (as an SDK would send them, after
// routing) with event ids prefix-0..n-1.
func otlpLogs(prefix string, from, n int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "agent-runner")
	rl.Resource().Attributes().PutStr("host.name", "box1")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("agent.sdk")
	base := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for i := from; i < from+n; i++ {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(base.Add(time.Duration(i) * time.Millisecond)))
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(base))
		lr.SetEventName("mcp.circuit_breaker.opened")
		lr.SetSeverityNumber(plog.SeverityNumberError)
		lr.SetSeverityText("ERROR")
		lr.Body().SetStr("circuit opened for filesystem")
		lr.Attributes().PutStr(track.AttrEventID, fmt.Sprintf("%s-%06d", prefix, i))
		lr.Attributes().PutStr(track.AttrCategory, "mcp")
		lr.Attributes().PutStr(track.AttrSource, track.SourceOTLP)
		lr.Attributes().PutStr("mcp.server.name", "filesystem")
		lr.Attributes().PutInt("circuit_breaker.failure_count", int64(i))
	}
	return ld
}

func testConfig(t testing.TB) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Path = filepath.Join(t.TempDir(), "eventlog", "events.jsonl")
	return cfg
}

func settings() exporter.Settings {
	set := exportertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	return set
}

func startExporter(t testing.TB, set exporter.Settings, cfg *Config) exporter.Logs {
	t.Helper()
	exp, err := NewFactory().CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	return exp
}

// readLines returns the lines of path, each checked to be one JSON object.
func readLines(t testing.TB, path string) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	if len(raw) == 0 {
		return nil
	}
	require.Equal(t, byte('\n'), raw[len(raw)-1], "%s must end with a newline", path)
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 1<<20), 8<<20)
	for sc.Scan() {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		require.NoErrorf(t, dec.Decode(&m), "line %d of %s is not one JSON object: %s", len(out)+1, path, sc.Text())
		out = append(out, m)
	}
	require.NoError(t, sc.Err())
	return out
}

// eventIDOf finds the event id of a json_events line: top-level event_id, or
// track.event_id inside data.
func eventIDOf(m map[string]any) string {
	if id, ok := m["event_id"].(string); ok {
		return id
	}
	if d, ok := m["data"].(map[string]any); ok {
		if id, ok := d[track.AttrEventID].(string); ok {
			return id
		}
	}
	return ""
}

func TestWritesOneJSONEventsLinePerRecordAndFsyncs(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := settings()
	set.TelemetrySettings = tel.NewTelemetrySettings()
	cfg := testConfig(t)
	exp := startExporter(t, set, cfg)
	require.NoError(t, exp.ConsumeLogs(context.Background(), otlpLogs("a", 0, 10)))
	require.NoError(t, exp.ConsumeLogs(context.Background(), otlpLogs("a", 10, 5)))
	require.NoError(t, exp.ConsumeLogs(context.Background(), plog.NewLogs()))

	// Success was returned after the fsync: the lines are there now.
	lines := readLines(t, cfg.Path)
	require.Len(t, lines, 15)
	for i, m := range lines {
		assert.Equal(t, fmt.Sprintf("a-%06d", i), eventIDOf(m))
		assert.Equal(t, "mcp.circuit_breaker.opened", m["event"])
		assert.Equal(t, "circuit opened for filesystem", m["msg"])
	}
	require.NoError(t, exp.Shutdown(context.Background()))

	got, err := tel.GetMetric("otelcol_exporter_eventlog_lines_written")
	require.NoError(t, err)
	assert.EqualValues(t, 15, got.Data.(metricdata.Sum[int64]).DataPoints[0].Value)

	// A restart appends to the same file.
	exp = startExporter(t, settings(), cfg)
	require.NoError(t, exp.ConsumeLogs(context.Background(), otlpLogs("a", 15, 1)))
	require.NoError(t, exp.Shutdown(context.Background()))
	require.Len(t, readLines(t, cfg.Path), 16)
}

func TestFsyncModes(t *testing.T) {
	for _, mode := range []string{FsyncBatch, FsyncInterval, FsyncNever} {
		t.Run(mode, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Fsync = mode
			cfg.FsyncInterval = 10 * time.Millisecond
			exp := startExporter(t, settings(), cfg)
			for i := 0; i < 5; i++ {
				require.NoError(t, exp.ConsumeLogs(context.Background(), otlpLogs("f", i*3, 3)))
				// Time passes between batches so that the interval mode's
				// ticker fires among the writes: elapsed time is under test.
				time.Sleep(5 * time.Millisecond)
			}
			require.NoError(t, exp.Shutdown(context.Background()))
			assert.Len(t, readLines(t, cfg.Path), 15)
		})
	}
}

func TestRotationBySizeKeepsMaxBackups(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := settings()
	set.TelemetrySettings = tel.NewTelemetrySettings()
	cfg := testConfig(t)
	cfg.MaxMegabytes = 1
	cfg.MaxBackups = 2
	exp := startExporter(t, set, cfg)

	rotations := func() int64 {
		got, err := tel.GetMetric("otelcol_exporter_eventlog_rotations")
		if err != nil {
			return 0
		}
		return got.Data.(metricdata.Sum[int64]).DataPoints[0].Value
	}
	// Batches of 500 until the file was rotated 4 times (so one backup was deleted).
	total := 0
	for rotations() < 4 {
		require.Less(t, total, 1_000_000, "no rotation after %d lines", total)
		require.NoError(t, exp.ConsumeLogs(context.Background(), otlpLogs("r", total, 500)))
		total += 500
	}
	require.NoError(t, exp.Shutdown(context.Background()))

	files := []string{cfg.Path + ".2", cfg.Path + ".1", cfg.Path}
	_, err := os.Stat(cfg.Path + ".3")
	require.True(t, os.IsNotExist(err), "only max_backups=2 backups are kept, found %s.3", cfg.Path)
	var ids []string
	for _, f := range files {
		info, err := os.Stat(f)
		require.NoError(t, err)
		assert.LessOrEqual(t, info.Size(), int64(1024*1024), "%s is over max_megabytes", f)
		for _, m := range readLines(t, f) {
			ids = append(ids, eventIDOf(m))
		}
	}
	// What is kept is the newest, contiguous, in order, ending with the last line written.
	require.NotEmpty(t, ids)
	first, err := strconv.Atoi(strings.TrimPrefix(ids[0], "r-"))
	require.NoError(t, err)
	for i, id := range ids {
		require.Equal(t, fmt.Sprintf("r-%06d", first+i), id)
	}
	assert.Equal(t, fmt.Sprintf("r-%06d", total-1), ids[len(ids)-1])
	// The two full backups hold at least 1.5 MiB: rotation happened at the size, not earlier.
	info1, _ := os.Stat(cfg.Path + ".1")
	info2, _ := os.Stat(cfg.Path + ".2")
	assert.Greater(t, info1.Size()+info2.Size(), int64(1024*1024*3/2))
}

func TestRotatingFileNeverSplitsLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	rf := newRotatingFile(path, 100, 3)
	require.NoError(t, rf.open())
	var buf []byte
	var ends []int
	add := func(s string) {
		buf = append(buf, s...)
		buf = append(buf, '\n')
		ends = append(ends, len(buf))
	}
	add(strings.Repeat("a", 40))  // 41
	add(strings.Repeat("b", 40))  // 82
	add(strings.Repeat("c", 40))  // would be 123 > 100: rotate before it
	add(strings.Repeat("d", 150)) // longer than max: a file of its own
	add("e")
	require.NoError(t, rf.writeLines(buf, ends))
	require.NoError(t, rf.closeFile())

	read := func(p string) string {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		return string(b)
	}
	assert.Equal(t, "e\n", read(path))
	assert.Equal(t, strings.Repeat("d", 150)+"\n", read(path+".1"))
	assert.Equal(t, strings.Repeat("c", 40)+"\n", read(path+".2"))
	assert.Equal(t, strings.Repeat("a", 40)+"\n"+strings.Repeat("b", 40)+"\n", read(path+".3"))
}

// An external copy-truncate (logrotate's copytruncate) empties the file in
// place: the size kept for rotation must follow, or the next lines go to a
// needlessly rotated file (and a failed write would "cut back" the file to
// the old size, filling it with NUL bytes).
func TestFollowsAnExternalCopyTruncate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	rf := newRotatingFile(path, 100, 3)
	require.NoError(t, rf.open())
	line := func(c string) ([]byte, []int) {
		b := []byte(strings.Repeat(c, 59) + "\n")
		return b, []int{len(b)}
	}
	require.NoError(t, rf.writeLines(line("a")))
	require.NoError(t, os.Truncate(path, 0))
	require.NoError(t, rf.writeLines(line("b")))
	require.NoError(t, rf.closeFile())

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("b", 59)+"\n", string(b))
	_, err = os.Stat(path + ".1")
	assert.True(t, os.IsNotExist(err), "no rotation: the truncated file holds one line")
}

func TestReopensWhenTheFileIsMovedAway(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxMegabytes = 0
	exp := startExporter(t, settings(), cfg)
	require.NoError(t, exp.ConsumeLogs(context.Background(), otlpLogs("m", 0, 3)))
	require.NoError(t, os.Rename(cfg.Path, cfg.Path+".old"))
	require.NoError(t, exp.ConsumeLogs(context.Background(), otlpLogs("m", 3, 2)))
	require.NoError(t, os.Remove(cfg.Path))
	require.NoError(t, exp.ConsumeLogs(context.Background(), otlpLogs("m", 5, 1)))
	require.NoError(t, exp.Shutdown(context.Background()))
	assert.Len(t, readLines(t, cfg.Path+".old"), 3)
	lines := readLines(t, cfg.Path)
	require.Len(t, lines, 1)
	assert.Equal(t, "m-000005", eventIDOf(lines[0]))
}

func TestTornLastLineIsCutBeforeAppending(t *testing.T) {
	for name, content := range map[string]string{
		"after whole lines": `{"ts": 1, "event": "whole"}` + "\n" + `{"ts": 2, "ev`,
		"only a torn line":  `{"ts": 2, "ev`,
		"long torn line":    `{"ts": 1, "event": "whole"}` + "\n" + `{"ts": 2, "msg": "` + strings.Repeat("x", 10000),
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t)
			require.NoError(t, os.MkdirAll(filepath.Dir(cfg.Path), 0o755))
			require.NoError(t, os.WriteFile(cfg.Path, []byte(content), 0o644))
			exp := startExporter(t, settings(), cfg)
			require.NoError(t, exp.ConsumeLogs(context.Background(), otlpLogs("t", 0, 1)))
			require.NoError(t, exp.Shutdown(context.Background()))
			raw, err := os.ReadFile(cfg.Path)
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			wantWhole := strings.Count(content, "\n")
			require.Len(t, lines, wantWhole+1, "the whole lines, then the new one; the torn line is gone")
			for _, l := range lines {
				assert.True(t, json.Valid([]byte(l)), "every line is JSON: %q", l)
			}
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(lines[wantWhole]), &m))
			assert.Equal(t, "t-000000", eventIDOf(m))
		})
	}
}

// A path that cannot be opened yet does not stop the collector: a recoverable
// status, each push refused retryably (the queue keeps it), and the lines
// written once the directory can be created, with an OK status.
func TestStartsLateWhenThePathCannotBeOpened(t *testing.T) {
	cfg := testConfig(t)
	cfg.RetryConfig.Enabled = false // see each refusal, not exporterhelper's retries
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	cfg.Path = filepath.Join(blocker, "events.jsonl") // parent is a regular file
	exp, err := NewFactory().CreateLogs(context.Background(), settings(), cfg)
	require.NoError(t, err)
	host := &statusHost{}
	require.NoError(t, exp.Start(context.Background(), host))
	st, serr := host.last()
	assert.Equal(t, componentstatus.StatusRecoverableError, st)
	assert.ErrorContains(t, serr, "create directory of "+cfg.Path)

	err = exp.ConsumeLogs(context.Background(), otlpLogs("early", 0, 2))
	require.ErrorIs(t, err, errNotOpen)
	assert.False(t, consumererror.IsPermanent(err))

	require.NoError(t, os.Remove(blocker))
	require.NoError(t, exp.ConsumeLogs(context.Background(), otlpLogs("early", 0, 2)))
	st, _ = host.last()
	assert.Equal(t, componentstatus.StatusOK, st)
	require.NoError(t, exp.Shutdown(context.Background()))
	b, err := os.ReadFile(cfg.Path)
	require.NoError(t, err)
	assert.Equal(t, 2, bytes.Count(b, []byte("\n")))
}

// statusHost records the componentstatus events reported to it.
type statusHost struct {
	mu     sync.Mutex
	events []*componentstatus.Event
}

func (h *statusHost) GetExtensions() map[component.ID]component.Component { return nil }

func (h *statusHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

func (h *statusHost) last() (componentstatus.Status, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) == 0 {
		return componentstatus.StatusNone, nil
	}
	ev := h.events[len(h.events)-1]
	return ev.Status(), ev.Err()
}

func TestPushBeforeStartIsAnError(t *testing.T) {
	e, err := newEventlogExporter(settings(), testConfig(t))
	require.NoError(t, err)
	require.ErrorIs(t, e.pushLogs(context.Background(), otlpLogs("x", 0, 1)), errNotStarted)
}
