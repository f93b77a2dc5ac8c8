package notifyexporter

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
)

func breakerBatch(from, to int) []testEvent {
	evs := make([]testEvent, 0, to-from)
	for i := from; i < to; i++ {
		evs = append(evs, breaker("fs", "opened", t0.Add(time.Duration(i)*time.Millisecond), fmt.Sprintf("ev-%04d", i)))
	}
	return evs
}

// An event id counts once toward its group: a batch sent twice in one run
// is counted once in the notification.
func TestResentBatchCountsOnce(t *testing.T) {
	inbox := filepath.Join(t.TempDir(), "inbox.jsonl")
	cfg := fastConfig(TargetConfig{Name: "inbox", Type: "file", Path: inbox})
	ctx := context.Background()
	exp := newTestEnv(t).start(t, cfg, componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breakerBatch(0, 200)...)))
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breakerBatch(0, 200)...)))
	lines := waitLines(t, inbox, 1)
	require.NoError(t, exp.Shutdown(ctx))
	n := decodeBody(t, lines[0])
	assert.EqualValues(t, 200, n["count"])
	ids := n["event_ids"].([]any)
	assert.Len(t, ids, cfg.MaxEventIDs)
	seen := map[any]bool{}
	for _, id := range ids {
		assert.False(t, seen[id], "event id %v listed twice", id)
		seen[id] = true
	}
}

// Across a crash: a second exporter, started on the state the first one
// saved before its last consumeLogs returned (the first is never shut
// down, as after kill -9), counts a replayed batch once.
func TestReplayAfterCrashCountsOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := fastConfig(TargetConfig{Name: "inbox", Type: "file", Path: filepath.Join(dir, "inbox.jsonl")})
	cfg.StateDirectory = filepath.Join(dir, "state")
	cfg.GroupWait = time.Hour // the state, not a notification, is checked
	ctx := context.Background()
	exp := newTestEnv(t).start(t, cfg, componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breakerBatch(0, 200)...)))

	exp2 := newTestEnv(t).start(t, cfg, componenttest.NewNopHost())
	require.NoError(t, exp2.ConsumeLogs(ctx, logsOf(breakerBatch(100, 300)...)), "the last batch replayed with new events")
	files, err := filepath.Glob(filepath.Join(dir, "state", "*.state.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	var st persistedState
	require.NoError(t, json.Unmarshal(b, &st))
	require.Len(t, st.Targets["inbox"], 1)
	g := st.Targets["inbox"][0]
	assert.Equal(t, 300, g.Count, "200 events, then 100 replayed and 100 new")
	assert.Len(t, st.Seen, 300)
	require.NoError(t, exp2.Shutdown(ctx))
	require.NoError(t, exp.Shutdown(ctx))
}

// dedup_window 0 counts every record, as before.
func TestDedupWindowOff(t *testing.T) {
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox.jsonl")
	cfg := fastConfig(TargetConfig{Name: "inbox", Type: "file", Path: inbox})
	cfg.DedupWindow = 0
	ctx := context.Background()
	exp := newTestEnv(t).start(t, cfg, componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breakerBatch(0, 10)...)))
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breakerBatch(0, 10)...)))
	lines := waitLines(t, inbox, 1)
	require.NoError(t, exp.Shutdown(ctx))
	assert.EqualValues(t, 20, decodeBody(t, lines[0])["count"])
}
