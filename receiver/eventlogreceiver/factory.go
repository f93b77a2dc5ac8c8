package eventlogreceiver // import "github.com/unitrack/unitrack/receiver/eventlogreceiver"

import (
	"context"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/unitrack/unitrack/receiver/eventlogreceiver/internal/metadata"
)

// NewFactory returns the factory of the eventlog receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	fc := fileconsumer.NewConfig()
	// A json_events line maps to the record exactly: no log.file.* attributes
	// unless asked for (include_file_name / include_file_path).
	fc.IncludeFileName = false
	return &Config{
		Config:      *fc,
		RetryConfig: defaultRetry(),
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newEventlogReceiver(set, cfg.(*Config), next)
}
