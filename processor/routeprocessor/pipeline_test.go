package routeprocessor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/forwardconnector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

var sinkNames = []string{"blog", "dashboard", "eventlog", "notify", "observability"}

// pipelineEvent is one event sent into the collector and the sinks it must
// reach under the default table, written out by hand from the promises.
type pipelineEvent struct {
	event event
	sinks string // the sinks, comma-separated and sorted
}

const (
	base     = "dashboard,eventlog,observability"
	withN    = "dashboard,eventlog,notify,observability"
	withB    = "blog,dashboard,eventlog,observability"
	allSinks = "blog,dashboard,eventlog,notify,observability"
)

func pipelineEvents() []pipelineEvent {
	return []pipelineEvent{
		// One event of each legacy format, as decoded.
		{trackEvent(1, "mcp_server_failure", "error", 17, "mcp", "track_event error"), allSinks},
		{jsonEvent(2, "task_failed", "ERROR", 17, "background_tasks", "json_events error"), allSinks},
		{dashboardEvent(3, "error", 17, "dashboard error"), allSinks},
		{healthEvent(4, "ollama", "unhealthy", "healthy"), allSinks},
		{breakerEvent(5, "opened"), allSinks},
		{taskEvent(6, "failed", 3, 3), allSinks},
		{notificationEvent(7, "urgent", 21, "critical notification"), allSinks},
		{notificationEvent(18, "low", 9, "low notification"), withN},
		{notificationEvent(19, "normal", 13, "normal notification"), withN},
		{blogEvent(8, true), withB},
		// The rest of what the promises name.
		{blogEvent(9, false), withB},
		{breakerEvent(10, "closed"), allSinks},
		{healthEvent(11, "ollama", "healthy", "unhealthy"), allSinks},
		{healthEvent(12, "ollama", "degraded", "healthy"), withB},
		{taskEvent(13, "succeeded", 1, 3), allSinks},
		{taskEvent(14, "failed", 1, 3), allSinks},
		{trackEvent(15, "model_loaded", "info", 9, "models", "track_event info"), base},
		{jsonEvent(16, "task_started", "INFO", 9, "background_tasks", "json_events info"), base},
		{breakerEvent(17, "half_open"), base},
		// OTLP-native records.
		{otlpEvent("checkout", "checkout.cart", "cart.updated", plog.SeverityNumberInfo, "otlp info"), base},
		{otlpEvent("payments", "payments.ledger", "ledger.corrupt", plog.SeverityNumberFatal, "otlp fatal"), allSinks},
		{otlpEvent("agent-runner", "agent.sdk", "task.succeeded", plog.SeverityNumberInfo, "otlp task recovered",
			kv{"task.name", "sync"}), allSinks},
		{otlpEvent("agent-runner", "agent.sdk", "mcp.circuit_breaker.opened", plog.SeverityNumberWarn, "otlp breaker opened",
			kv{"mcp.server.name", "github"}), allSinks},
		{otlpEvent("web", "web.frontend", "", plog.SeverityNumberWarn, "otlp without event name"), base},
	}
}

// recordKey names a record in the expectations: the legacy event id, else
// (OTLP-native records, which get a minted id) the body, unique above.
func recordKey(lr plog.LogRecord) string {
	if id, ok := lr.Attributes().Get("track.event_id"); ok && (strings.HasPrefix(id.Str(), "01KB0000") || strings.HasPrefix(id.Str(), "ev-")) {
		return id.Str()
	}
	return lr.Body().AsString()
}

func eventKey(e event) string {
	if e.id != "" {
		return e.id
	}
	return e.body
}

// TestPipeline runs the real collector in-process with the routing table of
// testdata/default_table.yaml (and of the repository's otelcol.yaml when it
// has a route processor): otlp receiver -> route -> forward -> one pipeline
// per sink with route/<sink> -> an in-memory exporter. Each sink must receive
// exactly the records the promises give it.
func TestPipeline(t *testing.T) {
	var evs []event
	want := map[string][]string{}
	for _, pe := range pipelineEvents() {
		evs = append(evs, pe.event)
		for _, s := range strings.Split(pe.sinks, ",") {
			want[s] = append(want[s], eventKey(pe.event))
		}
	}
	for name, file := range tableSources(t) {
		t.Run(name, func(t *testing.T) {
			sinks := runCollector(t, routeProcessors(t, file), buildLogs(evs...))
			assertSinks(t, sinks, want)
		})
	}
}

// tableSources are the files holding the routing table under test: the
// default table file, and otelcol.yaml once it has a route processor.
func tableSources(t *testing.T) map[string]string {
	sources := map[string]string{"default_table.yaml": defaultTableFile}
	if _, err := os.Stat("../../otelcol.yaml"); err == nil {
		cm, err := confmaptest.LoadConf("../../otelcol.yaml")
		require.NoError(t, err)
		if cm.IsSet("processors::route") {
			sources["otelcol.yaml"] = "../../otelcol.yaml"
		} else {
			t.Log("../../otelcol.yaml has no route processor yet; testing the default table file only")
		}
	}
	return sources
}

// assertSinks checks that each sink received exactly the records want names
// (by recordKey), each carrying the sink in its track.routes.
func assertSinks(t *testing.T, sinks *captured, want map[string][]string) {
	t.Helper()
	for _, s := range sinkNames {
		var got []string
		for _, ld := range sinks.logs(s) {
			forEachRecord(ld, func(lr plog.LogRecord) {
				got = append(got, recordKey(lr))
				routes, _ := lr.Attributes().Get("track.routes")
				assert.Contains(t, routes.AsRaw(), s, "record %q in sink %s", recordKey(lr), s)
			})
		}
		w := slices.Clone(want[s])
		slices.Sort(w)
		slices.Sort(got)
		assert.Equal(t, w, got, "sink %s", s)
	}
}

// routeProcessors is the processors block of file reduced to the route
// processor and its route/<sink> select instances, which must cover every sink.
func routeProcessors(t *testing.T, file string) map[string]any {
	t.Helper()
	cm, err := confmaptest.LoadConf(file)
	require.NoError(t, err)
	procs, err := cm.Sub("processors")
	require.NoError(t, err)
	out := map[string]any{}
	for id, v := range procs.ToStringMap() {
		if id == "route" || strings.HasPrefix(id, "route/") {
			out[id] = v
		}
	}
	require.Contains(t, out, "route")
	for _, s := range sinkNames {
		require.Contains(t, out, "route/"+s, "%s needs a select instance for sink %s", file, s)
		sel, ok := out["route/"+s].(map[string]any)
		require.True(t, ok)
		assert.Equal(t, s, sel["select"], "route/%s selects the wrong sink", s)
	}
	return out
}

// captured holds what each in-memory exporter received, by sink name.
type captured struct {
	mu   sync.Mutex
	byID map[string][]plog.Logs
}

func (c *captured) logs(sink string) []plog.Logs {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[sink]
}

func runCollector(t *testing.T, processors map[string]any, input plog.Logs) *captured {
	t.Helper()
	addr := freeAddr(t)
	caps := &captured{byID: map[string][]plog.Logs{}}
	col := newCollector(t, addr, processors, caps)

	runErr := make(chan error, 1)
	go func() { runErr <- col.Run(context.Background()) }()
	t.Cleanup(func() {
		col.Shutdown()
		require.NoError(t, <-runErr)
	})
	require.Eventually(t, func() bool { return col.GetState() == otelcol.StateRunning }, 30*time.Second, 10*time.Millisecond,
		"collector did not start")

	postOTLP(t, "http://"+addr+"/v1/logs", input)
	return caps
}

// newCollector builds the collector: otlp (HTTP on addr) -> route -> forward
// -> route/<sink> -> capture/<sink> for each sink.
func newCollector(t *testing.T, addr string, processors map[string]any, caps *captured) *otelcol.Collector {
	t.Helper()

	exporters := map[string]any{}
	pipelines := map[string]any{
		"logs/ingest": map[string]any{
			"receivers": []any{"otlp"}, "processors": []any{"route"}, "exporters": []any{"forward"},
		},
	}
	for _, s := range sinkNames {
		exporters["capture/"+s] = map[string]any{}
		pipelines["logs/"+s] = map[string]any{
			"receivers": []any{"forward"}, "processors": []any{"route/" + s}, "exporters": []any{"capture/" + s},
		}
	}
	conf := map[string]any{
		"receivers": map[string]any{"otlp": map[string]any{"protocols": map[string]any{
			"http": map[string]any{"endpoint": addr},
		}}},
		"processors": processors,
		"connectors": map[string]any{"forward": map[string]any{}},
		"exporters":  exporters,
		"service": map[string]any{
			"pipelines": pipelines,
		},
	}

	col, err := otelcol.NewCollector(otelcol.CollectorSettings{
		BuildInfo:               component.NewDefaultBuildInfo(),
		DisableGracefulShutdown: true,
		Factories: func() (otelcol.Factories, error) {
			return otelcol.Factories{
				Receivers:  makeMap(otlpreceiver.NewFactory()),
				Processors: makeMap[processor.Factory](NewFactory()),
				Connectors: makeMap[connector.Factory](forwardconnector.NewFactory()),
				Exporters:  makeMap(newCaptureFactory(caps)),
				Extensions: map[component.Type]extension.Factory{},
				Telemetry:  testTelemetry(t),
			}, nil
		},
		ConfigProviderSettings: otelcol.ConfigProviderSettings{ResolverSettings: confmap.ResolverSettings{
			URIs:              []string{"inline:config"},
			ProviderFactories: []confmap.ProviderFactory{inlineProvider(conf)},
		}},
	})
	require.NoError(t, err)
	return col
}

// TestCollectorRefusesBadTable: a bad table stops the collector at start-up
// with a message naming the route (its path and name) and the OTTL error.
func TestCollectorRefusesBadTable(t *testing.T) {
	selects := func(table []any) map[string]any {
		m := map[string]any{}
		for _, s := range sinkNames {
			m["route/"+s] = map[string]any{"select": s, "routes": table, "default_sinks": []any{"eventlog"}}
		}
		return m
	}
	good := []any{map[string]any{"condition": "true", "sinks": []any{"blog", "dashboard", "eventlog", "notify", "observability"}}}
	bad := []any{
		good[0],
		map[string]any{"name": "oops", "condition": `severity_number >= SEVERITY_NUMBER_SOMETIMES`, "sinks": []any{"notify"}},
	}
	tests := []struct {
		name       string
		processors map[string]any
		wantErr    []string
	}{
		{
			name: "bad condition",
			processors: func() map[string]any {
				m := selects(bad)
				m["route"] = map[string]any{"routes": bad, "default_sinks": []any{"eventlog"}}
				return m
			}(),
			wantErr: []string{`processors::route`, `routes::1 ("oops"): condition "severity_number >= SEVERITY_NUMBER_SOMETIMES"`, `enum symbol, SEVERITY_NUMBER_SOMETIMES, not found`},
		},
		{
			name: "select of a sink no route produces",
			processors: func() map[string]any {
				m := selects(good)
				m["route"] = map[string]any{"routes": good, "default_sinks": []any{"eventlog"}}
				m["route/notify"].(map[string]any)["select"] = "pager"
				return m
			}(),
			wantErr: []string{`processors::route/notify`, `select: no route and no default_sinks can produce sink "pager"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col := newCollector(t, freeAddr(t), tt.processors, &captured{byID: map[string][]plog.Logs{}})
			err := col.Run(context.Background())
			require.Error(t, err)
			t.Log(err)
			for _, w := range tt.wantErr {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// postOTLP sends logs over OTLP/HTTP; the receiver answers after the whole
// pipeline consumed them, so the sinks hold everything once it returns.
func postOTLP(t *testing.T, url string, ld plog.Logs) {
	t.Helper()
	body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// testTelemetry logs to the test (warnings and up) and measures nothing: the
// stock telemetry would open a Prometheus port shared with other tests.
func testTelemetry(t *testing.T) telemetry.Factory {
	return telemetry.NewFactory(
		func() component.Config { return &struct{}{} },
		telemetry.WithCreateLogger(func(context.Context, telemetry.LoggerSettings, component.Config) (*zap.Logger, component.ShutdownFunc, error) {
			return zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), nil, nil
		}))
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func makeMap[F interface{ Type() component.Type }](fs ...F) map[component.Type]F {
	m := map[component.Type]F{}
	for _, f := range fs {
		m[f.Type()] = f
	}
	return m
}

// inlineProvider serves one configuration map under the scheme "inline".
func inlineProvider(conf map[string]any) confmap.ProviderFactory {
	return confmap.NewProviderFactory(func(confmap.ProviderSettings) confmap.Provider {
		return &inline{conf: conf}
	})
}

type inline struct{ conf map[string]any }

func (p *inline) Retrieve(_ context.Context, uri string, _ confmap.WatcherFunc) (*confmap.Retrieved, error) {
	if uri != "inline:config" {
		return nil, fmt.Errorf("unknown uri %q", uri)
	}
	return confmap.NewRetrieved(p.conf)
}
func (*inline) Scheme() string                 { return "inline" }
func (*inline) Shutdown(context.Context) error { return nil }

// The capture exporter keeps what it receives in memory, by its name.

var captureType = component.MustNewType("capture")

type captureConfig struct{}

func newCaptureFactory(caps *captured) exporter.Factory {
	return exporter.NewFactory(captureType,
		func() component.Config { return &captureConfig{} },
		exporter.WithLogs(func(_ context.Context, set exporter.Settings, _ component.Config) (exporter.Logs, error) {
			return &captureExporter{name: set.ID.Name(), caps: caps}, nil
		}, component.StabilityLevelDevelopment))
}

type captureExporter struct {
	component.StartFunc
	component.ShutdownFunc
	name string
	caps *captured
}

func (*captureExporter) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (e *captureExporter) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	if ld.LogRecordCount() == 0 {
		return errors.New("capture: an empty batch reached the exporter")
	}
	c := plog.NewLogs()
	ld.CopyTo(c)
	e.caps.mu.Lock()
	defer e.caps.mu.Unlock()
	e.caps.byID[e.name] = append(e.caps.byID[e.name], c)
	return nil
}

var _ receiver.Factory = otlpreceiver.NewFactory()

// TestOtelcolTableMatchesDefault: the repository's otelcol.yaml must carry exactly the table of testdata/default_table.yaml
// (and select instances given the same table), so that the promises proven
// here are the ones the distribution keeps.
func TestOtelcolTableMatchesDefault(t *testing.T) {
	cm, err := confmaptest.LoadConf("../../otelcol.yaml")
	require.NoError(t, err)
	require.True(t, cm.IsSet("processors::route"), "../../otelcol.yaml has no route processor")
	want := routeProcessors(t, defaultTableFile)
	got := routeProcessors(t, "../../otelcol.yaml")
	for _, id := range append([]string{"route"}, prefixed("route/", sinkNames)...) {
		assert.Equal(t, want[id], got[id], "otelcol.yaml processors::%s differs from %s", id, defaultTableFile)
	}
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}
