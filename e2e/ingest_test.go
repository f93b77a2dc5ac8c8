package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	"github.com/unitrack/unitrack/internal/testbin"
)

// legacyExamples is one event of every legacy format, as the legacy code
// sends it today (the examples of legacy-formats.md), keyed by path.
var legacyExamples = []struct {
	path, body, wantEvent, wantService string
	wantSeverity                       int32
}{
	{"/v1/track", `{"event_type":"mcp_server_failure","message":"MCP server 'filesystem' failed: timeout","severity":"error","category":"mcp","source":"agent-runner","timestamp":"2026-11-28T12:00:00.123456+00:00","metadata":{"server":"filesystem","failure_count":3}}`, "mcp_server_failure", "agent-runner", 17},
	{"/v1/legacy/events", `{"ts":1764331200.123,"level":"ERROR","event":"task_failed","component":"background_tasks","msg":"Task nightly_summary failed","data":{"task":"nightly_summary"},"pid":4121,"host":"box1"}`, "task_failed", "agent-runner", 17},
	{"/v1/legacy/dashboard", `{"type":"error","action":"refreshModelServices","message":"Failed to fetch","stack":"TypeError: Failed to fetch\n    at refreshModelServices (index.html:412:15)","url":"http://localhost:5005/dashboard","userAgent":"Mozilla/5.0","timestamp":1764331200123,"sessionId":"b5c1e0"}`, "dashboard.error", "dashboard", 17},
	{"/v1/legacy/health", `{"check":"ollama","status":"unhealthy","previous_status":"healthy","latency_ms":5012.4,"error":"connection refused","checked_at":"2026-11-28T12:00:00Z","details":{"endpoint":"http://localhost:11434"}}`, "health.status_changed", "agent-runner", 17},
	{"/v1/legacy/circuit-breaker", `{"server":"filesystem","event":"opened","state":"open","failure_count":5,"threshold":5,"error":"Timeout after 30s","cooldown_seconds":60,"timestamp":"2026-11-28T12:00:00Z"}`, "mcp.circuit_breaker.opened", "agent-runner", 17},
	{"/v1/legacy/tasks", `{"task_id":"7f3e2a","task_name":"memory_consolidation","status":"failed","attempt":3,"max_attempts":3,"duration_s":12.5,"error":"KeyError: 'facts'","traceback":"Traceback (most recent call last):\n  ...","finished_at":"2026-11-28T12:00:00Z"}`, "task.failed", "agent-runner", 17},
	{"/v1/legacy/notify", `{"title":"Ollama is down","message":"Health check failed 3 times","priority":"high","source":"health_monitor","tags":["health","ollama"]}`, "notification", "agent-runner", 17},
	{"/v1/legacy/blog", `{"title":"Anomaly: response latency 4x baseline","content":"Markdown ...","tags":["anomaly","latency"],"author":"anomaly_detector","anomaly":{"metric":"latency_ms","value":4120,"baseline":980,"zscore":4.2}}`, "anomaly.detected", "agent-runner", 13},
}

type ingestPorts struct{ health, track, otlp, metrics int }

func ingestConfig(p ingestPorts, sinkURL string) string {
	return fmt.Sprintf(`
extensions:
  health_check:
    endpoint: 127.0.0.1:%d
receivers:
  track:
    endpoint: 127.0.0.1:%d
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 20
exporters:
  otlphttp:
    endpoint: %s
    compression: none
service:
  extensions: [health_check]
  telemetry:
    metrics:
      level: detailed
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %d
  pipelines:
    logs:
      receivers: [track, otlp]
      processors: [memory_limiter]
      exporters: [otlphttp]
`, p.health, p.track, p.otlp, sinkURL, p.metrics)
}

// TestIngestEveryFormat posts one event of every legacy format and a few
// OTLP SDK events to the built binary, and checks what an OTLP/HTTP backend
// received, and that the collector's own metrics count them.
func TestIngestEveryFormat(t *testing.T) {
	sink := testbin.NewOTLPSink(t)
	p := ingestPorts{testbin.FreePort(t), testbin.FreePort(t), testbin.FreePort(t), testbin.FreePort(t)}
	col := testbin.Start(t, ingestConfig(p, sink.URL), testbin.WithHealthPort(p.health))

	for _, ex := range legacyExamples {
		resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d%s", p.track, ex.path), "application/json", strings.NewReader(ex.body))
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "POST %s: %s", ex.path, body)
		var ack struct {
			Accepted int `json:"accepted"`
			Rejected int `json:"rejected"`
		}
		require.NoError(t, json.Unmarshal(body, &ack), "POST %s: body %s", ex.path, body)
		assert.Equal(t, 1, ack.Accepted, "POST %s accepted", ex.path)
		assert.Equal(t, 0, ack.Rejected, "POST %s rejected", ex.path)
	}

	// A real OTLP SDK client: the OpenTelemetry Go logs SDK over OTLP/HTTP.
	ctx := context.Background()
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(fmt.Sprintf("http://127.0.0.1:%d/v1/logs", p.otlp)))
	require.NoError(t, err)
	res := sdkresource.NewSchemaless(semconv.ServiceName("checkout"))
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	logger := lp.Logger("checkout.payments")
	var rec otellog.Record
	rec.SetEventName("payment.declined")
	rec.SetSeverity(otellog.SeverityError)
	rec.SetSeverityText("ERROR")
	rec.SetBody(attribute.StringValue("card declined"))
	rec.SetTimestamp(time.Now())
	rec.AddAttributes(attribute.String("payment.provider", "stripe"))
	logger.Emit(ctx, rec)
	require.NoError(t, lp.Shutdown(ctx))

	want := len(legacyExamples) + 1
	recs := sink.WaitForRecords(t, want, 20*time.Second)
	require.Len(t, recs, want, "records at the OTLP backend")

	byEvent := map[string]testbin.Record{}
	for _, r := range recs {
		byEvent[r.Log.EventName()] = r
	}
	for _, ex := range legacyExamples {
		r, ok := byEvent[ex.wantEvent]
		if !assert.True(t, ok, "no record with EventName %q at the backend", ex.wantEvent) {
			continue
		}
		assert.Equal(t, ex.wantService, r.Resource["service.name"], "%s service.name", ex.wantEvent)
		assert.Equal(t, ex.wantSeverity, int32(r.Log.SeverityNumber()), "%s severity", ex.wantEvent)
		attrs := r.Log.Attributes().AsRaw()
		assert.NotEmpty(t, attrs["track.event_id"], "%s track.event_id", ex.wantEvent)
		assert.NotEmpty(t, attrs["track.category"], "%s track.category", ex.wantEvent)
		assert.NotEmpty(t, attrs["track.source"], "%s track.source", ex.wantEvent)
		assert.NotZero(t, r.Log.Timestamp(), "%s timestamp", ex.wantEvent)
	}
	sdkRec, ok := byEvent["payment.declined"]
	require.True(t, ok, "the OTLP SDK record reached the backend")
	assert.Equal(t, "checkout", sdkRec.Resource["service.name"])
	assert.Equal(t, "checkout.payments", sdkRec.Scope)

	// Troubleshooting in one place: the collector's own metrics count what
	// trackreceiver accepted.
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", p.metrics)
	col.WaitFor(10*time.Second, func() bool {
		return strings.Contains(scrape(metricsURL), `receiver="track"`)
	}, "trackreceiver metrics on the collector's telemetry endpoint")
	m := scrape(metricsURL)
	assert.Regexp(t, `otelcol_receiver_accepted_log_records(_total)?\{[^}]*receiver="track"[^}]*\} 8\b`, m)
}

func scrape(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = io.Copy(&b, resp.Body)
	return b.String()
}
