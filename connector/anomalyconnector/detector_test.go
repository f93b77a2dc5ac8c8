package anomalyconnector

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// errorBuckets feeds counts[i] mcp errors (and one info event) in bucket i.
func errorBuckets(start time.Time, bucket time.Duration, counts ...int) []step {
	var steps []step
	for i, n := range counts {
		at := start.Add(time.Duration(i) * bucket)
		steps = append(steps, step{at: at.Add(time.Second), ev: &mcpInfo})
		if n > 0 {
			steps = append(steps, step{at: at.Add(2 * time.Second), ev: &mcpError, n: n})
		}
	}
	return steps
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestErrorRateSpikeIsOneEpisode(t *testing.T) {
	cfg := testConfig()
	d := newDetector(cfg)
	counts := append(repeat(2, 20), 20, 25, 2, 2, 2)
	steps := errorBuckets(t0, time.Minute, counts...)
	// A bucket is judged when it ends: the last one by a clock step.
	steps = append(steps, step{at: t0.Add(time.Duration(len(counts)) * time.Minute)})
	got := run(d, steps)
	require.Len(t, got, 2, "one detected and one resolved record for one episode: %+v", got)

	det, res := got[0], got[1]
	assert.False(t, det.Resolved)
	assert.Equal(t, kindErrorRate, det.Kind)
	assert.Equal(t, "agent-runner", det.Service)
	assert.Equal(t, "mcp", det.Category)
	// It fires when the bucket ends, with the bucket's whole count.
	spike := t0.Add(20 * time.Minute)
	assert.Equal(t, spike.Add(time.Minute), det.At)
	assert.Equal(t, spike, det.WindowStart)
	assert.Equal(t, spike.Add(time.Minute), det.WindowEnd)
	assert.InDelta(t, 2, det.Baseline, 0.01)
	assert.Equal(t, float64(20), det.Value)
	assert.GreaterOrEqual(t, det.Score, cfg.ErrorRate.ZScore)

	assert.True(t, res.Resolved)
	assert.Equal(t, spike, res.WindowStart)
	assert.Equal(t, spike.Add(4*time.Minute), res.WindowEnd, "resolved after resolve_buckets (2) normal buckets")
	assert.Equal(t, float64(25), res.Peak)
}

func TestErrorRateFromZeroNeedsMinCount(t *testing.T) {
	// A low zscore, so that min_count decides.
	cfg := testConfig()
	cfg.ErrorRate.ZScore = 1
	// Warm, with no errors at all: 1 to 4 errors in a bucket are not anomalies.
	for n := 1; n < 5; n++ {
		d := newDetector(cfg)
		assert.Empty(t, run(d, append(errorBuckets(t0, time.Minute, append(repeat(0, 10), n)...), step{at: t0.Add(11 * time.Minute)})), "%d errors", n)
	}
	// 5 (min_count) is.
	d := newDetector(cfg)
	got := run(d, append(errorBuckets(t0, time.Minute, append(repeat(0, 10), 5)...), step{at: t0.Add(11 * time.Minute)}))
	require.Len(t, got, 1, "%+v", got)
	assert.Equal(t, float64(5), got[0].Value)
	assert.Equal(t, t0.Add(10*time.Minute), got[0].WindowStart)
}

func TestErrorRateWaitsForWarmup(t *testing.T) {
	d := newDetector(testConfig())
	// warmup_buckets is 5: a spike in the fourth bucket of the series is learned.
	got := run(d, errorBuckets(t0, time.Minute, 0, 0, 0, 50, 0, 0, 0))
	assert.Empty(t, got)
	// The same spike once warm fires.
	// The learned spike widened the baseline; after a quiet while the same
	// spike once warm fires.
	got = run(d, errorBuckets(t0.Add(7*time.Minute), time.Minute, append(repeat(0, 40), 60, 0)...))
	require.Len(t, got, 1, "%+v", got)
}

func TestErrorRateAbsorbsALevelShift(t *testing.T) {
	d := newDetector(testConfig())
	counts := append(repeat(2, 20), repeat(30, 60)...)
	got := run(d, errorBuckets(t0, time.Minute, counts...))
	require.Len(t, got, 2, "a lasting new level is one episode that ends: %+v", got)
	assert.True(t, got[1].Resolved)
	lasted := got[1].WindowEnd.Sub(got[1].WindowStart)
	assert.Less(t, lasted, 40*time.Minute, "the baseline follows a new level within a few spans")
}

func TestErrorRateSeriesAreApart(t *testing.T) {
	d := newDetector(testConfig())
	other := mcpError
	other.service = "indexer"
	var steps []step
	for i := range 12 {
		at := t0.Add(time.Duration(i) * time.Minute)
		steps = append(steps, step{at: at, ev: &mcpInfo}, step{at: at, ev: &other, n: 3})
	}
	// agent-runner's mcp series has no errors: 6 is a spike there, though
	// indexer's mcp series has 3 a minute.
	steps = append(steps, step{at: t0.Add(12 * time.Minute), ev: &mcpError, n: 6}, step{at: t0.Add(13 * time.Minute)})
	got := run(d, steps)
	require.Len(t, got, 1, "%+v", got)
	assert.Equal(t, "agent-runner", got[0].Service)
}

func TestErrorRateIdleGapDecays(t *testing.T) {
	d := newDetector(testConfig())
	run(d, errorBuckets(t0, time.Minute, repeat(20, 15)...))
	s := d.rates[rateKey{"agent-runner", "mcp"}]
	require.NotNil(t, s)
	assert.InDelta(t, 20, s.mean, 0.5)
	// Three days of silence: the baseline decays to nothing, in bounded steps.
	later := t0.Add(72 * time.Hour)
	d.advance(later, nil)
	assert.Less(t, s.mean, 0.01)
	assert.Equal(t, later.Truncate(time.Minute), s.start)
}

// reports feeds healthOK every interval, n times from start.
func reports(start time.Time, interval time.Duration, n int) []step {
	var steps []step
	for i := range n {
		steps = append(steps, step{at: start.Add(time.Duration(i) * interval), ev: &healthOK})
	}
	return steps
}

func TestSilenceFiresOnceAndResolves(t *testing.T) {
	cfg := testConfig()
	d := newDetector(cfg)
	steps := reports(t0, 30*time.Second, 10)
	last := t0.Add(9 * 30 * time.Second)
	// 5 x 30s = 2m30s of silence is the limit: checked every second after.
	for s := time.Second; s <= 5*time.Minute; s += time.Second {
		steps = append(steps, step{at: last.Add(s)})
	}
	got := run(d, steps)
	require.Len(t, got, 1, "%+v", got)
	f := got[0]
	assert.Equal(t, kindSilence, f.Kind)
	assert.Equal(t, "health_monitor", f.Source)
	assert.Equal(t, track.AttrHealthCheck, f.SubjectKey)
	assert.Equal(t, "ollama", f.SubjectValue)
	assert.Equal(t, last.Add(2*time.Minute+31*time.Second), f.At)
	assert.Equal(t, last, f.WindowStart)
	assert.InDelta(t, 30, f.Baseline, 0.001)

	got = run(d, []step{{at: last.Add(6 * time.Minute), ev: &healthOK}})
	require.Len(t, got, 1)
	assert.True(t, got[0].Resolved)
	assert.Equal(t, last, got[0].WindowStart)
	assert.Equal(t, last.Add(6*time.Minute), got[0].WindowEnd)
	// The silence is not an interval of the source: it is watched as before.
	typical, watched := d.typicalInterval(d.sources[sourceKey{"health_monitor", "agent-runner", track.AttrHealthCheck, "ollama"}])
	assert.True(t, watched)
	assert.Equal(t, 30*time.Second, typical)
}

func TestSilenceMinSilence(t *testing.T) {
	cfg := testConfig()
	d := newDetector(cfg)
	steps := reports(t0, time.Second, 10)
	last := t0.Add(9 * time.Second)
	// 5 x 1s is 5s, but min_silence is 1m.
	steps = append(steps, step{at: last.Add(59 * time.Second)}, step{at: last.Add(61 * time.Second)})
	got := run(d, steps)
	require.Len(t, got, 1)
	assert.Equal(t, last.Add(61*time.Second), got[0].At)
}

func TestSilenceIgnoresIrregularSources(t *testing.T) {
	d := newDetector(testConfig())
	// A dashboard session: bursts of clicks with long pauses.
	var steps []step
	at := t0
	for i := range 40 {
		gap := 2 * time.Second
		if i%5 == 4 {
			gap = 20 * time.Minute
		}
		at = at.Add(gap)
		steps = append(steps, step{at: at, ev: &mcpInfo})
	}
	for s := time.Minute; s < 10*time.Hour; s += time.Minute {
		steps = append(steps, step{at: at.Add(s)})
	}
	assert.Empty(t, run(d, steps), "a source with pauses as long as factor x its median interval is not watched")
}

func TestSilenceBurstIsOneReport(t *testing.T) {
	d := newDetector(testConfig())
	var steps []step
	for i := range 10 {
		at := t0.Add(time.Duration(i) * time.Minute)
		steps = append(steps, step{at: at, ev: &healthOK, n: 5}, step{at: at.Add(10 * time.Millisecond), ev: &healthOK})
	}
	run(d, steps)
	typical, watched := d.typicalInterval(d.sources[sourceKey{"health_monitor", "agent-runner", track.AttrHealthCheck, "ollama"}])
	assert.True(t, watched)
	assert.InDelta(t, time.Minute, typical, float64(20*time.Millisecond), "bursts are one report each")
}

func TestNewErrorNames(t *testing.T) {
	cfg := testConfig()
	cfg.NewErrorNames.MaxPerBucket = 2
	d := newDetector(cfg)
	named := func(name string, sev plog.SeverityNumber) *ev {
		e := taskError
		e.name, e.sev = name, sev
		return &e
	}
	got := run(d, []step{
		{at: t0, ev: named("task.failed", plog.SeverityNumberError)},                        // learned in warm-up
		{at: t0.Add(59 * time.Minute), ev: named("task.timeout", plog.SeverityNumberError)}, // still warm-up
		{at: t0.Add(61 * time.Minute), ev: named("task.failed", plog.SeverityNumberError)},
		{at: t0.Add(61 * time.Minute), ev: named("task.timeout", plog.SeverityNumberFatal)},
		{at: t0.Add(62 * time.Minute), ev: named("task.new_info", plog.SeverityNumberInfo)}, // not an error
		{at: t0.Add(63 * time.Minute), ev: named("task.oom", plog.SeverityNumberError), n: 3},
	})
	require.Len(t, got, 1, "%+v", got)
	f := got[0]
	assert.Equal(t, kindNewErrorName, f.Kind)
	assert.Equal(t, "task.oom", f.EventName)
	assert.Equal(t, "task", f.Category)
	assert.Equal(t, "KeyError: 'facts'", f.Message)
	assert.Equal(t, t0, f.WindowStart, "the window is the learning time")

	// At most max_per_bucket per bucket; the rest are learned quietly.
	at := t0.Add(70 * time.Minute)
	got = run(d, []step{
		{at: at, ev: named("a", plog.SeverityNumberError)},
		{at: at, ev: named("b", plog.SeverityNumberError)},
		{at: at, ev: named("c", plog.SeverityNumberError)},
		{at: at.Add(time.Minute), ev: named("c", plog.SeverityNumberError)},
		{at: at.Add(time.Minute), ev: named("d", plog.SeverityNumberError)},
	})
	require.Len(t, got, 3, "%+v", got)
	assert.Equal(t, []string{"a", "b", "d"}, []string{got[0].EventName, got[1].EventName, got[2].EventName})
}

func TestMaxSeries(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSeries = 2
	d := newDetector(cfg)
	for i, cat := range []string{"a", "b", "c", "d"} {
		e := mcpError
		e.category, e.name = cat, "err."+cat
		d.observe(e.obs(), t0.Add(time.Duration(i)*time.Second), nil)
	}
	assert.Len(t, d.rates, 2)
	assert.Len(t, d.names, 2, "names are bounded too, the oldest forgotten")
	assert.Contains(t, d.names, nameKey{"agent-runner", "err.d"})
	assert.Contains(t, d.names, nameKey{"agent-runner", "err.c"})
	assert.Equal(t, int64(2), d.refused, "the rate series of c and d were refused (the source series is shared)")
}

func TestObserveDefaultsLikeRouting(t *testing.T) {
	// An OTLP record without track.*: category from the event name, source otlp.
	e := ev{service: "checkout", name: "db.corrupted", sev: plog.SeverityNumberFatal}
	o := e.obs()
	assert.Equal(t, "db", o.category)
	assert.Equal(t, track.SourceOTLP, o.source)
	assert.True(t, o.isError)
}
