package anomalyconnector

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/unitrack/unitrack/connector/anomalyconnector/internal/metadata"
)

// NewFactory returns the factory of the anomaly connector (type `anomaly`).
func NewFactory() connector.Factory {
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithLogsToLogs(createLogsToLogs, metadata.LogsToLogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Bucket:       time.Minute,
		EmitResolved: true,
		MaxSeries:    10000,
		ErrorRate: ErrorRateConfig{
			Enabled:         true,
			BaselineBuckets: 60,
			WarmupBuckets:   30,
			ZScore:          3.5,
			Ratio:           3,
			MinCount:        5,
			ResolveBuckets:  2,
		},
		Silence: SilenceConfig{
			Enabled:       true,
			Factor:        5,
			WarmupReports: 8,
			MinSilence:    time.Minute,
		},
		NewErrorNames: NewErrorNamesConfig{
			Enabled:      true,
			Warmup:       24 * time.Hour,
			MaxPerBucket: 5,
		},
	}
}

func createLogsToLogs(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Logs) (connector.Logs, error) {
	c, err := newAnomalyConnector(cfg.(*Config), set, next)
	if err != nil {
		return nil, fmt.Errorf("anomaly connector %s: %w", set.ID, err)
	}
	return c, nil
}
