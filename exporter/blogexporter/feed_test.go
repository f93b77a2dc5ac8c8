package blogexporter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseFeed(t *testing.T, dir string) *gofeed.Feed {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, feedFile))
	require.NoError(t, err)
	defer f.Close()
	feed, err := gofeed.NewParser().Parse(f)
	require.NoError(t, err, "feed.atom must parse")
	require.Equal(t, "atom", feed.FeedType)
	return feed
}

func TestFeedEntriesAndUpdates(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: t0}
	cfg := testConfig(dir)
	cfg.ListsInterval = 0 // the feed is read after every batch
	e := startExporter(t, cfg, clock)

	push(t, e, cbEvent("filesystem", "opened", t0, "e1"))
	feed := parseFeed(t, dir)
	require.Len(t, feed.Items, 1)
	first := feed.Items[0]
	assert.True(t, strings.HasPrefix(first.GUID, "tag:unitrack.local,2026-11-28:blog/incident/"), "id %q", first.GUID)
	assert.Equal(t, "MCP server filesystem: circuit breaker opened", first.Title)
	assert.Equal(t, "2026-11-28-filesystem-circuit-breaker-opened.html", first.Link)
	require.NotNil(t, first.UpdatedParsed)
	assert.Contains(t, first.Content, "Timeout after 30s")

	// An update changes updated and the title, not the id: a reader shows an
	// update, not a duplicate.
	clock.set(t0.Add(2 * time.Minute))
	push(t, e, cbEvent("filesystem", "opened", t0.Add(2*time.Minute), "e2"))
	feed = parseFeed(t, dir)
	require.Len(t, feed.Items, 1)
	upd := feed.Items[0]
	assert.Equal(t, first.GUID, upd.GUID)
	assert.True(t, upd.UpdatedParsed.After(*first.UpdatedParsed), "updated %v -> %v", first.UpdatedParsed, upd.UpdatedParsed)
	assert.Equal(t, *first.PublishedParsed, *upd.PublishedParsed, "published stays the incident start")
	assert.Equal(t, "MCP server filesystem: circuit breaker opened (2 times)", upd.Title)

	// Same clock reading: updated still moves.
	push(t, e, cbEvent("filesystem", "opened", t0.Add(3*time.Minute), "e3"))
	again := parseFeed(t, dir).Items[0]
	assert.True(t, again.UpdatedParsed.After(*upd.UpdatedParsed), "updated %v -> %v", upd.UpdatedParsed, again.UpdatedParsed)

	// A second incident and a legacy post become entries of their own, newest
	// update first.
	clock.set(t0.Add(4 * time.Minute))
	push(t, e, healthEvent("ollama", "unhealthy", t0.Add(4*time.Minute), "e4"))
	clock.set(t0.Add(5 * time.Minute))
	push(t, e, blogPostEvent("Notes", "text", t0.Add(5*time.Minute), "e5"))
	feed = parseFeed(t, dir)
	require.Len(t, feed.Items, 3)
	assert.Equal(t, "Notes", feed.Items[0].Title)
	assert.Equal(t, "operator", feed.Items[0].Authors[0].Name)
	assert.Equal(t, []string{"release", "notes", "blog"}, feed.Items[0].Categories)
	assert.Equal(t, "Health check ollama is unhealthy", feed.Items[1].Title)
	assert.Equal(t, first.GUID, feed.Items[2].GUID)
	ids := map[string]bool{}
	for _, it := range feed.Items {
		assert.False(t, ids[it.GUID], "duplicate id %s", it.GUID)
		ids[it.GUID] = true
	}
	require.NotNil(t, feed.UpdatedParsed)
	assert.Equal(t, *feed.Items[0].UpdatedParsed, *feed.UpdatedParsed)
}

func TestFeedKeepsFeedEntriesNewest(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.FeedEntries = 3
	clock := &fakeClock{t: t0}
	e := startExporter(t, cfg, clock)
	for i := range 5 {
		clock.set(t0.Add(time.Duration(i) * time.Minute))
		push(t, e, blogPostEvent("post "+string(rune('a'+i)), "x", t0, "f"+string(rune('a'+i))))
	}
	feed := parseFeed(t, dir)
	require.Len(t, feed.Items, 3)
	assert.Equal(t, []string{"post e", "post d", "post c"}, []string{feed.Items[0].Title, feed.Items[1].Title, feed.Items[2].Title})
	assert.Len(t, readPosts(t, dir), 5, "the feed is capped, not the blog")
}
