package blogexporter

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/extension/incidentsextension/incidentstest"
	"github.com/unitrack/unitrack/internal/incidents"
)

// The blog records its incident's events and post in the ledger (the real
// incidents extension, imported by this test only).
func TestLedgerRecordsPost(t *testing.T) {
	host, led := incidentstest.Start(t, nil)

	dir := t.TempDir()
	e, err := newBlogExporter(testConfig(dir), exportertestSettings())
	require.NoError(t, err)
	clock := &fakeClock{t: t0}
	e.now = clock.now
	require.NoError(t, e.start(context.Background(), host))
	defer func() { require.NoError(t, e.shutdown(context.Background())) }()

	push(t, e, cbEvent("filesystem", "opened", t0, "01A"), cbEvent("filesystem", "failure", t0.Add(time.Second), "01B"))
	push(t, e, cbEvent("filesystem", "closed", t0.Add(time.Minute), "01C"))
	push(t, e, blogPostEvent("Release notes", "v2 is out", t0, "01D"))

	p := onlyIncidentPost(t, dir)
	list, err := led.Incidents(context.Background(), incidents.Query{})
	require.NoError(t, err)
	require.Len(t, list, 1, "a blog.post is no incident")
	assert.Equal(t, incidents.StatusResolved, list[0].Status)
	assert.Equal(t, int64(3), list[0].Events)
	d, err := led.Incident(context.Background(), list[0].ID)
	require.NoError(t, err)
	require.Len(t, d.Posts, 1, "one post, updated in place")
	assert.Equal(t, p.slug, d.Posts[0].Slug)
	assert.Equal(t, p.Title, d.Posts[0].Title, "the title after the resolution")
	want, _ := filepath.Abs(filepath.Join(dir, p.slug+".html"))
	assert.Equal(t, want, d.Posts[0].Path)
}

func onlyIncidentPost(t *testing.T, dir string) *post {
	t.Helper()
	var found *post
	for _, p := range readPosts(t, dir) {
		if p.Kind == kindIncident {
			require.Nil(t, found, "one incident post")
			found = p
		}
	}
	require.NotNil(t, found)
	return found
}
