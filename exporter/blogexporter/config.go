package blogexporter

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/unitrack/unitrack/internal/httpguard"
)

// Config is the blog exporter's configuration.
type Config struct {
	// Directory is where the posts, index.html and feed.atom are written.
	// It is created on start when missing.
	Directory string `mapstructure:"directory"`

	// Window groups events of the same incident key: an event that arrives
	// within Window of the incident's last event joins its post.
	Window time.Duration `mapstructure:"window"`

	// DashboardURL is the dashboard's base URL; each event in a post links to
	// <DashboardURL>/#/events/<id>. Empty disables the links.
	DashboardURL string `mapstructure:"dashboard_url"`

	// MaxAge removes posts not updated for longer than MaxAge. 0 keeps them.
	MaxAge time.Duration `mapstructure:"max_age"`

	// MaxPosts keeps at most this many posts, the least recently updated go
	// first. 0 means no limit.
	MaxPosts int `mapstructure:"max_posts"`

	// FeedEntries is the number of most recently updated posts in feed.atom.
	FeedEntries int `mapstructure:"feed_entries"`

	// Server serves the blog directory read-only over HTTP. Off unless the
	// `server` key is present (or `enabled: true` under it).
	Server configoptional.Optional[confighttp.ServerConfig] `mapstructure:"server"`

	// AllowedHosts are more names than localhost, loopback addresses and the
	// server's endpoint host that its Host header may carry (DNS-rebinding
	// guard): "name", "*.domain" or "*". See internal/httpguard.
	AllowedHosts []string `mapstructure:"allowed_hosts"`

	// Anomaly configures the event-rate anomaly detector (off by default).
	Anomaly AnomalyConfig `mapstructure:"anomaly"`

	// Digest configures the periodic digest post.
	Digest DigestConfig `mapstructure:"digest"`

	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// QueueConfig is the standard sending_queue; on by default so a slow or
	// failing disk never blocks the pipelines that share the fan-out.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	// BackOffConfig is the standard retry_on_failure for failed writes.
	BackOffConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`
}

// AnomalyConfig configures the detector of jumps in per-category event rates.
//
// Events are counted per track.category in buckets of BucketInterval. When a
// bucket closes with count c, and the previous BaselineBuckets buckets have
// mean m and standard deviation s, the bucket is anomalous when all of:
//
//	c >= MinEvents,  c > Factor*m,  (c-m)/max(s,1) >= ZScore
//
// The detector needs a full baseline (BaselineBuckets closed buckets since
// the category was first seen) before it reports anything.
type AnomalyConfig struct {
	// Enabled turns the detector on.
	Enabled bool `mapstructure:"enabled"`
	// BucketInterval is the width of one counting bucket.
	BucketInterval time.Duration `mapstructure:"bucket_interval"`
	// BaselineBuckets is the number of trailing buckets in the baseline.
	BaselineBuckets int `mapstructure:"baseline_buckets"`
	// Factor is how many times the baseline mean a bucket must exceed.
	Factor float64 `mapstructure:"factor"`
	// ZScore is the minimum number of standard deviations above the mean.
	ZScore float64 `mapstructure:"zscore"`
	// MinEvents is the minimum count in a bucket for it to be anomalous.
	MinEvents int `mapstructure:"min_events"`
	// MaxCategories bounds the categories tracked; new ones beyond are ignored.
	MaxCategories int `mapstructure:"max_categories"`
}

// DigestConfig configures the digest post: counts per category and severity,
// and the top incidents of the period, with links.
type DigestConfig struct {
	// Enabled turns the digest on.
	Enabled bool `mapstructure:"enabled"`
	// TimeOfDay is when the daily digest is written, "HH:MM" in Timezone.
	TimeOfDay string `mapstructure:"time_of_day"`
	// Interval, when set, writes a digest every Interval (aligned to the Unix
	// epoch) instead of daily at TimeOfDay.
	Interval time.Duration `mapstructure:"interval"`
	// Timezone is the IANA zone of TimeOfDay and of the digest titles.
	Timezone string `mapstructure:"timezone"`
	// TopIncidents is the number of incidents listed in a digest.
	TopIncidents int `mapstructure:"top_incidents"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration without touching the file system.
func (cfg *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(cfg.Directory) == "" {
		errs = append(errs, errors.New("directory: must not be empty"))
	}
	if err := httpguard.ValidateHosts("allowed_hosts", cfg.AllowedHosts); err != nil {
		errs = append(errs, err)
	}
	if cfg.Window <= 0 {
		errs = append(errs, fmt.Errorf("window: must be positive, got %s", cfg.Window))
	}
	if cfg.DashboardURL != "" {
		u, err := url.Parse(cfg.DashboardURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("dashboard_url: must be an absolute http or https URL, got %q", cfg.DashboardURL))
		}
	}
	if cfg.MaxAge < 0 {
		errs = append(errs, fmt.Errorf("max_age: must not be negative, got %s", cfg.MaxAge))
	}
	if cfg.MaxPosts < 0 {
		errs = append(errs, fmt.Errorf("max_posts: must not be negative, got %d", cfg.MaxPosts))
	}
	if cfg.FeedEntries <= 0 {
		errs = append(errs, fmt.Errorf("feed_entries: must be positive, got %d", cfg.FeedEntries))
	}
	if a := cfg.Anomaly; a.Enabled {
		if a.BucketInterval < time.Second {
			errs = append(errs, fmt.Errorf("anomaly::bucket_interval: must be at least 1s, got %s", a.BucketInterval))
		}
		if a.BaselineBuckets < 2 {
			errs = append(errs, fmt.Errorf("anomaly::baseline_buckets: must be at least 2, got %d", a.BaselineBuckets))
		}
		if a.Factor < 1 {
			errs = append(errs, fmt.Errorf("anomaly::factor: must be at least 1, got %g", a.Factor))
		}
		if a.ZScore <= 0 {
			errs = append(errs, fmt.Errorf("anomaly::zscore: must be positive, got %g", a.ZScore))
		}
		if a.MinEvents < 1 {
			errs = append(errs, fmt.Errorf("anomaly::min_events: must be at least 1, got %d", a.MinEvents))
		}
		if a.MaxCategories < 1 {
			errs = append(errs, fmt.Errorf("anomaly::max_categories: must be at least 1, got %d", a.MaxCategories))
		}
	}
	if d := cfg.Digest; d.Enabled {
		if d.Interval < 0 {
			errs = append(errs, fmt.Errorf("digest::interval: must not be negative, got %s", d.Interval))
		} else if d.Interval > 0 && d.Interval < time.Minute {
			errs = append(errs, fmt.Errorf("digest::interval: must be at least 1m, got %s", d.Interval))
		}
		if d.Interval == 0 {
			if _, err := parseTimeOfDay(d.TimeOfDay); err != nil {
				errs = append(errs, fmt.Errorf("digest::time_of_day: %w", err))
			}
		}
		if d.Timezone == "" {
			errs = append(errs, errors.New("digest::timezone: must not be empty (use UTC or an IANA zone name)"))
		}
		if d.TopIncidents < 1 {
			errs = append(errs, fmt.Errorf("digest::top_incidents: must be at least 1, got %d", d.TopIncidents))
		}
	}
	return errors.Join(errs...)
}

// parseTimeOfDay parses "HH:MM" into the offset from midnight.
func parseTimeOfDay(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("expected HH:MM (00:00 to 23:59), got %q", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}
