package eventlogexporter // import "github.com/unitrack/unitrack/exporter/eventlogexporter"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/unitrack/unitrack/exporter/eventlogexporter/internal/metadata"
)

const (
	defaultPath          = "./var/eventlog/events.jsonl"
	defaultMaxMegabytes  = 100
	defaultMaxBackups    = 5
	defaultFsyncInterval = time.Second
	// defaultDedupWindow covers a few seconds of the pipeline at full speed,
	// more than a queue holds in flight; about 5 MB.
	defaultDedupWindow = 100_000
)

// NewFactory returns the factory of the eventlog exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Path:          defaultPath,
		MaxMegabytes:  defaultMaxMegabytes,
		MaxBackups:    defaultMaxBackups,
		Fsync:         FsyncBatch,
		FsyncInterval: defaultFsyncInterval,
		DedupWindow:   defaultDedupWindow,
		TimeoutConfig: exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:   metadata.NewDefaultSendingQueueConfig(),
		RetryConfig:   configretry.NewDefaultBackOffConfig(),
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	e, err := newEventlogExporter(set, c)
	if err != nil {
		return nil, err
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
