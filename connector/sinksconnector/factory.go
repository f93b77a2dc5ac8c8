package sinksconnector // import "github.com/unitrack/unitrack/connector/sinksconnector"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/unitrack/unitrack/connector/sinksconnector/internal/metadata"
)

// NewFactory returns the factory of the sinks connector (type "sinks").
func NewFactory() connector.Factory {
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithLogsToLogs(createLogsToLogs, metadata.LogsToLogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{}
}

func createLogsToLogs(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Logs) (connector.Logs, error) {
	return newSinksConnector(set, cfg.(*Config), next)
}
