package blogexporter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
	_ "time/tzdata" // the zone database even on a machine without /usr/share/zoneinfo

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDigestSchedule(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err, "time/tzdata is linked into the test binary")
	daily := digestSchedule{offset: 6*time.Hour + 30*time.Minute, loc: paris}
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) // 13:00 in Paris
	assert.Equal(t, time.Date(2026, 11, 29, 6, 30, 0, 0, paris), daily.next(at))
	assert.Equal(t, time.Date(2026, 11, 28, 6, 30, 0, 0, paris), daily.prev(at))
	boundary := time.Date(2026, 11, 29, 6, 30, 0, 0, paris)
	assert.Equal(t, boundary.AddDate(0, 0, 1), daily.next(boundary), "next is strictly after")
	assert.Equal(t, boundary, daily.prev(boundary))
	// Across the spring DST change the boundary stays at 06:30 local time.
	assert.Equal(t, time.Date(2027, 3, 28, 6, 30, 0, 0, paris), daily.next(time.Date(2027, 3, 27, 12, 0, 0, 0, paris)))

	every := digestSchedule{interval: 6 * time.Hour, loc: time.UTC}
	assert.Equal(t, time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC), every.next(at))
	assert.Equal(t, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), every.prev(at))
}

func TestDigestIsWrittenOncePerPeriodAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Digest.Enabled = true
	clock := &fakeClock{t: t0}
	e := startExporter(t, cfg, clock)
	push(t, e, cbEvent("fs", "opened", t0, "g1"))
	// Restart mid-day: the counts so far are kept in the directory.
	require.NoError(t, e.shutdown(context.Background()))
	e = startExporter(t, cfg, clock)
	push(t, e, cbEvent("fs", "opened", t0.Add(time.Minute), "g2"), healthEvent("ollama", "unhealthy", t0, "g3"))

	clock.set(time.Date(2026, 11, 28, 23, 59, 59, 0, time.UTC))
	require.NoError(t, e.tick(context.Background()))
	assert.Len(t, readPosts(t, dir), 2, "no digest before the boundary")

	clock.set(time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC))
	require.NoError(t, e.tick(context.Background()))
	clock.set(time.Date(2026, 11, 29, 0, 0, 5, 0, time.UTC))
	require.NoError(t, e.tick(context.Background()))
	posts := readPosts(t, dir)
	require.Len(t, posts, 3, "one digest: %v", postStems(posts))
	d := posts["2026-11-28-daily-digest-for-2026-11-28"]
	require.NotNil(t, d, "posts: %v", postStems(posts))
	assert.Equal(t, kindDigest, d.Kind)
	assert.Equal(t, int64(3), d.EventCount, "events from before and after the restart")
	assert.Contains(t, d.body, "| mcp | 2 | 2 |")
	assert.Contains(t, d.body, "[MCP server fs: circuit breaker opened (2 times)](2026-11-28-fs-circuit-breaker-opened.html)")
	assert.Contains(t, d.body, "[latest event](<http://localhost:8790/#/events/g2>)")

	// A quiet day writes no digest.
	clock.set(time.Date(2026, 11, 30, 0, 0, 1, 0, time.UTC))
	require.NoError(t, e.tick(context.Background()))
	assert.Len(t, readPosts(t, dir), 3)
	_, err := os.Stat(filepath.Join(dir, digestFile))
	require.NoError(t, err)
}

func TestRetention(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.MaxPosts = 3
	cfg.MaxAge = 24 * time.Hour
	clock := &fakeClock{t: t0}
	e := startExporter(t, cfg, clock)
	for i := range 5 {
		clock.set(t0.Add(time.Duration(i) * time.Minute))
		push(t, e, blogPostEvent("post "+string(rune('a'+i)), "x", t0, "ret"+string(rune('a'+i))))
	}
	assert.Equal(t, []string{"2026-11-28-post-c", "2026-11-28-post-d", "2026-11-28-post-e"}, postStems(readPosts(t, dir)),
		"the least recently updated go first")
	assert.NoFileExists(t, filepath.Join(dir, "2026-11-28-post-a.html"))
	assert.Len(t, parseFeed(t, dir).Items, 3)

	// An incident updated recently is kept; posts older than max_age go.
	clock.set(t0.Add(20 * time.Hour))
	push(t, e, cbEvent("fs", "opened", t0.Add(20*time.Hour), "ret-inc"))
	clock.set(t0.Add(25 * time.Hour))
	require.NoError(t, e.tick(context.Background()))
	assert.Equal(t, []string{"2026-11-29-fs-circuit-breaker-opened"}, postStems(readPosts(t, dir)))
	html, err := filepath.Glob(filepath.Join(dir, "*.html"))
	require.NoError(t, err)
	assert.Len(t, html, 2, "the incident page and the index: %v", html)
}
