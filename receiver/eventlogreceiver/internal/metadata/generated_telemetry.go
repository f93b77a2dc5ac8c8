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
	return settings.MeterProvider.Meter("github.com/unitrack/unitrack/receiver/eventlogreceiver")
}

func Tracer(settings component.TelemetrySettings) trace.Tracer {
	return settings.TracerProvider.Tracer("github.com/unitrack/unitrack/receiver/eventlogreceiver")
}

// TelemetryBuilder provides an interface for components to report telemetry
// as defined in metadata and user config.
type TelemetryBuilder struct {
	meter                          metric.Meter
	mu                             sync.Mutex
	registrations                  []metric.Registration
	ReceiverEventlogDroppedRecords metric.Int64Counter
	ReceiverEventlogMalformedLines metric.Int64Counter
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
	builder.ReceiverEventlogDroppedRecords, err = builder.meter.Int64Counter(
		"otelcol_receiver_eventlog_dropped_records",
		metric.WithDescription("Decoded records given up on after the next consumer refused them permanently or retries ran out. [Development]"),
		metric.WithUnit("{record}"),
	)
	errs = errors.Join(errs, err)
	builder.ReceiverEventlogMalformedLines, err = builder.meter.Int64Counter(
		"otelcol_receiver_eventlog_malformed_lines",
		metric.WithDescription("Lines of a tailed event log file that were not a valid json_events object; each is logged with file and line number and skipped. [Development]"),
		metric.WithUnit("{line}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
