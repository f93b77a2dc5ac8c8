package anomalyconnector

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config is the anomaly connector's configuration.
type Config struct {
	// Bucket is the width of one counting bucket of the error-rate detector,
	// aligned to the Unix epoch; rates are reported per bucket.
	Bucket time.Duration `mapstructure:"bucket"`
	// Storage names a storage extension (file_storage) that keeps the
	// baselines across restarts. Unset keeps them in memory only.
	Storage *component.ID `mapstructure:"storage"`
	// EmitResolved sends an anomaly.resolved record when an error-rate or
	// silence episode ends.
	EmitResolved bool `mapstructure:"emit_resolved"`
	// MaxSeries bounds the series each detector tracks (error-rate series,
	// silence sources, known error names); new ones beyond are not tracked.
	MaxSeries int `mapstructure:"max_series"`

	ErrorRate     ErrorRateConfig     `mapstructure:"error_rate"`
	Silence       SilenceConfig       `mapstructure:"silence"`
	NewErrorNames NewErrorNamesConfig `mapstructure:"new_error_names"`
}

// ErrorRateConfig configures the error-rate spike detector: per (service,
// category) the count of events of severity ERROR or above per bucket,
// against an exponentially weighted mean and variance of earlier buckets.
type ErrorRateConfig struct {
	// Enabled turns the detector on.
	Enabled bool `mapstructure:"enabled"`
	// BaselineBuckets is the span of the exponentially weighted baseline
	// (weight 2/(n+1) for the newest bucket).
	BaselineBuckets int `mapstructure:"baseline_buckets"`
	// WarmupBuckets is how many buckets a series must have been watched
	// before it may fire.
	WarmupBuckets int `mapstructure:"warmup_buckets"`
	// ZScore is the minimum number of standard deviations above the mean.
	ZScore float64 `mapstructure:"zscore"`
	// Ratio is how many times the mean a bucket must reach.
	Ratio float64 `mapstructure:"ratio"`
	// MinCount is the minimum number of errors in a bucket, so that a rise
	// from 0 to 1 is not an anomaly.
	MinCount int `mapstructure:"min_count"`
	// ResolveBuckets is how many consecutive normal buckets end an episode.
	ResolveBuckets int `mapstructure:"resolve_buckets"`
}

// SilenceConfig configures the dead-man's switch: per (track.source,
// service, subject) the typical interval between reports.
type SilenceConfig struct {
	// Enabled turns the detector on.
	Enabled bool `mapstructure:"enabled"`
	// Factor: a silence longer than Factor times the typical interval fires.
	// A source is watched only while none of its recorded intervals was
	// that long (it reports regularly).
	Factor float64 `mapstructure:"factor"`
	// WarmupReports is how many intervals must be recorded before a source
	// is watched.
	WarmupReports int `mapstructure:"warmup_reports"`
	// MinSilence is the shortest silence that fires, whatever the interval.
	MinSilence time.Duration `mapstructure:"min_silence"`
}

// NewErrorNamesConfig configures the detector of error event names (severity
// ERROR or above) never seen before from a service.
type NewErrorNamesConfig struct {
	// Enabled turns the detector on.
	Enabled bool `mapstructure:"enabled"`
	// Warmup is the learning period after the connector first saw an event:
	// names are only learned, never reported, before it ends.
	Warmup time.Duration `mapstructure:"warmup"`
	// MaxPerBucket bounds the new-name records per bucket (a storm of unique
	// names is learned, not reported one by one).
	MaxPerBucket int `mapstructure:"max_per_bucket"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration; it names each bad key and joins all errors.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Bucket < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("bucket: must be at least 100ms, got %s", cfg.Bucket))
	}
	if cfg.MaxSeries < 1 {
		errs = append(errs, fmt.Errorf("max_series: must be at least 1, got %d", cfg.MaxSeries))
	}
	if r := cfg.ErrorRate; r.Enabled {
		if r.BaselineBuckets < 2 {
			errs = append(errs, fmt.Errorf("error_rate::baseline_buckets: must be at least 2, got %d", r.BaselineBuckets))
		}
		if r.WarmupBuckets < 1 {
			errs = append(errs, fmt.Errorf("error_rate::warmup_buckets: must be at least 1, got %d", r.WarmupBuckets))
		}
		if r.ZScore <= 0 {
			errs = append(errs, fmt.Errorf("error_rate::zscore: must be positive, got %g", r.ZScore))
		}
		if r.Ratio < 1 {
			errs = append(errs, fmt.Errorf("error_rate::ratio: must be at least 1, got %g", r.Ratio))
		}
		if r.MinCount < 2 {
			errs = append(errs, fmt.Errorf("error_rate::min_count: must be at least 2, got %d", r.MinCount))
		}
		if r.ResolveBuckets < 1 {
			errs = append(errs, fmt.Errorf("error_rate::resolve_buckets: must be at least 1, got %d", r.ResolveBuckets))
		}
	}
	if s := cfg.Silence; s.Enabled {
		if s.Factor < 2 {
			errs = append(errs, fmt.Errorf("silence::factor: must be at least 2, got %g", s.Factor))
		}
		if s.WarmupReports < 3 || s.WarmupReports > maxIntervals {
			errs = append(errs, fmt.Errorf("silence::warmup_reports: must be between 3 and %d, got %d", maxIntervals, s.WarmupReports))
		}
		if s.MinSilence < 0 {
			errs = append(errs, fmt.Errorf("silence::min_silence: must not be negative, got %s", s.MinSilence))
		}
	}
	if n := cfg.NewErrorNames; n.Enabled {
		if n.Warmup < 0 {
			errs = append(errs, fmt.Errorf("new_error_names::warmup: must not be negative, got %s", n.Warmup))
		}
		if n.MaxPerBucket < 1 {
			errs = append(errs, fmt.Errorf("new_error_names::max_per_bucket: must be at least 1, got %d", n.MaxPerBucket))
		}
	}
	if !cfg.ErrorRate.Enabled && !cfg.Silence.Enabled && !cfg.NewErrorNames.Enabled {
		errs = append(errs, errors.New("error_rate::enabled, silence::enabled, new_error_names::enabled: at least one detector must be on (remove the connector from the pipelines to turn detection off)"))
	}
	return errors.Join(errs...)
}
