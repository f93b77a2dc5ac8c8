package routeprocessor

import (
	"context"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
	"github.com/unitrack/unitrack/processor/routeprocessor/internal/metadata"
)

// FuzzConfig: for any condition and sink name, Validate and creation never
// panic and agree (a table that validates compiles, one that compiles
// validates), and a compiled table routes a record without panicking.
func FuzzConfig(f *testing.F) {
	// The seed corpus is testdata/fuzz/FuzzConfig.
	f.Fuzz(func(t *testing.T, cond, sink string) {
		cfg := &Config{
			Routes:       []RouteConfig{{Name: "fuzz", Condition: cond, Sinks: []string{sink}}},
			DefaultSinks: []string{"eventlog"},
			ErrorMode:    ottl.SilentError,
		}
		validateErr := cfg.Validate()
		tbl, createErr := newTable(cfg, componenttest.NewNopTelemetrySettings())
		if validateErr == nil && createErr != nil {
			t.Fatalf("validated but did not compile: %v", createErr)
		}
		if createErr != nil {
			return
		}
		if cond != "" && sink != "" && strings.TrimSpace(sink) == sink && validateErr != nil {
			t.Fatalf("compiled but did not validate: %v", validateErr)
		}
		set := componenttest.NewNopTelemetrySettings()
		tb, err := metadata.NewTelemetryBuilder(set)
		if err != nil {
			t.Fatal(err)
		}
		p := newTableProcessor(cfg, set.Logger, tb, tbl)
		ld := buildLogs(
			trackEvent(1, "upload", "error", 17, "files", "x", kv{"retries", int64(3)}),
			otlpEvent("web", "web.frontend", "page.view", 9, "y", kv{"retries", []any{"a"}}),
		)
		if _, err := p.processLogs(context.Background(), ld); err != nil {
			t.Fatalf("silent error mode returned %v", err)
		}
		forEachRecord(ld, func(lr plog.LogRecord) {
			if v, ok := lr.Attributes().Get(track.AttrRoutes); !ok || v.Slice().Len() == 0 {
				t.Fatalf("record %q was routed nowhere", lr.Body().Str())
			}
		})
	})
}
