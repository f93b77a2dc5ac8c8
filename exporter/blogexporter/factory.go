package blogexporter

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/unitrack/unitrack/exporter/blogexporter/internal/metadata"
)

const (
	defaultDirectory    = "./var/blog"
	defaultWindow       = 30 * time.Minute
	defaultDashboardURL = "http://localhost:8790"
	defaultServerAddr   = "localhost:8791"
	defaultMaxAge       = 30 * 24 * time.Hour
	defaultMaxPosts     = 1000
	defaultFeedEntries  = 50
)

// NewFactory returns the factory of the blog exporter (type `blog`).
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultServerAddr

	queue := exporterhelper.NewDefaultQueueConfig()
	// One consumer keeps the events of an incident in order (a recovery must
	// not overtake the failure it resolves).
	queue.NumConsumers = 1

	return &Config{
		Directory:     defaultDirectory,
		Window:        defaultWindow,
		DashboardURL:  defaultDashboardURL,
		MaxAge:        defaultMaxAge,
		MaxPosts:      defaultMaxPosts,
		FeedEntries:   defaultFeedEntries,
		ListsInterval: time.Second,
		Server:        configoptional.Default(server),
		Digest: DigestConfig{
			Enabled:      true,
			TimeOfDay:    "00:00",
			Timezone:     "UTC",
			TopIncidents: 10,
		},
		TimeoutConfig: exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:   configoptional.Some(queue),
		RetryConfig:   configretry.NewDefaultBackOffConfig(),
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	e, err := newBlogExporter(c, set)
	if err != nil {
		return nil, fmt.Errorf("blog exporter %s: %w", set.ID, err)
	}
	return exporterhelper.NewLogs(ctx, set, cfg,
		e.pushLogs,
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithRetry(c.RetryConfig),
	)
}
