package dashboardexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/internal/metadata"
)

const (
	defaultEndpoint        = "localhost:8790"
	defaultDirectory       = "./var/dashboard"
	defaultTrackerEndpoint = "http://localhost:4320/v1/legacy/dashboard"
	// A client that has not sent its headers within this is a slowloris
	// (confighttp's default is a minute). No read_timeout: it would end
	// live streams.
	defaultReadHeaderTimeout = 10 * time.Second
	defaultMetricsURL        = "http://localhost:8888/metrics"
)

// NewFactory returns the factory of the dashboard exporter (type "dashboard").
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultEndpoint
	server.ReadHeaderTimeout = defaultReadHeaderTimeout
	queue := exporterhelper.NewDefaultQueueConfig()
	// One writer: more consumers would only queue on SQLite's write lock.
	queue.NumConsumers = 1
	batch := exporterhelper.NewDefaultBatchConfig()
	batch.FlushTimeout = 100 * time.Millisecond
	batch.MinSize = 1000
	queue.Batch = configoptional.Some(batch)
	return &Config{
		ServerConfig: server,
		Directory:    defaultDirectory,
		Retention: RetentionConfig{
			MaxAge:     7 * 24 * time.Hour,
			MaxEvents:  5_000_000,
			MaxSizeMiB: 2048,
			Interval:   time.Minute,
			// The uptime's longest window is 30 days.
			AnalyticsMaxAge: 31 * 24 * time.Hour,
		},
		Sinks: SinksConfig{
			MetricsURL:    defaultMetricsURL,
			ScrapeTimeout: 2 * time.Second,
		},
		Tracker: TrackerConfig{
			Endpoint:            defaultTrackerEndpoint,
			MaxReportsPerMinute: 20,
		},
		TimeoutConfig: exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:   configoptional.Some(queue),
		RetryConfig:   configretry.NewDefaultBackOffConfig(),
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	e, err := newDashboardExporter(c, set)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewLogs(ctx, set, cfg, e.pushLogs,
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithRetry(c.RetryConfig),
	)
}
