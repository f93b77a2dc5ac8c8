// Hand-written in the shape mdatagen generates (mdatagen is not served here).
// metadata_test.go in the component checks it against metadata.yaml: change both together.

package metadata

import (
	"errors"

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
	meter                     metric.Meter
	ExporterBlogEventsGrouped metric.Int64Counter
	ExporterBlogPostsRemoved  metric.Int64Counter
	ExporterBlogPostsWritten  metric.Int64Counter
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
func (builder *TelemetryBuilder) Shutdown() {}

// NewTelemetryBuilder provides a struct with methods to update all internal telemetry
// for a component
func NewTelemetryBuilder(settings component.TelemetrySettings, options ...TelemetryBuilderOption) (*TelemetryBuilder, error) {
	builder := TelemetryBuilder{}
	for _, op := range options {
		op.apply(&builder)
	}
	builder.meter = Meter(settings)
	var err, errs error
	builder.ExporterBlogEventsGrouped, err = builder.meter.Int64Counter(
		"otelcol_exporter_blog_events_grouped",
		metric.WithDescription("Number of events that joined a post (opened, updated or resolved an incident, or became a post). [Alpha]"),
		metric.WithUnit("{event}"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterBlogPostsRemoved, err = builder.meter.Int64Counter(
		"otelcol_exporter_blog_posts_removed",
		metric.WithDescription("Number of posts removed by retention (max_age, max_posts). [Alpha]"),
		metric.WithUnit("{post}"),
	)
	errs = errors.Join(errs, err)
	builder.ExporterBlogPostsWritten, err = builder.meter.Int64Counter(
		"otelcol_exporter_blog_posts_written",
		metric.WithDescription("Number of post files (Markdown and HTML) written, by kind (incident, post, anomaly, digest). [Alpha]"),
		metric.WithUnit("{post}"),
	)
	errs = errors.Join(errs, err)
	return &builder, errs
}
