package blogexporter

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/track"
)

func testAnomalyConfig() AnomalyConfig {
	return AnomalyConfig{Enabled: true, BucketInterval: time.Minute, BaselineBuckets: 10, Factor: 3, ZScore: 3, MinEvents: 10, MaxCategories: 8}
}

// feed sends counts[i] events of category in minute i and returns every
// finding, after closing the last bucket.
func feedDetector(d *rateDetector, category string, counts []int) []anomalyFinding {
	var out []anomalyFinding
	for m, n := range counts {
		for i := range n {
			at := t0.Add(time.Duration(m)*time.Minute + time.Duration(i)*time.Minute/time.Duration(n+1))
			out = append(out, d.observe(category, at)...)
		}
		out = append(out, d.advance(t0.Add(time.Duration(m+1)*time.Minute))...)
	}
	return out
}

func TestRateDetector(t *testing.T) {
	flat := func(n, v int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = v
		}
		return s
	}
	tests := []struct {
		name   string
		counts []int
		// wantAnomalous is the minute index of each anomalous finding.
		wantAnomalous []int
		wantResolved  []int
	}{
		{name: "steady stream", counts: flat(30, 5)},
		{name: "noisy steady stream", counts: append(flat(10, 5), 3, 8, 4, 7, 5, 6, 2, 9, 5, 5)},
		{name: "jump after a full baseline", counts: append(flat(10, 5), 60, 5, 5), wantAnomalous: []int{10}, wantResolved: []int{11}},
		{name: "jump during warm-up is not judged", counts: []int{5, 5, 60, 5, 5, 5, 5, 5, 5, 5, 5, 5}},
		// A category is tracked from its first event on.
		{name: "below min_events is never anomalous", counts: append(append([]int{1}, flat(9, 0)...), 9, 0), wantAnomalous: nil},
		{name: "from near silence to min_events", counts: append(append([]int{1}, flat(9, 0)...), 10, 0), wantAnomalous: []int{10}, wantResolved: []int{11}},
		{name: "a category first seen in a burst has no baseline yet", counts: append(flat(10, 0), 50, 50)},
		{name: "twice the baseline is below the factor", counts: append(flat(10, 10), 25, 10)},
		{name: "a sustained storm stays anomalous, then becomes the baseline",
			counts: append(flat(10, 2), 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50),
			// Anomalous buckets stay out of the baseline until there are
			// baseline_buckets of them; then they are the baseline.
			wantAnomalous: []int{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, wantResolved: []int{20}},
		{name: "after an anomaly the old baseline holds",
			counts:        append(append(flat(10, 2), 50, 50), 2, 2, 60),
			wantAnomalous: []int{10, 11, 14}, wantResolved: []int{12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newRateDetector(testAnomalyConfig())
			findings := feedDetector(d, "mcp", tt.counts)
			var gotAnomalous, gotResolved []int
			for _, f := range findings {
				m := int(f.start.Sub(t0) / time.Minute)
				assert.Equal(t, int64(tt.counts[m]), f.count, "count of minute %d", m)
				if f.anomalous {
					gotAnomalous = append(gotAnomalous, m)
				} else {
					gotResolved = append(gotResolved, m)
				}
			}
			assert.Equal(t, tt.wantAnomalous, gotAnomalous, "anomalous minutes")
			assert.Equal(t, tt.wantResolved, gotResolved, "resolving minutes")
		})
	}
}

func TestRateDetectorCategoriesAreIndependentAndBounded(t *testing.T) {
	cfg := testAnomalyConfig()
	cfg.MaxCategories = 2
	d := newRateDetector(cfg)
	for m := range 10 {
		for _, c := range []string{"mcp", "task", "third"} {
			for range 5 {
				d.observe(c, t0.Add(time.Duration(m)*time.Minute))
			}
		}
	}
	assert.Len(t, d.categories, 2, "categories beyond max_categories are not tracked")
	var got []anomalyFinding
	for range 60 {
		got = append(got, d.observe("mcp", t0.Add(10*time.Minute))...)
	}
	got = append(got, d.advance(t0.Add(11*time.Minute))...)
	require.Len(t, got, 1)
	assert.Equal(t, "mcp", got[0].category)
	assert.InDelta(t, 5.0, got[0].mean, 1e-9)

	// A long idle gap is skipped in bounded steps and leaves a zero baseline.
	d.advance(t0.Add(1000 * time.Hour))
	assert.Equal(t, make([]int64, cfg.BaselineBuckets), d.categories["mcp"].history)
}

// TestAnomalyPostFromSyntheticStream drives the whole exporter with a
// synthetic stream and an injected clock.
func TestAnomalyPostFromSyntheticStream(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Anomaly = testAnomalyConfig()
	clock := &fakeClock{t: t0}
	e := startExporter(t, cfg, clock)
	n := 0
	send := func(minute, count int) {
		for i := range count {
			at := t0.Add(time.Duration(minute)*time.Minute + time.Duration(i)*time.Second/2)
			clock.set(at)
			n++
			push(t, e, testEvent{name: "mcp.call", sev: 9, at: at, attrs: map[string]any{
				track.AttrCategory: "mcp", track.AttrEventID: "s" + time.Duration(n).String()}})
		}
	}
	for m := range 10 {
		send(m, 4)
	}
	assert.Empty(t, readPosts(t, dir), "a steady stream writes nothing")
	send(10, 80)
	send(11, 90)
	clock.set(t0.Add(12 * time.Minute))
	require.NoError(t, e.tick(context.Background()))
	p := onlyPost(t, dir)
	assert.Equal(t, kindAnomaly, p.Kind)
	assert.Equal(t, statusFiring, p.Status)
	assert.Equal(t, int64(2), p.EventCount, "two anomalous buckets in one post")
	assert.Equal(t, "Anomaly: mcp events at 22.5x baseline (90 per 1m0s, baseline 4.0)", p.Title)
	send(12, 4)
	clock.set(t0.Add(13 * time.Minute))
	require.NoError(t, e.tick(context.Background()))
	p = onlyPost(t, dir)
	assert.Equal(t, statusResolved, p.Status)
	assert.Equal(t, "3m0s", p.Duration)
}
