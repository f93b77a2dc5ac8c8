package dashboardexporter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/sinkview"
	"github.com/unitrack/unitrack/internal/sinkhealth"
	"github.com/unitrack/unitrack/internal/testbin"
)

// GET /api/sinks joins the registry found through the host with the
// collector's metrics scraped from metrics_url.
func TestAPISinks(t *testing.T) {
	metrics := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("# TYPE otelcol_exporter_queue_size gauge\n" +
			"otelcol_exporter_queue_size{data_type=\"logs\",exporter=\"otlphttp\"} 1024\n" +
			"# TYPE otelcol_exporter_queue_capacity gauge\n" +
			"otelcol_exporter_queue_capacity{data_type=\"logs\",exporter=\"otlphttp\"} 1024\n"))
	}))
	defer metrics.Close()
	reg := fakeRegistry{{
		Sink:      sinkhealth.Sink{Pipeline: "logs/observability", WhenFull: "drop_newest"},
		Exporters: []sinkhealth.ComponentStatus{{ID: "otlphttp", Status: "StatusOK"}},
		Dropped:   700, LastError: "dropped: sending queue is full", LastErrorTime: time.Now(),
	}}
	td := startWithRegistry(t, metrics.URL, reg)

	var rep sinkview.Report
	code, hdr := td.get("/api/sinks", &rep)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "application/json", hdr.Get("Content-Type"))
	assert.True(t, rep.Registry)
	assert.Empty(t, rep.MetricsError)
	require.Len(t, rep.Sinks, 1)
	s := rep.Sinks[0]
	assert.Equal(t, "logs/observability", s.Pipeline)
	assert.Equal(t, sinkview.HealthFailing, s.Health)
	assert.Equal(t, int64(700), s.Dropped)
	assert.Equal(t, 1.0, s.QueueFill)
	assert.Equal(t, "dropped: sending queue is full", s.LastError)
}

// startWithRegistry starts a dashboard whose host offers reg as the
// sinkhealth extension and whose metrics_url is metricsURL.
func startWithRegistry(t *testing.T, metricsURL string, reg fakeRegistry) *testDashboard {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Directory = t.TempDir()
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.Sinks.MetricsURL = metricsURL
	require.NoError(t, cfg.Validate())
	var captured *dashboardExporter
	testHookCreated = func(e *dashboardExporter) { captured = e }
	exp, err := f.CreateLogs(context.Background(), exportertestSettings(f), cfg)
	testHookCreated = nil
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), extHost{statusHost: &statusHost{}, ext: map[component.ID]component.Component{
		component.MustNewID("sinkhealth"): reg,
	}}))
	td := &testDashboard{t: t, exp: exp, de: captured, URL: "http://" + captured.addr.String()}
	t.Cleanup(td.stop)
	return td
}

// The page's Sinks table shows each sink, with errors as text only.
func TestBrowserSinksTable(t *testing.T) {
	ctx := testbin.Browser(t)
	reg := fakeRegistry{
		{Sink: sinkhealth.Sink{Pipeline: "logs/dashboard", WhenFull: "block"},
			Exporters: []sinkhealth.ComponentStatus{{ID: "dashboard", Status: "StatusOK"}}},
		{Sink: sinkhealth.Sink{Pipeline: "logs/observability", WhenFull: "drop_newest"},
			Exporters: []sinkhealth.ComponentStatus{{ID: "otlphttp", Status: "StatusOK"}},
			Dropped:   1234, LastError: "dropped: " + hostile, LastErrorTime: time.Now()},
	}
	td := startWithRegistry(t, "", reg)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(td.URL+"/")))
	testbin.WaitJS(t, ctx, `document.querySelectorAll('#sinks-table tbody tr[data-pipeline]').length === 2`, 20*time.Second)
	row := `document.querySelector('#sinks-table tr[data-pipeline="logs/observability"]')`
	assert.Equal(t, "failing", testbin.EvalJS[string](t, ctx, row+`.querySelector('td.health').textContent`))
	assert.Equal(t, "1234", testbin.EvalJS[string](t, ctx, row+`.querySelector('td.dropped').textContent`))
	assert.Contains(t, testbin.EvalJS[string](t, ctx, row+`.querySelector('td.last-error').textContent`), hostile, "the error is shown as text")
	assert.Zero(t, testbin.EvalJS[int](t, ctx, `document.querySelectorAll('#sinks img, #sinks script').length`), "no element made from the error")
	assert.True(t, testbin.EvalJS[bool](t, ctx, `window.__xss === undefined`), "nothing ran")
	assert.Contains(t, testbin.EvalJS[string](t, ctx, `document.getElementById('sinks-note').textContent`), "no metrics_url configured")
}

type fakeRegistry []sinkhealth.SinkState

func (fakeRegistry) Start(context.Context, component.Host) error  { return nil }
func (fakeRegistry) Shutdown(context.Context) error               { return nil }
func (fakeRegistry) DeclareSinks(component.ID, []sinkhealth.Sink) {}
func (fakeRegistry) RecordIncident(sinkhealth.Incident)           {}
func (r fakeRegistry) Sinks() []sinkhealth.SinkState              { return r }

type extHost struct {
	*statusHost
	ext map[component.ID]component.Component
}

func (h extHost) GetExtensions() map[component.ID]component.Component { return h.ext }
