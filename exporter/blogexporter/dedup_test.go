package blogexporter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A batch sent twice counts once, in the same run and after a restart that
// rebuilds the state from the front matter alone (the exporter is not shut
// down, as after kill -9: every push is on disk when it returns).
func TestReplayedBatchCountsOnce(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: t0}
	batch := make([]testEvent, 0, 400)
	for i := range 400 {
		batch = append(batch, cbEvent("filesystem", "opened", t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("ev-%03d", i)))
	}
	e1 := startExporter(t, testConfig(dir), clock)
	push(t, e1, batch[:300]...)
	push(t, e1, batch[:300]...)
	p := onlyPost(t, dir)
	require.Equal(t, int64(300), p.EventCount, "a batch sent twice counts once")
	assert.Equal(t, int64(300), p.Counts["mcp.circuit_breaker.opened"])
	assert.Len(t, p.EventIDs, maxEventIDs)
	assert.Len(t, p.EarlierIDs, 300-maxEventIDs, "the ids beyond the listed ones are kept, bounded")
	recent := p.Recent

	// Restart without shutdown; the last batch is replayed with new events.
	clock.set(t0.Add(10 * time.Minute))
	e2 := startExporter(t, testConfig(dir), clock)
	push(t, e2, batch[100:400]...)
	p = onlyPost(t, dir)
	assert.Equal(t, int64(400), p.EventCount, "after a restart, replayed events count once, new ones count")
	assert.Equal(t, int64(400), p.Counts["mcp.circuit_breaker.opened"])
	assert.Equal(t, "ev-399", p.Recent[len(p.Recent)-1].ID)
	assert.NotEqual(t, recent, p.Recent)
	push(t, e2, batch...)
	p = onlyPost(t, dir)
	assert.Equal(t, int64(400), p.EventCount, "the timeline and counts do not move for a replay")
	require.NoError(t, e1.shutdown(context.Background()))
	require.NoError(t, e2.shutdown(context.Background()))
}

// The front matter stays bounded however long an incident lasts.
func TestEarlierIDsBounded(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: t0}
	e := startExporter(t, testConfig(dir), clock)
	for b := range 3 {
		batch := make([]testEvent, 0, 500)
		for i := range 500 {
			n := b*500 + i
			batch = append(batch, cbEvent("filesystem", "opened", t0.Add(time.Duration(n)*time.Second), fmt.Sprintf("ev-%04d", n)))
		}
		push(t, e, batch...)
	}
	p := onlyPost(t, dir)
	assert.Equal(t, int64(1500), p.EventCount)
	assert.Len(t, p.EarlierIDs, maxEarlierIDs)
	assert.Equal(t, "ev-1449", p.EarlierIDs[len(p.EarlierIDs)-1], "the most recent before the listed ones")
	assert.Equal(t, "ev-1450", p.EventIDs[0])
}
