package blogexporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/legacy"
)

func TestIncidentStormIsOnePostUpdatedInPlace(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: t0}
	e := startExporter(t, testConfig(dir), clock)

	var evs []testEvent
	for i := range 37 {
		evs = append(evs, cbEvent("filesystem", "opened", t0.Add(time.Duration(i)*5*time.Minute/36), fmt.Sprintf("id-%02d", i)))
	}
	// Two batches, as a queue would deliver them.
	push(t, e, evs[:20]...)
	first := onlyPost(t, dir)
	assert.Equal(t, int64(20), first.EventCount)
	clock.set(t0.Add(6 * time.Minute))
	push(t, e, evs[20:]...)

	p := onlyPost(t, dir)
	assert.Equal(t, first.slug, p.slug, "the same post is updated in place")
	assert.Equal(t, "MCP server filesystem: circuit breaker opened (37 times)", p.Title)
	assert.Equal(t, statusFiring, p.Status)
	assert.Equal(t, "ERROR", p.Severity)
	assert.Equal(t, int64(37), p.EventCount)
	assert.Equal(t, "mcp|agent-runner|mcp.server.name=filesystem", p.GroupKey)
	assert.Equal(t, "agent-runner", p.Service)
	assert.Equal(t, t0, p.Date)
	assert.Equal(t, first.ID, p.ID, "entry id is stable")
	assert.True(t, p.Updated.After(first.Updated), "updated moves: %v then %v", first.Updated, p.Updated)
	assert.Len(t, p.EventIDs, 37)
	assert.Equal(t, "2026-11-28-filesystem-circuit-breaker-opened", p.slug)

	// The recovery closes it as resolved with its duration.
	push(t, e, cbEvent("filesystem", "closed", t0.Add(7*time.Minute), "id-closed"))
	p = onlyPost(t, dir)
	assert.Equal(t, statusResolved, p.Status)
	assert.Equal(t, "7m0s", p.Duration)
	assert.Equal(t, t0.Add(7*time.Minute), p.ResolvedAt)
	assert.Equal(t, "MCP server filesystem: circuit breaker opened (37 times, resolved after 7m0s)", p.Title)
	assert.Equal(t, int64(38), p.EventCount)
	assert.Equal(t, map[string]int64{"mcp.circuit_breaker.opened": 37, "mcp.circuit_breaker.closed": 1}, p.Counts)
}

func TestIncidentRules(t *testing.T) {
	const window = 30 * time.Minute
	tests := []struct {
		name      string
		events    []testEvent
		wantPosts int
		// wantStatus lists the status of each post, ordered by slug.
		wantStatus []string
		wantCounts []int64
	}{
		{
			name: "flapping within the window stays one post and reopens",
			events: []testEvent{
				cbEvent("fs", "opened", t0, "a"), cbEvent("fs", "closed", t0.Add(time.Minute), "b"),
				cbEvent("fs", "opened", t0.Add(2*time.Minute), "c"),
			},
			wantPosts: 1, wantStatus: []string{statusFiring}, wantCounts: []int64{3},
		},
		{
			name: "a firing event after the window opens a new post",
			events: []testEvent{
				cbEvent("fs", "opened", t0, "a"), cbEvent("fs", "closed", t0.Add(time.Minute), "b"),
				cbEvent("fs", "opened", t0.Add(time.Minute+window+time.Second), "c"),
			},
			wantPosts: 2, wantStatus: []string{statusResolved, statusFiring}, wantCounts: []int64{2, 1},
		},
		{
			name: "a recovery resolves a firing incident however late",
			events: []testEvent{
				cbEvent("fs", "opened", t0, "a"), cbEvent("fs", "closed", t0.Add(5*time.Hour), "b"),
			},
			wantPosts: 1, wantStatus: []string{statusResolved}, wantCounts: []int64{2},
		},
		{
			name:      "a recovery without an incident writes nothing",
			events:    []testEvent{cbEvent("fs", "closed", t0, "a")},
			wantPosts: 0,
		},
		{
			name: "other events join an open incident within the window only",
			events: []testEvent{
				cbEvent("fs", "opened", t0, "a"), cbEvent("fs", "failure", t0.Add(time.Minute), "b"),
				cbEvent("fs", "failure", t0.Add(time.Minute+window+time.Second), "c"),
			},
			wantPosts: 1, wantStatus: []string{statusFiring}, wantCounts: []int64{2},
		},
		{
			name:      "other events alone write nothing",
			events:    []testEvent{cbEvent("fs", "failure", t0, "a"), healthEvent("ollama", "degraded", t0, "b")},
			wantPosts: 0,
		},
		{
			name: "different subjects are different incidents",
			events: []testEvent{
				cbEvent("fs", "opened", t0, "a"), cbEvent("git", "opened", t0, "b"),
				healthEvent("ollama", "unhealthy", t0, "c"), healthEvent("ollama", "healthy", t0.Add(time.Minute), "d"),
			},
			wantPosts: 3, wantStatus: []string{statusFiring, statusFiring, statusResolved}, wantCounts: []int64{1, 1, 2},
		},
		{
			name: "a retried batch (same event ids) changes nothing",
			events: []testEvent{
				cbEvent("fs", "opened", t0, "a"), cbEvent("fs", "opened", t0.Add(time.Second), "b"),
				cbEvent("fs", "opened", t0, "a"), cbEvent("fs", "opened", t0.Add(time.Second), "b"),
			},
			wantPosts: 1, wantStatus: []string{statusFiring}, wantCounts: []int64{2},
		},
		{
			name: "task retries join, the final failure fires, success resolves",
			events: []testEvent{
				{name: "task.failed", sev: 17, at: t0, attrs: map[string]any{"task.name": "nightly", "task.final": true, "track.event_id": "a"}},
				{name: "task.retrying", sev: 13, at: t0.Add(time.Minute), attrs: map[string]any{"task.name": "nightly", "track.event_id": "b"}},
				{name: "task.succeeded", sev: 9, at: t0.Add(2 * time.Minute), attrs: map[string]any{"task.name": "nightly", "track.event_id": "c"}},
			},
			wantPosts: 1, wantStatus: []string{statusResolved}, wantCounts: []int64{3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir)
			cfg.Window = window
			e := startExporter(t, cfg, &fakeClock{t: t0})
			for _, ev := range tt.events {
				push(t, e, ev)
			}
			posts := readPosts(t, dir)
			require.Len(t, posts, tt.wantPosts, "posts: %v", postStems(posts))
			for i, stem := range postStems(posts) {
				assert.Equal(t, tt.wantStatus[i], posts[stem].Status, "status of %s", stem)
				assert.Equal(t, tt.wantCounts[i], posts[stem].EventCount, "event_count of %s", stem)
			}
		})
	}
}

func TestLegacyPostsKeepTheirBody(t *testing.T) {
	dir := t.TempDir()
	e := startExporter(t, testConfig(dir), &fakeClock{t: t0})
	body := "# Release 1.2\n\nWe shipped **bold** things:\n\n- one\n- two\n"
	push(t, e, blogPostEvent("Release notes 1.2", body, t0, "post-1"))
	push(t, e, blogPostEvent("Release notes 1.2", body, t0, "post-2"))
	posts := readPosts(t, dir)
	require.Equal(t, []string{"2026-11-28-release-notes-1-2", "2026-11-28-release-notes-1-2-2"}, postStems(posts))
	p := posts["2026-11-28-release-notes-1-2"]
	assert.Equal(t, kindPost, p.Kind)
	assert.Equal(t, statusPublished, p.Status)
	assert.Equal(t, "operator", p.Author)
	assert.Equal(t, []string{"release", "notes", "blog"}, p.Tags)
	assert.Contains(t, p.body, body[:len(body)-1], "the Markdown body is kept")
	assert.Contains(t, p.body, "(<http://localhost:8790/#/events/post-1>)")
	html, err := os.ReadFile(filepath.Join(dir, p.slug+".html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), "<strong>bold</strong>")
	assert.Contains(t, string(html), `href="http://localhost:8790/#/events/post-1"`)
}

// A json_events task_failed line (as the event log holds it) titles its post
// once: its message names the task, so the sentence does not repeat it.
func TestJSONEventsTaskFailedTitle(t *testing.T) {
	dir := t.TempDir()
	e := startExporter(t, testConfig(dir), &fakeClock{t: t0})
	line := `{"ts": 1764331200.123, "level": "ERROR", "event": "task_failed", "component": "background_tasks", "msg": "Task nightly_summary failed", "data": {"task": "nightly_summary"}, "pid": 4121, "host": "box1"}`
	ld, evErrs, err := legacy.Decode(legacy.JSONEvents, []byte(line), t0)
	require.NoError(t, err)
	require.Empty(t, evErrs)
	require.NoError(t, e.pushLogs(context.Background(), ld))

	p := onlyPost(t, dir)
	assert.Equal(t, "Task nightly_summary failed", p.Title)
	assert.Equal(t, "task.name=nightly_summary", p.Subject)
}
