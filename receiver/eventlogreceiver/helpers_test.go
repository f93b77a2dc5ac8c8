package eventlogreceiver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// barrierPrefix starts the event_id of the sentinel lines settle appends; the
// sink counts them apart from the records a test checks.
const barrierPrefix = "barrier-"

// idSink records the track.event_id of every record it is given.
type idSink struct {
	mu       sync.Mutex
	counts   map[string]int
	total    int
	barriers map[string]int // sentinels of settle, by id
	rounds   int            // settle calls so far, for unique sentinel ids
	logs     []plog.Logs
	fail     func() error // returns the error for the next call, nil to accept
}

func newIDSink() *idSink { return &idSink{counts: map[string]int{}, barriers: map[string]int{}} }

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
		if strings.HasPrefix(id, barrierPrefix) {
			s.barriers[id]++
			return
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

// settle is the barrier after which a test's counts are final: it appends a
// sentinel line (with its own event_id) to each file and waits until every
// sentinel has arrived. fileconsumer reads a file in order, so a duplicate of
// an earlier line of these files (a re-read from a lost offset, a rotated
// file taken for a new one) would have arrived before its sentinel; and it
// finishes every file of one poll before the next, so a sentinel in a new
// file arrives after everything the earlier polls read.
func (s *idSink) settle(t testing.TB, paths ...string) {
	t.Helper()
	s.mu.Lock()
	s.rounds++
	round := s.rounds
	s.mu.Unlock()
	ids := make([]string, len(paths))
	for i, p := range paths {
		ids[i] = fmt.Sprintf("%s%d-%d", barrierPrefix, round, i)
		appendLines(t, p, eventLine(ids[i], 0))
	}
	s.waitBarriers(t, ids...)
}

// waitBarriers waits until every sentinel id has arrived.
func (s *idSink) waitBarriers(t testing.TB, ids ...string) {
	t.Helper()
	missing := func() []string {
		s.mu.Lock()
		defer s.mu.Unlock()
		var out []string
		for _, id := range ids {
			if s.barriers[id] == 0 {
				out = append(out, id)
			}
		}
		return out
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if len(missing()) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("sentinel lines %v did not arrive within 30s", missing())
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
