// Hand-written in mdatagen's shape (mdatagen is not available here); keep it
// in step with ../../metadata.yaml.

package metadata

import (
	"errors"

	"go.opentelemetry.io/otel/metric"

	"go.opentelemetry.io/collector/component"
)

// Meter is the connector's meter.
func Meter(settings component.TelemetrySettings) metric.Meter {
	return settings.MeterProvider.Meter(ScopeName)
}

// TelemetryBuilder holds the connector's instruments.
type TelemetryBuilder struct {
	ConnectorAnomalyRecordsDropped metric.Int64Counter
	ConnectorAnomalyRecordsEmitted metric.Int64Counter
	ConnectorAnomalySeriesRefused  metric.Int64Counter
}

// Shutdown releases the builder (it registers no callbacks).
func (builder *TelemetryBuilder) Shutdown() {}

// NewTelemetryBuilder creates the connector's instruments.
func NewTelemetryBuilder(settings component.TelemetrySettings) (*TelemetryBuilder, error) {
	builder := TelemetryBuilder{}
	meter := Meter(settings)
	var err, errs error
	builder.ConnectorAnomalyRecordsDropped, err = meter.Int64Counter(
		"otelcol_connector_anomaly_records_dropped",
		metric.WithDescription("Number of anomaly records dropped because the routing pipeline refused them for good or too many were pending. [Alpha]"),
		metric.WithUnit("{record}"),
	)
	errs = errors.Join(errs, err)
	builder.ConnectorAnomalyRecordsEmitted, err = meter.Int64Counter(
		"otelcol_connector_anomaly_records_emitted",
		metric.WithDescription("Number of anomaly records sent into the routing pipeline, by kind (error_rate, silence, new_error_name) and status (detected, resolved). [Alpha]"),
		metric.WithUnit("{record}"),
	)
	errs = errors.Join(errs, err)
	builder.ConnectorAnomalySeriesRefused, err = meter.Int64Counter(
		"otelcol_connector_anomaly_series_refused",
		metric.WithDescription("Number of events whose new series was not tracked because max_series was reached. [Alpha]"),
		metric.WithUnit("{event}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
