package blogexporter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIncidentKeepsItsPostAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: t0}
	e1 := startExporter(t, testConfig(dir), clock)
	push(t, e1, cbEvent("filesystem", "opened", t0, "r1"), cbEvent("filesystem", "opened", t0.Add(time.Minute), "r2"))
	push(t, e1, blogPostEvent("Notes", "before", t0, "r-post"))
	require.NoError(t, e1.shutdown(context.Background()))
	before := readPosts(t, dir)
	require.Len(t, before, 2)
	const slug = "2026-11-28-filesystem-circuit-breaker-opened"
	require.Contains(t, before, slug)

	// Leftovers a crash could leave, and a file that is not ours to read.
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".tmp-deadbeef-"+slug+".md"), []byte("---\ntorn"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, slug+".html")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "2026-11-28-broken.md"), []byte("no front matter"), 0o644))

	clock.set(t0.Add(5 * time.Minute))
	e2 := startExporter(t, testConfig(dir), clock)
	assert.NoFileExists(t, filepath.Join(dir, ".tmp-deadbeef-"+slug+".md"), "leftover temporary files are removed on start")
	assert.FileExists(t, filepath.Join(dir, slug+".html"), "pages are rendered again on start")

	// A retried event already in the post changes nothing.
	push(t, e2, cbEvent("filesystem", "opened", t0, "r1"))
	assert.Equal(t, int64(2), readPostsSkipping(t, dir, "2026-11-28-broken")[slug].EventCount)

	push(t, e2, cbEvent("filesystem", "opened", t0.Add(5*time.Minute), "r3"))
	clock.set(t0.Add(10 * time.Minute))
	push(t, e2, cbEvent("filesystem", "closed", t0.Add(10*time.Minute), "r4"))
	push(t, e2, blogPostEvent("Notes", "after", t0, "r-post-2"), blogPostEvent("Broken", "x", t0, "r-post-3"))
	require.NoError(t, e2.shutdown(context.Background()))

	after := readPostsSkipping(t, dir, "2026-11-28-broken")
	p := after[slug]
	require.NotNil(t, p, "posts: %v", postStems(after))
	assert.Equal(t, before[slug].ID, p.ID)
	assert.Equal(t, int64(4), p.EventCount)
	assert.Equal(t, statusResolved, p.Status)
	assert.Equal(t, "10m0s", p.Duration)
	assert.Equal(t, "MCP server filesystem: circuit breaker opened (3 times, resolved after 10m0s)", p.Title)
	assert.Equal(t, []string{"r1", "r2", "r3", "r4"}, p.EventIDs)
	assert.Contains(t, after, "2026-11-28-notes-2", "a new post does not take an existing post's name")
	assert.Contains(t, after, "2026-11-28-broken-2", "nor the name of a file the blog could not read")
	broken, err := os.ReadFile(filepath.Join(dir, "2026-11-28-broken.md"))
	require.NoError(t, err)
	assert.Equal(t, "no front matter", string(broken), "an unreadable file is left as it is")
	assert.Len(t, parseFeed(t, dir).Items, 4)
}

func readPostsSkipping(t *testing.T, dir string, skip string) map[string]*post {
	t.Helper()
	bad := filepath.Join(dir, skip+".md")
	data, err := os.ReadFile(bad)
	require.NoError(t, err)
	require.NoError(t, os.Remove(bad))
	defer func() { require.NoError(t, os.WriteFile(bad, data, 0o644)) }()
	return readPosts(t, dir)
}
