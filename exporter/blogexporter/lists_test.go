package blogexporter

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fileHas(t *testing.T, path, s string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Contains(string(b), s)
}

// TestListsAreDebounced: posts are written with every batch, index.html and
// feed.atom at most once per lists_interval, and always on shutdown.
func TestListsAreDebounced(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: t0}
	cfg := testConfig(dir)
	cfg.ListsInterval = time.Second
	e := startExporter(t, cfg, clock)
	index, feed := filepath.Join(dir, indexFile), filepath.Join(dir, feedFile)

	clock.set(t0.Add(2 * time.Second))
	require.NoError(t, e.pushLogs(context.Background(), logsOf(cbEvent("alpha", "opened", t0, "d1"))))
	assert.True(t, fileHas(t, index, "alpha-circuit-breaker-opened"), "the first batch after the interval writes the lists")

	clock.set(t0.Add(2100 * time.Millisecond))
	require.NoError(t, e.pushLogs(context.Background(), logsOf(cbEvent("beta", "opened", t0, "d2"))))
	assert.FileExists(t, filepath.Join(dir, "2026-11-28-beta-circuit-breaker-opened.md"), "the post is written with its batch")
	assert.False(t, fileHas(t, index, "beta-circuit-breaker-opened"), "the index waits for the interval")
	assert.False(t, fileHas(t, feed, "beta"), "the feed waits for the interval")

	clock.set(t0.Add(3100 * time.Millisecond))
	require.NoError(t, e.tick(context.Background()))
	assert.True(t, fileHas(t, index, "beta-circuit-breaker-opened"), "the tick writes the lists once the interval passed")
	assert.True(t, fileHas(t, feed, "beta"))

	clock.set(t0.Add(3200 * time.Millisecond))
	require.NoError(t, e.pushLogs(context.Background(), logsOf(cbEvent("gamma", "opened", t0, "d3"))))
	assert.False(t, fileHas(t, index, "gamma-circuit-breaker-opened"))
	require.NoError(t, e.shutdown(context.Background()))
	assert.True(t, fileHas(t, index, "gamma-circuit-breaker-opened"), "shutdown writes the lists")
}

// TestListsAreRebuiltAfterACrash: a crash between a batch's posts and the
// lists loses nothing; the next start writes the lists from the posts.
func TestListsAreRebuiltAfterACrash(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: t0}
	cfg := testConfig(dir)
	cfg.ListsInterval = time.Hour
	e := startExporter(t, cfg, clock)
	require.NoError(t, e.pushLogs(context.Background(), logsOf(cbEvent("alpha", "opened", t0, "c1"))))
	require.False(t, fileHas(t, filepath.Join(dir, indexFile), "alpha"))
	// The crash: the directory is dropped without a shutdown flush.
	e.mu.Lock()
	require.NoError(t, e.dir.close())
	e.dir = nil
	e.mu.Unlock()
	close(e.stop)
	<-e.tickerDone
	e.stop = nil

	startExporter(t, cfg, clock)
	assert.True(t, fileHas(t, filepath.Join(dir, indexFile), "alpha-circuit-breaker-opened"), "start rebuilds the index")
	assert.True(t, fileHas(t, filepath.Join(dir, feedFile), "alpha"), "start rebuilds the feed")
}
