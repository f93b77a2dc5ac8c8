package anomalyconnector

import (
	"math"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/track"
)

// Detector kinds, the anomaly.kind attribute.
const (
	kindErrorRate    = "error_rate"
	kindSilence      = "silence"
	kindNewErrorName = "new_error_name"
)

const (
	// maxIntervals is how many report intervals a source keeps.
	maxIntervals = 16
	// maxSkipBuckets bounds the buckets closed one by one after an idle
	// gap; past it the baseline is decayed in one step.
	maxSkipBuckets = 1000
	// longestDecay halves the remembered longest interval over 1000 intervals.
	longestDecay = 0.999307
	// maxVariation is the largest coefficient of variation of a regular
	// source's intervals (random arrivals have 1).
	maxVariation = 0.5
	// maxFlaps is how many recent silences make a source bursty.
	maxFlaps = 3
)

// observation is what the detectors read from one record.
type observation struct {
	service      string
	category     string
	source       string
	subjectKey   string
	subjectValue string
	eventName    string
	message      string
	isError      bool
}

// observe reads a record the way routing will see it: track.category and
// track.source default as the route processor's normalisation sets them.
func observe(lr plog.LogRecord, res pcommon.Resource, scopeName string) observation {
	attrs := lr.Attributes()
	o := observation{
		eventName: lr.EventName(),
		isError:   lr.SeverityNumber() >= plog.SeverityNumberError,
	}
	if v, ok := res.Attributes().Get(track.AttrServiceName); ok {
		o.service = v.AsString()
	}
	if v, ok := attrs.Get(track.AttrCategory); ok {
		o.category = v.AsString()
	} else {
		o.category = track.CategoryOf(lr.EventName(), scopeName)
	}
	if v, ok := attrs.Get(track.AttrSource); ok {
		o.source = v.AsString()
	} else {
		o.source = track.SourceOTLP
	}
	o.subjectKey, o.subjectValue = incident.Subject(attrs)
	if o.isError && o.eventName != "" {
		o.message = lr.Body().AsString()
	}
	return o
}

// finding is one detection (or the end of one) for the record builder.
type finding struct {
	Kind     string
	Resolved bool
	At       time.Time
	Service  string
	// Category is the error-rate series' or the new error name's category.
	Category string
	// Source and the subject identify a silent source.
	Source       string
	SubjectKey   string
	SubjectValue string
	// EventName and Message are the new error name and its first message.
	EventName string
	Message   string
	// Value, Baseline and Score: errors in the bucket, the usual count and
	// the z-score (error rate); the silence, the typical interval (seconds)
	// and their ratio (silence); 1, 0, 0 (new error name).
	Value    float64
	Baseline float64
	StdDev   float64
	Score    float64
	// Peak is the largest bucket of an error-rate episode (resolved only).
	Peak        float64
	WindowStart time.Time
	WindowEnd   time.Time
}

type rateKey struct{ service, category string }

type sourceKey struct{ source, service, subjectKey, subjectValue string }

type nameKey struct{ service, name string }

// rateSeries is one (service, category) error count and its baseline.
type rateSeries struct {
	start     time.Time // start of the open bucket
	count     int64     // errors in the open bucket
	threshold int64     // count at which the open bucket is anomalous
	mean      float64   // exponentially weighted mean of closed buckets
	variance  float64   // and their variance
	buckets   int64     // closed buckets watched
	firing    bool
	episode   time.Time // start of the firing episode
	peak      int64
	normal    int // consecutive normal buckets while firing
}

// sourceSeries is one reporting source and its intervals.
type sourceSeries struct {
	last      time.Time
	intervals []int64 // milliseconds, oldest first
	longest   float64 // longest interval (ms), decaying by half over 1000 intervals
	flaps     float64 // silences that ended, decaying the same way
	firing    bool
	typical   time.Duration // the typical interval when it fired
	skipNext  bool          // the next interval spans a restart
}

// detector holds the three detectors' state. It does no I/O and reads no
// clock: every call is given the time.
type detector struct {
	cfg        *Config
	resolution time.Duration

	since   time.Time // first event ever observed
	rates   map[rateKey]*rateSeries
	sources map[sourceKey]*sourceSeries
	names   map[nameKey]int64 // last seen, Unix ms

	newBucket   time.Time // bucket of the new-name budget
	newInBucket int

	refused int64 // series not tracked because of max_series, since last read
	dirty   bool  // changed since the last snapshot
}

func newDetector(cfg *Config) *detector {
	return &detector{
		cfg:        cfg,
		resolution: resolutionOf(cfg.Bucket),
		rates:      map[rateKey]*rateSeries{},
		sources:    map[sourceKey]*sourceSeries{},
		names:      map[nameKey]int64{},
	}
}

// resolutionOf is the finest time step the detectors tell apart: reports
// closer than this are one report, and silences are checked this often.
func resolutionOf(bucket time.Duration) time.Duration {
	return min(time.Second, max(bucket/4, 10*time.Millisecond))
}

// observe takes one event at now and returns what it set off.
func (d *detector) observe(o observation, now time.Time, out []finding) []finding {
	if d.since.IsZero() {
		d.since = now
	}
	d.dirty = true
	if d.cfg.ErrorRate.Enabled {
		out = d.observeRate(o, now, out)
	}
	if d.cfg.Silence.Enabled {
		out = d.observeSource(o, now, out)
	}
	if d.cfg.NewErrorNames.Enabled && o.isError && o.eventName != "" {
		out = d.observeName(o, now, out)
	}
	return out
}

// advance closes the buckets that ended by now and checks for silences.
func (d *detector) advance(now time.Time, out []finding) []finding {
	if d.cfg.ErrorRate.Enabled {
		for k, s := range d.rates {
			out = d.advanceRate(k, s, now, out)
		}
	}
	if d.cfg.Silence.Enabled {
		for k, s := range d.sources {
			out = d.checkSource(k, s, now, out)
		}
	}
	return out
}

// ---- error rate

func (d *detector) observeRate(o observation, now time.Time, out []finding) []finding {
	k := rateKey{o.service, o.category}
	s := d.rates[k]
	if s == nil {
		if len(d.rates) >= d.cfg.MaxSeries {
			d.refused++
			return out
		}
		s = &rateSeries{start: now.Truncate(d.cfg.Bucket)}
		s.threshold = d.threshold(s)
		d.rates[k] = s
	}
	out = d.advanceRate(k, s, now, out)
	if !o.isError {
		return out
	}
	s.count++
	return out
}

func (d *detector) rateWarm(s *rateSeries) bool {
	return s.buckets >= int64(d.cfg.ErrorRate.WarmupBuckets)
}

func (d *detector) fireRate(k rateKey, s *rateSeries, now time.Time) finding {
	s.firing, s.episode, s.peak, s.normal = true, s.start, s.count, 0
	sd := d.stddev(s)
	return finding{
		Kind: kindErrorRate, At: now, Service: k.service, Category: k.category,
		Value: float64(s.count), Baseline: s.mean, StdDev: sd,
		Score:       zscore(s, float64(s.count)),
		WindowStart: s.start, WindowEnd: now,
	}
}

// stddev is the baseline's standard deviation with a Poisson floor: counts
// of rare errors have a variance at least their mean.
func (d *detector) stddev(s *rateSeries) float64 {
	return math.Sqrt(math.Max(s.variance, s.mean))
}

// dispersion is the baseline's variance over its mean, at least 1 (Poisson);
// below a mean of 1 the counts are taken as Poisson (the ratio of two
// decaying small numbers says nothing).
func dispersion(s *rateSeries) float64 {
	return math.Max(1, s.variance/math.Max(s.mean, 1))
}

// zscore of count c against the baseline, on the Anscombe scale: for
// Poisson counts 2*sqrt(c+3/8) has a variance close to 1 whatever the mean,
// so that the same threshold holds for rare and for frequent errors (a
// plain (c-mean)/stddev fires far too often on small counts); overdispersed
// series are scaled down by their dispersion.
func zscore(s *rateSeries, c float64) float64 {
	return 2 * (math.Sqrt(c+0.375) - math.Sqrt(s.mean+0.375)) / math.Sqrt(dispersion(s))
}

// threshold is the smallest count of an anomalous bucket:
// count >= min_count, count >= ratio*mean and zscore(count) >= zscore.
func (d *detector) threshold(s *rateSeries) int64 {
	c := d.cfg.ErrorRate
	root := c.ZScore*math.Sqrt(dispersion(s))/2 + math.Sqrt(s.mean+0.375)
	t := math.Max(float64(c.MinCount), math.Max(c.Ratio*s.mean, root*root-0.375))
	// Round away float noise before ceil (2.0000000001 is 2).
	return int64(math.Ceil(t - 1e-9))
}

func (d *detector) advanceRate(k rateKey, s *rateSeries, now time.Time, out []finding) []finding {
	width := d.cfg.Bucket
	for steps := 0; !now.Before(s.start.Add(width)); steps++ {
		if steps >= maxSkipBuckets && !s.firing {
			// A long idle gap: every bucket is 0, decay in one step.
			n := int64(now.Sub(s.start) / width)
			decay := math.Pow(1-d.alpha(s), float64(n))
			s.mean *= decay
			s.variance *= decay
			s.buckets += n
			s.start = s.start.Add(time.Duration(n) * width)
			s.threshold = d.threshold(s)
			break
		}
		out = d.closeRate(k, s, out)
	}
	return out
}

// alpha is the weight of the newest bucket: 2/(n+1) for a span of n, and
// a plain running mean while fewer than n buckets were seen.
func (d *detector) alpha(s *rateSeries) float64 {
	n := float64(d.cfg.ErrorRate.BaselineBuckets)
	a := 2 / (n + 1)
	if seen := float64(s.buckets); seen < n {
		a = math.Max(a, 1/(seen+1))
	}
	return a
}

// closeRate ends the open bucket: it may end an episode, and it feeds the
// baseline, clipped at the threshold once warm so that a spike does not
// inflate the baseline it is measured against.
func (d *detector) closeRate(k rateKey, s *rateSeries, out []finding) []finding {
	end := s.start.Add(d.cfg.Bucket)
	warm := d.rateWarm(s)
	anomalous := warm && s.count >= s.threshold
	switch {
	case anomalous && !s.firing:
		out = append(out, d.fireRate(k, s, end))
	case anomalous:
		s.normal = 0
		s.peak = max(s.peak, s.count)
	case s.firing:
		s.normal++
		if s.normal >= d.cfg.ErrorRate.ResolveBuckets {
			s.firing = false
			out = append(out, finding{
				Kind: kindErrorRate, Resolved: true, At: end, Service: k.service, Category: k.category,
				Value: float64(s.count), Baseline: s.mean, StdDev: d.stddev(s), Peak: float64(s.peak),
				WindowStart: s.episode, WindowEnd: end,
			})
		}
	}
	x := float64(s.count)
	if warm {
		x = math.Min(x, float64(s.threshold))
	}
	a := d.alpha(s)
	diff := x - s.mean
	s.mean += a * diff
	// An anomalous bucket moves the mean (so that a lasting new level ends
	// the episode) but not the variance, which it would inflate enough to
	// hide the next buckets of the same spike.
	if !anomalous {
		s.variance = (1 - a) * (s.variance + a*diff*diff)
	}
	s.buckets++
	s.start = end
	s.count = 0
	s.threshold = d.threshold(s)
	return out
}

// ---- silence

func (d *detector) observeSource(o observation, now time.Time, out []finding) []finding {
	k := sourceKey{o.source, o.service, o.subjectKey, o.subjectValue}
	s := d.sources[k]
	if s == nil {
		if len(d.sources) >= d.cfg.MaxSeries {
			d.refused++
			return out
		}
		d.sources[k] = &sourceSeries{last: now}
		return out
	}
	gap := now.Sub(s.last)
	switch {
	case s.firing:
		s.firing = false
		s.flaps++
		out = append(out, finding{
			Kind: kindSilence, Resolved: true, At: now, Service: k.service, Source: k.source,
			SubjectKey: k.subjectKey, SubjectValue: k.subjectValue,
			Value: gap.Seconds(), Baseline: s.typical.Seconds(), Score: gap.Seconds() / math.Max(s.typical.Seconds(), 1e-9),
			WindowStart: s.last, WindowEnd: now,
		})
	case gap < d.resolution:
		// Part of the same report (a batch, a burst).
	case s.skipNext:
		s.skipNext = false
	default:
		ms := gap.Milliseconds()
		s.intervals = append(s.intervals, ms)
		s.longest = math.Max(float64(ms), s.longest*longestDecay)
		s.flaps *= longestDecay
		if len(s.intervals) > maxIntervals {
			s.intervals = s.intervals[len(s.intervals)-maxIntervals:]
		}
	}
	if now.After(s.last) {
		s.last = now
	}
	return out
}

// typicalInterval is the median of the recorded intervals, and whether the
// source is watched: warmed up, and no interval as long as the silence that
// would fire (it reports regularly). The longest interval is remembered
// beyond the last 16 (decaying by half over 1000 intervals), so that a
// bursty source's pauses keep it unwatched between them. Sources whose
// intervals vary more than maxVariation of their mean (random arrivals such
// as clicks), and sources that went silent and came back maxFlaps times
// recently (bursty, not dead), are not watched either.
func (d *detector) typicalInterval(s *sourceSeries) (time.Duration, bool) {
	c := d.cfg.Silence
	if len(s.intervals) < c.WarmupReports {
		return 0, false
	}
	sorted := slices.Clone(s.intervals)
	slices.Sort(sorted)
	n := len(sorted)
	med := float64(sorted[n/2])
	if n%2 == 0 {
		med = (float64(sorted[n/2-1]) + med) / 2
	}
	if math.Max(float64(sorted[n-1]), s.longest) >= c.Factor*med || s.flaps >= maxFlaps {
		return 0, false
	}
	var sum, sq float64
	for _, v := range sorted {
		sum += float64(v)
	}
	mean := sum / float64(n)
	for _, v := range sorted {
		sq += (float64(v) - mean) * (float64(v) - mean)
	}
	if math.Sqrt(sq/float64(n)) > maxVariation*mean {
		return 0, false
	}
	return time.Duration(med * float64(time.Millisecond)), true
}

func (d *detector) checkSource(k sourceKey, s *sourceSeries, now time.Time, out []finding) []finding {
	if s.firing {
		return out
	}
	typical, watched := d.typicalInterval(s)
	if !watched {
		return out
	}
	limit := max(time.Duration(d.cfg.Silence.Factor*float64(typical)), d.cfg.Silence.MinSilence)
	silence := now.Sub(s.last)
	if silence <= limit {
		return out
	}
	s.firing, s.typical = true, typical
	d.dirty = true
	return append(out, finding{
		Kind: kindSilence, At: now, Service: k.service, Source: k.source,
		SubjectKey: k.subjectKey, SubjectValue: k.subjectValue,
		Value: silence.Seconds(), Baseline: typical.Seconds(), Score: silence.Seconds() / math.Max(typical.Seconds(), 1e-9),
		WindowStart: s.last, WindowEnd: now,
	})
}

// ---- new error names

func (d *detector) observeName(o observation, now time.Time, out []finding) []finding {
	k := nameKey{o.service, o.eventName}
	ms := now.UnixMilli()
	if _, known := d.names[k]; known {
		d.names[k] = ms
		return out
	}
	if len(d.names) >= d.cfg.MaxSeries {
		d.evictOldestName()
	}
	d.names[k] = ms
	if now.Sub(d.since) < d.cfg.NewErrorNames.Warmup {
		return out
	}
	if b := now.Truncate(d.cfg.Bucket); !b.Equal(d.newBucket) {
		d.newBucket, d.newInBucket = b, 0
	}
	if d.newInBucket >= d.cfg.NewErrorNames.MaxPerBucket {
		return out
	}
	d.newInBucket++
	return append(out, finding{
		Kind: kindNewErrorName, At: now, Service: k.service, Category: o.category,
		EventName: k.name, Message: o.message, Value: 1,
		WindowStart: d.since, WindowEnd: now,
	})
}

// evictOldestName forgets the name seen least recently, so that the set
// stays bounded while the newest names are remembered.
func (d *detector) evictOldestName() {
	var oldest nameKey
	at := int64(math.MaxInt64)
	for k, ms := range d.names {
		if ms < at || ms == at && (k.service < oldest.service || k.service == oldest.service && k.name < oldest.name) {
			oldest, at = k, ms
		}
	}
	delete(d.names, oldest)
}
