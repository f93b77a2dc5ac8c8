// Hand-written in the shape mdatagen generates (mdatagen is not served here).
// metadata_test.go in the component checks it against metadata.yaml: change both together.

package metadata

import (
	"errors"
	"sync"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"go.opentelemetry.io/collector/component"
)

func Meter(settings component.TelemetrySettings) metric.Meter {
	return settings.MeterProvider.Meter("github.com/unitrack/unitrack/processor/routeprocessor")
}

func Tracer(settings component.TelemetrySettings) trace.Tracer {
	return settings.TracerProvider.Tracer("github.com/unitrack/unitrack/processor/routeprocessor")
}

// TelemetryBuilder provides an interface for components to report telemetry
// as defined in metadata and user config.
type TelemetryBuilder struct {
	meter                          metric.Meter
	mu                             sync.Mutex
	registrations                  []metric.Registration
	ProcessorRouteConditionErrors  metric.Int64Counter
	ProcessorRouteRecordsDropped   metric.Int64Counter
	ProcessorRouteRecordsKept      metric.Int64Counter
	ProcessorRouteRecordsRouted    metric.Int64Counter
	ProcessorRouteRecordsUnmatched metric.Int64Counter
}

// TelemetryBuilderOption applies changes to default builder.
type TelemetryBuilderOption interface {
	apply(*TelemetryBuilder)
}

type telemetryBuilderOptionFunc func(mb *TelemetryBuilder)

func (tbof telemetryBuilderOptionFunc) apply(mb *TelemetryBuilder) {
	tbof(mb)
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
func NewTelemetryBuilder(settings component.TelemetrySettings, options ...TelemetryBuilderOption) (*TelemetryBuilder, error) {
	builder := TelemetryBuilder{}
	for _, op := range options {
		op.apply(&builder)
	}
	builder.meter = Meter(settings)
	var err, errs error
	builder.ProcessorRouteConditionErrors, err = builder.meter.Int64Counter(
		"otelcol_processor_route_condition_errors",
		metric.WithDescription("Number of route condition evaluations that failed (table mode), by route. [Alpha]"),
		metric.WithUnit("{error}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorRouteRecordsDropped, err = builder.meter.Int64Counter(
		"otelcol_processor_route_records_dropped",
		metric.WithDescription("Number of log records a select instance dropped because their track.routes does not hold its sink. [Alpha]"),
		metric.WithUnit("{record}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorRouteRecordsKept, err = builder.meter.Int64Counter(
		"otelcol_processor_route_records_kept",
		metric.WithDescription("Number of log records a select instance kept because their track.routes holds its sink. [Alpha]"),
		metric.WithUnit("{record}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorRouteRecordsRouted, err = builder.meter.Int64Counter(
		"otelcol_processor_route_records_routed",
		metric.WithDescription("Number of log records the routing table sent to a sink (table mode), by sink. [Alpha]"),
		metric.WithUnit("{record}"),
	)
	errs = errors.Join(errs, err)
	builder.ProcessorRouteRecordsUnmatched, err = builder.meter.Int64Counter(
		"otelcol_processor_route_records_unmatched",
		metric.WithDescription("Number of log records that matched no route and went to default_sinks (table mode). [Alpha]"),
		metric.WithUnit("{record}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
