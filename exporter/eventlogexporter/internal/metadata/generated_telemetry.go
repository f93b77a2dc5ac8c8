// Hand-written in the shape mdatagen generates (mdatagen is not served here).
// metadata_test.go in the component checks it against metadata.yaml: change both together.

package metadata

import (
	"errors"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

func Meter(settings component.TelemetrySettings) metric.Meter {
	return settings.MeterProvider.Meter("github.com/unitrack/unitrack/exporter/eventlogexporter")
}

func Tracer(settings component.TelemetrySettings) trace.Tracer {
	return settings.TracerProvider.Tracer("github.com/unitrack/unitrack/exporter/eventlogexporter")
}

// TelemetryBuilder provides an interface for components to report telemetry
// as defined in metadata and user config.
type TelemetryBuilder struct {
	meter                        metric.Meter
	mu                           sync.Mutex
	registrations                []metric.Registration
	ExporterEventlogLinesWritten metric.Int64Counter
	ExporterEventlogRotations    metric.Int64Counter
}

// Shutdown unregister all registered callbacks for async instruments.
func (builder *TelemetryBuilder) Shutdown() {
	builder.mu.Lock()
	defer builder.mu.Unlock()
	for _, reg := range builder.registrations {
		reg.Unregister()
	}
}

// NewTelemetryBuilder provides a struct with methods to update all internal telemetry
// for a component
func NewTelemetryBuilder(settings component.TelemetrySettings) (*TelemetryBuilder, error) {
	builder := TelemetryBuilder{}
	builder.meter = Meter(settings)
	var err, errs error
	builder.ExporterEventlogLinesWritten, err = builder.meter.Int64Counter(
		"otelcol_exporter_eventlog_lines_written",
		metric.WithDescription("json_events lines written to the event log file. [Development]"),
		metric.WithUnit("{line}"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterEventlogRotations, err = builder.meter.Int64Counter(
		"otelcol_exporter_eventlog_rotations",
		metric.WithDescription("Times the event log file was rotated because it reached max_megabytes. [Development]"),
		metric.WithUnit("{rotation}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
