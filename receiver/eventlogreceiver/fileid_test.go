package eventlogreceiver

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// anonLine is a json_events line without an event_id.
func anonLine(seq int) string {
	return fmt.Sprintf(`{"ts": 1764331200.%03d, "level": "INFO", "event": "tick", "msg": "line %d", "data": {"seq": %d}}`+"\n", seq%1000, seq, seq)
}

func anonLines(from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, anonLine(i))
	}
	return out
}

func sortedIDs(s *idSink) []string {
	counts, _ := s.snapshot()
	ids := make([]string, 0, len(counts))
	for id, n := range counts {
		for range n {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// readOnce tails the files of dir from the beginning with a fresh receiver
// (no checkpoints), as a replay after a crash before the checkpoint does,
// and returns the ids it gave. The sentinel lines of its barrier are cut off
// again afterwards, so the files are as they were for the next read.
func readOnce(t *testing.T, dir string, glob string, want int) []string {
	t.Helper()
	cfg := testConfig(dir)
	cfg.Include = []string{filepath.Join(dir, glob)}
	paths, err := filepath.Glob(cfg.Include[0])
	require.NoError(t, err)
	sizes := make([]int64, len(paths))
	for i, p := range paths {
		st, err := os.Stat(p)
		require.NoError(t, err)
		sizes[i] = st.Size()
	}
	sink := newIDSink()
	stop := startReceiver(t, nopSettings(), cfg, sink, nil)
	sink.waitTotal(t, want)
	sink.settle(t, paths...)
	stop()
	for i, p := range paths {
		require.NoError(t, os.Truncate(p, sizes[i]))
	}
	_, total := sink.snapshot()
	require.Equal(t, want, total)
	return sortedIDs(sink)
}

// Lines without an event_id get ids from the file's identity and their
// offset: reading the file again gives the same ids, a line's own
// event_id is kept, and every line's id is different.
func TestLineIDsStableAcrossRereads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.jsonl")
	lines := anonLines(0, 250)
	lines[7] = eventLine("own-7", 7)
	appendLines(t, path, lines...)

	first := readOnce(t, dir, "*.jsonl", 250)
	assert.Contains(t, first, "own-7")
	for i := 1; i < len(first); i++ {
		require.NotEqual(t, first[i-1], first[i], "ids are unique")
	}
	assert.Equal(t, first, readOnce(t, dir, "*.jsonl", 250), "a re-read gives the same ids")

	// A copy (logrotate copytruncate) holds the same lines at the same offsets.
	other := t.TempDir()
	content, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(other, "events.jsonl.1"), content, 0o644))
	assert.Equal(t, first, readOnce(t, other, "*.jsonl*", 250), "a copy's lines are recognised")

	// Another file with lines at the same offsets gets other ids.
	third := t.TempDir()
	appendLines(t, filepath.Join(third, "events.jsonl"), anonLines(1000, 1250)...)
	for _, id := range readOnce(t, third, "*.jsonl", 250) {
		assert.NotContains(t, first, id)
	}
}

// With checkpoints, a file renamed by rotation keeps its identity (kept in
// the checkpointed file attributes), and lines appended to it before the
// receiver saw them get the ids a fresh read of the renamed file gives.
func TestLineIDsFollowRenamedFile(t *testing.T) {
	dir := t.TempDir()
	host := newStorageHost(t, t.TempDir())
	path := filepath.Join(dir, "events.jsonl")
	appendLines(t, path, anonLines(0, 100)...)
	cfg := testConfig(dir)
	cfg.Include = []string{filepath.Join(dir, "events.jsonl*")}
	cfg.Storage = &fileStorageID
	sink := newIDSink()
	stop := startReceiver(t, nopSettings(), cfg, sink, host)
	sink.waitTotal(t, 100)
	stop()

	// Rotated while the receiver was down: renamed, one more line, a new file.
	require.NoError(t, os.Rename(path, path+".1"))
	appendLines(t, path+".1", anonLines(100, 120)...)
	appendLines(t, path, anonLines(500, 510)...)
	stop = startReceiver(t, nopSettings(), cfg, sink, host)
	sink.waitTotal(t, 130)
	sink.settle(t, path, path+".1")
	stop()
	got := sortedIDs(sink)
	require.Len(t, got, 130)

	// A fresh read of both files gives the same 130 ids.
	assert.Equal(t, got, readOnce(t, dir, "events.jsonl*", 130))
}

func TestFileIdentity(t *testing.T) {
	for _, tc := range []struct {
		name string
		head string
		size int
		ok   bool
	}{
		{"whole first line", "{\"a\":1}\n{\"b\":2}", 1000, true},
		{"line longer than the fingerprint", strings.Repeat("x", 40), 16, true},
		{"incomplete first line", "{\"a\":", 1000, false},
		{"blank first line", "  \n{}", 1000, false},
		{"empty", "", 1000, false},
	} {
		_, ok := fileIdentity([]byte(tc.head), tc.size)
		assert.Equal(t, tc.ok, ok, tc.name)
	}
	a, _ := fileIdentity([]byte("{\"a\":1}\nrest one"), 1000)
	b, _ := fileIdentity([]byte("{\"a\":1}\nrest two, longer"), 1000)
	assert.Equal(t, a, b, "only the first line counts: the identity does not change as the file grows")
	c, _ := fileIdentity([]byte(strings.Repeat("x", 16)+"tail one"), 16)
	d, _ := fileIdentity([]byte(strings.Repeat("x", 16)+"tail two"), 16)
	assert.Equal(t, c, d, "at most fingerprint_size bytes count, as for fileconsumer")
}
