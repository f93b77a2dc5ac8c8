package blogexporter

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/unitrack/unitrack/internal/httpguard"
	"github.com/unitrack/unitrack/internal/track"
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

	// ListsInterval is the longest index.html and feed.atom lag behind the
	// posts: changed posts are written with every batch, the two lists at
	// most once per interval (and on shutdown; they are rebuilt on start), so
	// a storm of new incidents costs its own posts, not a rewrite of the
	// lists per batch. 0 writes them with every batch.
	ListsInterval time.Duration `mapstructure:"lists_interval"`

	// Server serves the blog directory read-only over HTTP. Off unless the
	// `server` key is present (or `enabled: true` under it).
	Server configoptional.Optional[confighttp.ServerConfig] `mapstructure:"server"`

	// AllowedHosts are more names than localhost, loopback addresses and the
	// server's endpoint host that its Host header may carry (DNS-rebinding
	// guard): "name", "*.domain" or "*". See internal/httpguard.
	AllowedHosts []string `mapstructure:"allowed_hosts"`

	// RemovedAnomaly catches the removed `anomaly` key: anomaly detection is
	// the anomaly connector now (connector/anomalyconnector), which sees every
	// event, not only the blog's. Any value is a config error naming it.
	RemovedAnomaly map[string]any `mapstructure:"anomaly"`

	// Digest configures the periodic digest post.
	Digest DigestConfig `mapstructure:"digest"`

	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// QueueConfig is the standard sending_queue; on by default so a slow or
	// failing disk never blocks the pipelines that share the fan-out.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	// RetryConfig is the standard retry_on_failure for failed writes.
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`
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
		if !track.IsHTTPURL(cfg.DashboardURL) {
			errs = append(errs, fmt.Errorf("dashboard_url: must be an absolute http or https URL, got %q", cfg.DashboardURL))
		}
	}
	if cfg.MaxAge < 0 {
		errs = append(errs, fmt.Errorf("max_age: must not be negative, got %s", cfg.MaxAge))
	}
	if cfg.MaxPosts < 0 {
		errs = append(errs, fmt.Errorf("max_posts: must not be negative, got %d", cfg.MaxPosts))
	}
	if cfg.ListsInterval < 0 {
		errs = append(errs, fmt.Errorf("lists_interval: must not be negative (0 writes the lists with every batch), got %s", cfg.ListsInterval))
	}
	if cfg.FeedEntries <= 0 {
		errs = append(errs, fmt.Errorf("feed_entries: must be positive, got %d", cfg.FeedEntries))
	}
	if cfg.RemovedAnomaly != nil {
		errs = append(errs, errors.New("anomaly: the blog's anomaly detector was removed; anomaly detection is the `anomaly` connector (connector/anomalyconnector), on by default in otelcol.yaml, and its posts reach the blog through the routing table: delete this key"))
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
