package dashboardexporter

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/unitrack/unitrack/internal/httpguard"
	"github.com/unitrack/unitrack/internal/track"
)

// Config is the dashboard exporter's configuration.
type Config struct {
	// ServerConfig is the dashboard's HTTP listener (endpoint, tls, auth, cors, ...).
	confighttp.ServerConfig `mapstructure:",squash"`

	// AllowedHosts are more names than localhost, loopback addresses and the
	// endpoint's host that the Host header may carry (DNS-rebinding guard):
	// "name", "*.domain" or "*" (no check). See internal/httpguard.
	AllowedHosts []string `mapstructure:"allowed_hosts"`

	// Directory holds the SQLite database (events.db and its WAL).
	Directory string `mapstructure:"directory"`

	// Retention bounds what the database keeps.
	Retention RetentionConfig `mapstructure:"retention"`

	// Tracker configures /tracker.js.
	Tracker TrackerConfig `mapstructure:"tracker"`

	// Links finds the blog posts and notifications an event caused.
	Links LinksConfig `mapstructure:"links"`

	// Sinks configures the sink health view (GET /api/sinks).
	Sinks SinksConfig `mapstructure:"sinks"`

	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// QueueConfig is the sending queue (with optional persistent storage).
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	// RetryConfig retries batches that failed to be written.
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`
}

// RetentionConfig bounds the stored history; a zero value does not bound.
type RetentionConfig struct {
	// MaxAge drops events older than this.
	MaxAge time.Duration `mapstructure:"max_age"`
	// MaxEvents keeps at most this many events (the newest).
	MaxEvents int64 `mapstructure:"max_events"`
	// MaxSizeMiB keeps the database's data under this many MiB.
	MaxSizeMiB int64 `mapstructure:"max_size_mib"`
	// Interval is how often retention runs.
	Interval time.Duration `mapstructure:"interval"`
	// AnalyticsMaxAge keeps the analytics' aggregates (uptime, incidents,
	// errors, rates per source) and the tombstones of removed events this
	// long; they outlive the events, so it is longer than max_age.
	AnalyticsMaxAge time.Duration `mapstructure:"analytics_max_age"`
}

// TrackerConfig configures the browser tracker script.
type TrackerConfig struct {
	// Endpoint is where the tracker posts reports (trackreceiver's dashboard
	// path) unless the script tag names one in data-endpoint.
	Endpoint string `mapstructure:"endpoint"`
	// MaxReportsPerMinute caps the reports one page sends per minute.
	MaxReportsPerMinute int `mapstructure:"max_reports_per_minute"`
}

// LinksConfig tells the dashboard where the blog's posts open. Which post
// and notifications belong to an event comes from the incident ledger (the
// incidents extension), never from the blog's or notify's files.
type LinksConfig struct {
	// BlogDirectory is blogexporter's directory; the dashboard serves its
	// posts at /blog/<slug>.html when BlogURL is empty.
	BlogDirectory string `mapstructure:"blog_directory"`
	// BlogURL is the base URL the blog is served at; posts link to
	// <blog_url>/<slug>.html.
	BlogURL string `mapstructure:"blog_url"`
}

// SinksConfig tells the dashboard where the collector's own metrics are, for
// each sink's queue fill and sent/failed counts. Policies, drops, refusals
// and statuses come from the sinkhealth extension when it runs.
type SinksConfig struct {
	// MetricsURL is the collector's Prometheus endpoint; empty turns the
	// queue figures off.
	MetricsURL string `mapstructure:"metrics_url"`
	// ScrapeTimeout bounds one scrape.
	ScrapeTimeout time.Duration `mapstructure:"scrape_timeout"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration without touching the file system.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.Directory == "" {
		errs = append(errs, errors.New("directory: must not be empty"))
	}
	if err := httpguard.ValidateHosts("allowed_hosts", cfg.AllowedHosts); err != nil {
		errs = append(errs, err)
	}
	r := cfg.Retention
	if r.MaxAge < 0 {
		errs = append(errs, fmt.Errorf("retention::max_age: must not be negative, got %s", r.MaxAge))
	}
	if r.MaxEvents < 0 {
		errs = append(errs, fmt.Errorf("retention::max_events: must not be negative, got %d", r.MaxEvents))
	}
	if r.MaxSizeMiB < 0 {
		errs = append(errs, fmt.Errorf("retention::max_size_mib: must not be negative, got %d", r.MaxSizeMiB))
	}
	if r.AnalyticsMaxAge < 0 {
		errs = append(errs, fmt.Errorf("retention::analytics_max_age: must not be negative, got %s", r.AnalyticsMaxAge))
	}
	if (r.MaxAge > 0 || r.MaxEvents > 0 || r.MaxSizeMiB > 0) && r.Interval <= 0 {
		errs = append(errs, fmt.Errorf("retention::interval: must be positive when a retention bound is set, got %s", r.Interval))
	}
	if cfg.Tracker.Endpoint != "" {
		if err := checkHTTPURL(cfg.Tracker.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("tracker::endpoint: %w", err))
		}
	}
	if cfg.Tracker.MaxReportsPerMinute < 0 {
		errs = append(errs, fmt.Errorf("tracker::max_reports_per_minute: must not be negative, got %d", cfg.Tracker.MaxReportsPerMinute))
	}
	if cfg.Sinks.MetricsURL != "" {
		if err := checkHTTPURL(cfg.Sinks.MetricsURL); err != nil {
			errs = append(errs, fmt.Errorf("sinks::metrics_url: %w", err))
		}
		if cfg.Sinks.ScrapeTimeout <= 0 {
			errs = append(errs, fmt.Errorf("sinks::scrape_timeout: must be positive when sinks::metrics_url is set, got %s", cfg.Sinks.ScrapeTimeout))
		}
	}
	if cfg.Links.BlogURL != "" {
		if err := checkHTTPURL(cfg.Links.BlogURL); err != nil {
			errs = append(errs, fmt.Errorf("links::blog_url: %w", err))
		}
	}
	return errors.Join(errs...)
}

func checkHTTPURL(s string) error {
	if !track.IsHTTPURL(s) {
		return fmt.Errorf("expected an absolute http or https URL, got %q", s)
	}
	return nil
}
