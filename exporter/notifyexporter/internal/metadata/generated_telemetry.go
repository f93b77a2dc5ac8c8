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
	return settings.MeterProvider.Meter(ScopeName)
}

func Tracer(settings component.TelemetrySettings) trace.Tracer {
	return settings.TracerProvider.Tracer(ScopeName)
}

// TelemetryBuilder provides an interface for components to report telemetry
// as defined in metadata and user config.
type TelemetryBuilder struct {
	meter                                 metric.Meter
	mu                                    sync.Mutex
	registrations                         []metric.Registration
	ExporterNotifyNotificationsFailed     metric.Int64Counter
	ExporterNotifyNotificationsSent       metric.Int64Counter
	ExporterNotifyNotificationsSuppressed metric.Int64Counter
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
	builder.ExporterNotifyNotificationsFailed, err = builder.meter.Int64Counter(
		"otelcol_exporter_notify_notifications_failed",
		metric.WithDescription("Delivery attempts that failed, by target and whether the failure is permanent (the notification is dropped) or retryable (exporterhelper retries it). [Alpha]"),
		metric.WithUnit("{notification}"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterNotifyNotificationsSent, err = builder.meter.Int64Counter(
		"otelcol_exporter_notify_notifications_sent",
		metric.WithDescription("Notifications delivered to a target, by target and status (firing, resolved). [Alpha]"),
		metric.WithUnit("{notification}"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterNotifyNotificationsSuppressed, err = builder.meter.Int64Counter(
		"otelcol_exporter_notify_notifications_suppressed",
		metric.WithDescription("Notifications not sent, by target and reason: grouped (an event folded into a group's notification instead of sending its own), repeat (a group_interval tick with new events held back by repeat_interval), unfired (a group that resolved before group_wait ended), duplicate (a one-shot repeat inside dedupe_window), paged_elsewhere (the ledger holds the incident as paged by another collector), silenced (a silence of the incidents extension matched it). [Alpha]"),
		metric.WithUnit("{notification}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
