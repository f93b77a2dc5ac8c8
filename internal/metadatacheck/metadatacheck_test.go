package metadatacheck

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"
)

func TestCompare(t *testing.T) {
	md := Metadata{Type: "thing"}
	md.Status.Stability = map[string][]string{"alpha": {"logs"}}
	md.Telemetry.Metrics = map[string]Metric{
		"exporter_thing_sent": {Description: "Records sent.", Unit: "{record}"},
		"exporter_thing_lost": {Description: "Records lost.", Unit: "{record}"},
	}
	builder := func(unit string, extra bool) func(component.TelemetrySettings) error {
		return func(set component.TelemetrySettings) error {
			m := set.MeterProvider.Meter("x")
			_, _ = m.Int64Counter("otelcol_exporter_thing_sent", metric.WithUnit(unit), metric.WithDescription("Records sent. [Alpha]"))
			_, _ = m.Int64Counter("otelcol_exporter_thing_lost", metric.WithUnit("{record}"), metric.WithDescription("Records lost. [Alpha]"))
			if extra {
				_, _ = m.Float64Histogram("otelcol_exporter_thing_latency")
			}
			return nil
		}
	}
	ok := Component{
		Type:         component.MustNewType("thing"),
		Stability:    map[string]component.StabilityLevel{"logs": component.StabilityLevelAlpha},
		NewTelemetry: builder("{record}", false),
	}
	assert.Empty(t, Compare(md, ok))

	bad := Component{
		Type:         component.MustNewType("other"),
		Stability:    map[string]component.StabilityLevel{"logs": component.StabilityLevelBeta},
		NewTelemetry: builder("By", true),
	}
	assert.Equal(t, []string{
		`metric otelcol_exporter_thing_latency: registered by the telemetry builder, missing from metadata.yaml`,
		`metric otelcol_exporter_thing_sent: unit "{record}" in metadata.yaml, "By" registered`,
		`stability of logs: metadata.yaml says "alpha", the package says "beta"`,
		`type: metadata.yaml says "thing", metadata.Type is "other"`,
	}, Compare(md, bad))

	none := ok
	none.NewTelemetry = nil
	assert.Equal(t, []string{
		"metric otelcol_exporter_thing_lost: in metadata.yaml, not registered by the telemetry builder",
		"metric otelcol_exporter_thing_sent: in metadata.yaml, not registered by the telemetry builder",
	}, Compare(md, none))
}
