package routeprocessor // import "github.com/unitrack/unitrack/processor/routeprocessor"

import (
	"context"
	"fmt"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/processor/routeprocessor/internal/metadata"
)

// NewFactory returns the factory of the route processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		metadata.Type,
		createDefaultConfig,
		processor.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{ErrorMode: ottl.PropagateError}
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	c := cfg.(*Config)
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("creating the route processor's telemetry: %w", err)
	}
	shutdown := func(context.Context) error {
		tb.Shutdown()
		set.Logger.Info("Route processor stopped")
		return nil
	}

	if c.Select != "" {
		p := newSelectProcessor(c.Select, set.Logger, tb)
		return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
			processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
			processorhelper.WithStart(func(context.Context, component.Host) error {
				set.Logger.Info("Route processor selecting one sink", zap.String("sink", c.Select))
				return nil
			}),
			processorhelper.WithShutdown(shutdown))
	}

	t, err := newTable(c, set.TelemetrySettings)
	if err != nil {
		tb.Shutdown()
		return nil, fmt.Errorf("invalid routing table: %w", err)
	}
	p := newTableProcessor(c, set.Logger, tb, t)
	return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		processorhelper.WithStart(func(context.Context, component.Host) error {
			set.Logger.Info("Route processor evaluating the routing table",
				zap.Int("routes", t.Len()), zap.Strings("sinks", t.SinkNames),
				zap.String("error_mode", string(c.ErrorMode)))
			return nil
		}),
		processorhelper.WithShutdown(shutdown))
}
