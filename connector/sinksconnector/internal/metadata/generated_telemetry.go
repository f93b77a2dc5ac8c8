// Hand-written in the mdatagen shape: mdatagen is not served here.

package metadata

import (
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"
)

func Meter(settings component.TelemetrySettings) metric.Meter {
	return settings.MeterProvider.Meter(ScopeName)
}

// TelemetryBuilder holds the instruments declared in metadata.yaml.
type TelemetryBuilder struct {
	meter                           metric.Meter
	ConnectorSinksDroppedLogRecords metric.Int64Counter
	ConnectorSinksRefusedLogRecords metric.Int64Counter
	ConnectorSinksBlockedRequests   metric.Int64Counter
}

// Shutdown is kept for the generated shape; there are no async instruments.
func (builder *TelemetryBuilder) Shutdown() {}

// NewTelemetryBuilder creates the instruments declared in metadata.yaml.
func NewTelemetryBuilder(settings component.TelemetrySettings) (*TelemetryBuilder, error) {
	builder := TelemetryBuilder{meter: Meter(settings)}
	var err, errs error
	builder.ConnectorSinksDroppedLogRecords, err = builder.meter.Int64Counter(
		"otelcol_connector_sinks_dropped_log_records",
		metric.WithDescription("Log records an optional (when_full drop_newest) sink pipeline refused and that were dropped for it; counted before the pipeline's own route filter. [Development]"),
		metric.WithUnit("{record}"),
	)
	errs = errors.Join(errs, err)
	builder.ConnectorSinksRefusedLogRecords, err = builder.meter.Int64Counter(
		"otelcol_connector_sinks_refused_log_records",
		metric.WithDescription("Log records refused to the sender because a must-not-drop (when_full block) sink pipeline could not take them within max_block. [Development]"),
		metric.WithUnit("{record}"),
	)
	errs = errors.Join(errs, err)
	builder.ConnectorSinksBlockedRequests, err = builder.meter.Int64Counter(
		"otelcol_connector_sinks_blocked_requests",
		metric.WithDescription("Requests that had to wait for a must-not-drop sink pipeline (at least one retry). [Development]"),
		metric.WithUnit("{request}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
