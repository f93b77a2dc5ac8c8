package routeprocessor

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/unitrack/unitrack/internal/track"
	"github.com/unitrack/unitrack/processor/routeprocessor/internal/metadata"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestLifecycle(t *testing.T) {
	table := defaultTableConfig(t)
	for _, sel := range []string{"", "dashboard", "blog"} {
		t.Run("select="+sel, func(t *testing.T) {
			cfg := *table
			cfg.Select = sel
			sink := new(consumertest.LogsSink)
			p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), &cfg, sink)
			require.NoError(t, err)
			assert.True(t, p.Capabilities().MutatesData)
			require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
			in := buildLogs(breakerEvent(1, "opened"), taskEvent(2, "started", 1, 1))
			if sel != "" {
				// A select instance sees what the table instance wrote.
				in, err = runTable(t, table, in)
				require.NoError(t, err)
			}
			require.NoError(t, p.ConsumeLogs(context.Background(), in))
			require.NoError(t, p.Shutdown(context.Background()))
			assert.NotEmpty(t, sink.AllLogs())
		})
	}
	processortest.VerifyShutdown(t, NewFactory(), table)
}

func TestFactory(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.LogsStability, f.LogsStability())
	cfg := f.CreateDefaultConfig().(*Config)
	assert.Equal(t, &Config{ErrorMode: ottl.PropagateError}, cfg)
	assert.NoError(t, componenttest.CheckConfigStruct(cfg))
	_, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	assert.ErrorIs(t, err, pipeline.ErrSignalNotSupported)
}

// Validate is bypassed here: creation compiles the table itself, so a bad
// condition fails start-up even for a config that was never validated.
func TestCreateFailsOnBadCondition(t *testing.T) {
	cfg := &Config{
		Routes: []RouteConfig{
			{Name: "fine", Condition: "true", Sinks: []string{"eventlog"}},
			{Name: "typo", Condition: `atributes["x"] == 1`, Sinks: []string{"notify", "blog"}},
		},
		DefaultSinks: []string{"eventlog"},
		ErrorMode:    ottl.PropagateError,
	}
	_, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `invalid routing table: routes::1 ("typo"): condition "atributes[\"x\"] == 1": `)
	assert.Contains(t, err.Error(), "atributes")
}

func TestEventIDs(t *testing.T) {
	in := buildLogs(
		trackEvent(1, "model_loaded", "info", 9, "models", "legacy id kept"),
		otlpEvent("web", "web.frontend", "page.view", plog.SeverityNumberInfo, "id minted"),
		otlpEvent("web", "web.frontend", "page.view", plog.SeverityNumberInfo, "another id minted"),
	)
	out, err := runTable(t, defaultTableConfig(t), in)
	require.NoError(t, err)
	var ids []string
	forEachRecord(out, func(lr plog.LogRecord) {
		v, ok := lr.Attributes().Get(track.AttrEventID)
		require.True(t, ok)
		ids = append(ids, v.Str())
	})
	require.Len(t, ids, 3)
	assert.Equal(t, legacyID(1), ids[0])
	assert.Len(t, ids[1], 26, "a minted id is a ULID")
	assert.Len(t, ids[2], 26, "a minted id is a ULID")
	assert.NotEqual(t, ids[1], ids[2])
	assert.Less(t, ids[1], ids[2], "minted ids are time-ordered")
}

func TestSelect(t *testing.T) {
	withRoutes := func(body string, routes any) event {
		e := trackEvent(1, "x", "info", 9, "c", body)
		if routes != nil {
			e.attrs = append(e.attrs, kv{track.AttrRoutes, routes})
		}
		return e
	}
	tests := []struct {
		name     string
		in       plog.Logs
		wantKept []string // bodies
	}{
		{
			name:     "slice holds the sink",
			in:       buildLogs(withRoutes("a", []any{"blog", "notify"}), withRoutes("b", []any{"blog"})),
			wantKept: []string{"a"},
		},
		{
			name:     "a string value is a one-element list",
			in:       buildLogs(withRoutes("a", "notify"), withRoutes("b", "notify,blog")),
			wantKept: []string{"a"},
		},
		{
			name: "no track.routes, an empty list, or non-string elements hold nothing",
			in: buildLogs(withRoutes("a", nil), withRoutes("b", []any{}), withRoutes("c", []any{int64(1)}),
				withRoutes("d", int64(7))),
		},
		{
			name: "empty resources and scopes are dropped",
			in: buildLogs(
				otlpEvent("s1", "scope1", "e", 9, "x", kv{track.AttrRoutes, []any{"blog"}}),
				otlpEvent("s2", "scope2", "e", 9, "y", kv{track.AttrRoutes, []any{"notify"}}),
				otlpEvent("s2", "scope3", "e", 9, "z", kv{track.AttrRoutes, []any{"blog"}}),
			),
			wantKept: []string{"y"},
		},
	}
	table := defaultTableConfig(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, ok := runSelect(t, table, "notify", tt.in)
			if len(tt.wantKept) == 0 {
				assert.False(t, ok, "nothing kept: the next consumer must not be called")
				return
			}
			require.True(t, ok)
			var got []string
			forEachRecord(out, func(lr plog.LogRecord) { got = append(got, lr.Body().Str()) })
			assert.Equal(t, tt.wantKept, got)
			assert.Equal(t, 1, out.ResourceLogs().Len(), "only the resource holding a kept record remains")
			assert.Equal(t, 1, out.ResourceLogs().At(0).ScopeLogs().Len(), "only the scope holding a kept record remains")
		})
	}
}

func TestTelemetry(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()

	cfg := processorConfig(t, "testdata/error_mode_ignore/config.yaml", "route")
	routed := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), set, cfg, routed)
	require.NoError(t, err)
	require.NoError(t, p.ConsumeLogs(context.Background(), errorModeInput()))
	require.NoError(t, p.Shutdown(context.Background()))

	// Record 1: many-retries fails, three-retries matches -> blog.
	// Record 2: many-retries and errors match -> eventlog, notify.
	// Record 3: many-retries fails, nothing matches -> default dashboard.
	assert.Equal(t, map[string]int64{"blog": 1, "eventlog": 1, "notify": 1, "dashboard": 1},
		sumBy(t, tel, "otelcol_processor_route_records_routed", "sink"))
	assert.Equal(t, map[string]int64{"": 1},
		sumBy(t, tel, "otelcol_processor_route_records_unmatched", ""))
	assert.Equal(t, map[string]int64{"many-retries": 2},
		sumBy(t, tel, "otelcol_processor_route_condition_errors", "route"))

	sel := *cfg
	sel.Select = "notify"
	sp, err := NewFactory().CreateLogs(context.Background(), set, &sel, consumertest.NewNop())
	require.NoError(t, err)
	require.NoError(t, sp.ConsumeLogs(context.Background(), routed.AllLogs()[0]))
	require.NoError(t, sp.Shutdown(context.Background()))
	assert.Equal(t, map[string]int64{"notify": 1},
		sumBy(t, tel, "otelcol_processor_route_records_kept", "sink"))
	assert.Equal(t, map[string]int64{"notify": 2},
		sumBy(t, tel, "otelcol_processor_route_records_dropped", "sink"))
}

// sumBy adds up a counter's points by the value of one attribute.
func sumBy(t *testing.T, tel *componenttest.Telemetry, name, attr string) map[string]int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	require.NoError(t, err, name)
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a %T, want an int64 sum", name, m.Data)
	out := map[string]int64{}
	for _, dp := range sum.DataPoints {
		v, _ := dp.Attributes.Value(attribute.Key(attr))
		out[v.AsString()] += dp.Value
	}
	return out
}

// Under propagate, a refused batch counts its condition error and nothing as
// routed: none of it went anywhere.
func TestTelemetryPropagate(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()

	cfg := processorConfig(t, "testdata/error_mode_propagate/config.yaml", "route")
	next := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	err = p.ConsumeLogs(context.Background(), errorModeInput())
	require.Error(t, err)
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Empty(t, next.AllLogs())

	assert.Equal(t, map[string]int64{"many-retries": 1},
		sumBy(t, tel, "otelcol_processor_route_condition_errors", "route"))
	_, err = tel.GetMetric("otelcol_processor_route_records_routed")
	assert.Error(t, err, "nothing of a refused batch counts as routed")
}

// A select instance fed records that never went through the table warns
// once (they are all dropped), not once per batch.
func TestSelectWarnsOnceAboutUnroutedRecords(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	set := processortest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	cfg := *defaultTableConfig(t)
	cfg.Select = "notify"
	next := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), set, &cfg, next)
	require.NoError(t, err)
	for range 3 {
		require.NoError(t, p.ConsumeLogs(context.Background(), buildLogs(breakerEvent(1, "opened"))))
	}
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Empty(t, next.AllLogs())
	require.Equal(t, 1, logs.Len())
	assert.Contains(t, logs.All()[0].Message, "without track.routes")
	assert.Equal(t, "notify", logs.All()[0].ContextMap()["sink"])
}
