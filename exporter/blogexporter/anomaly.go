package blogexporter

import (
	"math"
	"time"
)

// rateDetector counts events per category in fixed buckets and compares each
// closed bucket with the trailing baseline of the previous buckets (see
// AnomalyConfig for the rule). It is driven by the clock it is given.
type rateDetector struct {
	cfg        AnomalyConfig
	categories map[string]*categoryRate
}

type categoryRate struct {
	start   time.Time // start of the open bucket
	count   int64     // events in the open bucket
	history []int64   // closed buckets, oldest first, at most BaselineBuckets
	pending []int64   // anomalous buckets of the current anomaly
	firing  bool      // the last closed bucket was anomalous
}

func newRateDetector(cfg AnomalyConfig) *rateDetector {
	return &rateDetector{cfg: cfg, categories: map[string]*categoryRate{}}
}

// observe counts one event of category at now, after closing the buckets
// that ended before now (their findings are returned).
func (d *rateDetector) observe(category string, now time.Time) []anomalyFinding {
	findings := d.advance(now)
	c := d.categories[category]
	if c == nil {
		if len(d.categories) >= d.cfg.MaxCategories {
			return findings
		}
		c = &categoryRate{start: now.Truncate(d.cfg.BucketInterval)}
		d.categories[category] = c
	}
	c.count++
	return findings
}

// advance closes every bucket that ended at or before now and evaluates it.
// A finding is returned for each anomalous bucket, and for the first normal
// bucket after an anomalous one (so the anomaly post can be resolved).
func (d *rateDetector) advance(now time.Time) []anomalyFinding {
	var out []anomalyFinding
	width := d.cfg.BucketInterval
	for cat, c := range d.categories {
		steps := 0
		for !now.Before(c.start.Add(width)) {
			// After BaselineBuckets+1 empty buckets the history is all zeros:
			// skip the rest of a long idle gap in one step.
			if steps > d.cfg.BaselineBuckets+1 {
				c.start = now.Truncate(width)
				c.count = 0
				break
			}
			if f, ok := d.close(cat, c); ok {
				out = append(out, f)
			}
			c.start = c.start.Add(width)
			c.count = 0
			steps++
		}
	}
	return out
}

// close evaluates the open bucket and moves it to the history. Anomalous
// buckets are held apart while the anomaly lasts, so a storm does not
// inflate its own baseline; when it lasts BaselineBuckets buckets it becomes
// the new baseline.
func (d *rateDetector) close(cat string, c *categoryRate) (anomalyFinding, bool) {
	n := d.cfg.BaselineBuckets
	if len(c.history) < n {
		c.history = append(c.history, c.count)
		return anomalyFinding{}, false
	}
	mean, std := meanStd(c.history)
	z := (float64(c.count) - mean) / math.Max(std, 1)
	f := anomalyFinding{category: cat, start: c.start, count: c.count, mean: mean, stddev: std, zscore: z}
	f.anomalous = c.count >= int64(d.cfg.MinEvents) &&
		float64(c.count) > d.cfg.Factor*mean &&
		z >= d.cfg.ZScore
	wasFiring := c.firing
	c.firing = f.anomalous
	if f.anomalous {
		c.pending = append(c.pending, c.count)
		if len(c.pending) >= n {
			c.history = append(c.history[:0], c.pending[len(c.pending)-n:]...)
			c.pending = c.pending[:0]
		}
	} else {
		c.pending = c.pending[:0]
		c.history = append(c.history[1:], c.count)
	}
	if f.anomalous || wasFiring {
		return f, true
	}
	return anomalyFinding{}, false
}

func meanStd(xs []int64) (mean, std float64) {
	for _, x := range xs {
		mean += float64(x)
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		d := float64(x) - mean
		std += d * d
	}
	return mean, math.Sqrt(std / float64(len(xs)))
}
