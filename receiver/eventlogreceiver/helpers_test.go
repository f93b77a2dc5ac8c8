package eventlogreceiver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/unitrack/unitrack/internal/track"
	"github.com/unitrack/unitrack/receiver/eventlogreceiver/internal/metadata"
)

// eventLine is one json_events line whose identity is its event_id.
func eventLine(id string, seq int) string {
	return fmt.Sprintf(`{"ts": 1764331200.123, "level": "INFO", "event": "tick", "component": "tests", "msg": "line %d", "data": {"seq": %d}, "event_id": %q, "host": "box1", "pid": 4121}`+"\n", seq, seq, id)
}

func appendLines(t testing.TB, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	require.NoError(t, err)
	for _, l := range lines {
		_, err = f.WriteString(l)
		require.NoError(t, err)
	}
	require.NoError(t, f.Close())
}

func seqLines(prefix string, from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, eventLine(fmt.Sprintf("%s-%05d", prefix, i), i))
	}
	return out
}

// idSink records the track.event_id of every record it is given.
type idSink struct {
	mu     sync.Mutex
	counts map[string]int
	total  int
	logs   []plog.Logs
	fail   func() error // returns the error for the next call, nil to accept
}

func newIDSink() *idSink { return &idSink{counts: map[string]int{}} }

func (s *idSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *idSink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail(); err != nil {
			return err
		}
	}
	forEachRecord(ld, func(lr plog.LogRecord) {
		id := ""
		if v, ok := lr.Attributes().Get(track.AttrEventID); ok {
			id = v.AsString()
		}
		s.counts[id]++
		s.total++
	})
	s.logs = append(s.logs, ld)
	return nil
}

func (s *idSink) snapshot() (counts map[string]int, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		c[k] = v
	}
	return c, s.total
}

func (s *idSink) waitTotal(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, total := s.snapshot(); total >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, total := s.snapshot()
	t.Fatalf("got %d records, want %d", total, n)
}

// requireExactly checks every id in want arrived exactly once and nothing else did.
func (s *idSink) requireExactly(t testing.TB, want []string) {
	t.Helper()
	counts, total := s.snapshot()
	for _, id := range want {
		require.Equalf(t, 1, counts[id], "event %s delivered %d times, want 1", id, counts[id])
	}
	require.Equalf(t, len(want), total, "records delivered: got %d, want %d", total, len(want))
}

func forEachRecord(ld plog.Logs, fn func(lr plog.LogRecord)) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				fn(lrs.At(k))
			}
		}
	}
}

func seqIDs(prefix string, from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s-%05d", prefix, i))
	}
	return out
}

// storageHost is a component.Host holding a real file_storage extension.
type storageHost struct {
	exts map[component.ID]component.Component
}

func (h *storageHost) GetExtensions() map[component.ID]component.Component { return h.exts }

var fileStorageID = component.MustNewID("file_storage")

// newStorageHost starts a file_storage extension on dir; it is shut down at cleanup.
func newStorageHost(t testing.TB, dir string) *storageHost {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return &storageHost{exts: map[component.ID]component.Component{fileStorageID: ext}}
}

// testConfig tails dir/*.jsonl from the beginning, polling fast.
func testConfig(dir string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Include = []string{filepath.Join(dir, "*.jsonl")}
	cfg.StartAt = "beginning"
	cfg.PollInterval = 20 * time.Millisecond
	cfg.RetryConfig.InitialInterval = 10 * time.Millisecond
	cfg.RetryConfig.MaxInterval = 50 * time.Millisecond
	return cfg
}

// startReceiver creates and starts the receiver; stop it with the returned func
// (also called at cleanup, idempotent).
func startReceiver(t testing.TB, set receiver.Settings, cfg *Config, next consumer.Logs, host component.Host) (stop func()) {
	t.Helper()
	if host == nil {
		host = componenttest.NewNopHost()
	}
	r, err := NewFactory().CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), host))
	var once sync.Once
	stop = func() {
		once.Do(func() { require.NoError(t, r.Shutdown(context.Background())) })
	}
	t.Cleanup(stop)
	return stop
}

// nopSettings has a fixed component ID: storage clients are keyed by it, so a
// restarted receiver must keep it (receivertest makes a random one each call).
func nopSettings() receiver.Settings {
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	return set
}
