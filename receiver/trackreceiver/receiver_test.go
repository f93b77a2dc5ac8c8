package trackreceiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/bearertokenauthextension"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/track"
	"github.com/unitrack/unitrack/receiver/trackreceiver/internal/metadata"
)

// hostWithExtensions is a component.Host that offers extensions (the
// authenticator) to confighttp.
type hostWithExtensions struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h hostWithExtensions) GetExtensions() map[component.ID]component.Component { return h.ext }

type startOpts struct {
	mutate func(*Config)
	host   component.Host
	tel    *componenttest.Telemetry
}

// startReceiver starts a track receiver on a free loopback port and returns
// its base URL; it is shut down at the end of the test.
func startReceiver(t *testing.T, next consumer.Logs, o startOpts) (*trackReceiver, string) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	if o.mutate != nil {
		o.mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	set := receivertest.NewNopSettings(metadata.Type)
	if o.tel != nil {
		set.TelemetrySettings = o.tel.NewTelemetrySettings()
	}
	rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	host := o.host
	if host == nil {
		host = componenttest.NewNopHost()
	}
	require.NoError(t, rcv.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	r := rcv.(*trackReceiver)
	scheme := "http://"
	if cfg.TLS.HasValue() {
		scheme = "https://"
	}
	return r, scheme + r.addr
}

type request struct {
	method  string
	path    string
	headers map[string]string
	body    []byte
	gzip    bool
}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, client *http.Client, base string, rq request) answer {
	t.Helper()
	body := rq.body
	if rq.gzip {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body)
		require.NoError(t, zw.Close())
		body = b.Bytes()
	}
	method := rq.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, base+rq.path, bytes.NewReader(body))
	require.NoError(t, err)
	if _, ok := rq.headers["Content-Type"]; !ok && method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range rq.headers {
		req.Header.Set(k, v)
	}
	if rq.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

const okOne = `{"accepted":1,"rejected":0,"errors":[]}`

func TestHTTPStatuses(t *testing.T) {
	big := bytes.Repeat([]byte(" "), 2048)
	big = append([]byte(`{"event_type":"a","message":"b"}`), big...)
	tests := []struct {
		name       string
		mutate     func(*Config)
		next       consumer.Logs
		req        request
		wantStatus int
		wantBody   string // exact JSON
		wantHeader map[string]string
		wantCount  int // records that reached the consumer
	}{
		{
			name:       "one object",
			req:        request{path: "/v1/track", body: []byte(`{"event_type":"a","message":"b"}`)},
			wantStatus: 200, wantBody: okOne, wantCount: 1,
			wantHeader: map[string]string{"Content-Type": "application/json"},
		},
		{
			name:       "NDJSON",
			req:        request{path: "/v1/legacy/events", headers: map[string]string{"Content-Type": "application/x-ndjson"}, body: []byte("{\"ts\":1764331200,\"event\":\"a\"}\n\n{\"ts\":1764331201,\"event\":\"b\"}\n{\"ts\":1764331202,\"event\":\"c\"}\n")},
			wantStatus: 200, wantBody: `{"accepted":3,"rejected":0,"errors":[]}`, wantCount: 3,
		},
		{
			name:       "sendBeacon text/plain",
			req:        request{path: "/v1/legacy/dashboard", headers: map[string]string{"Content-Type": "text/plain;charset=UTF-8"}, body: []byte(`{"type":"error","message":"Failed to fetch"}`)},
			wantStatus: 200, wantBody: okOne, wantCount: 1,
		},
		{
			name:       "no Content-Type (typeless Blob)",
			req:        request{path: "/v1/legacy/dashboard", headers: map[string]string{"Content-Type": ""}, body: []byte(`{"type":"info","message":"x"}`)},
			wantStatus: 200, wantBody: okOne, wantCount: 1,
		},
		{
			name:       "gzip",
			req:        request{path: "/v1/legacy/health", gzip: true, body: []byte(`[{"check":"db","status":"healthy"},{"check":"db","status":"degraded"}]`)},
			wantStatus: 200, wantBody: `{"accepted":2,"rejected":0,"errors":[]}`, wantCount: 2,
		},
		{
			name:       "corrupt gzip",
			req:        request{path: "/v1/track", headers: map[string]string{"Content-Encoding": "gzip"}, body: []byte(`{"event_type":"a","message":"b"}`)},
			wantStatus: 400, wantBody: `{"error":"gzip: invalid header","accepted":0,"rejected":0,"errors":[]}`,
		},
		{
			name:       "mixed batch: valid events accepted, invalid ones named",
			req:        request{path: "/v1/legacy/health", body: []byte(`[{"check":"db","status":"healthy"},{"check":"ollama","status":"sick"},{"status":"healthy"},{"check":"x","status":"unhealthy"}]`)},
			wantStatus: 200, wantCount: 2,
			wantBody: `{"accepted":2,"rejected":2,"errors":[` +
				`{"index":1,"error":"field \"status\": expected one of healthy, degraded, unhealthy, got \"sick\""},` +
				`{"index":2,"error":"field \"check\": expected a non-empty string, got nothing (the field is required)"}]}`,
		},
		{
			name:       "none valid",
			req:        request{path: "/v1/legacy/circuit-breaker", body: []byte(`[{"server":"fs","event":"exploded"},{"event":"opened"}]`)},
			wantStatus: 400,
			wantBody: `{"error":"no valid event (2 rejected); the first: index 0: field \"event\": expected one of failure, success, opened, half_open, closed, got \"exploded\"","accepted":0,"rejected":2,"errors":[` +
				`{"index":0,"error":"field \"event\": expected one of failure, success, opened, half_open, closed, got \"exploded\""},` +
				`{"index":1,"error":"field \"server\": expected a non-empty string, got nothing (the field is required)"}]}`,
		},
		{
			name:       "one invalid",
			req:        request{path: "/v1/legacy/notify", body: []byte(`{"title":"t"}`)},
			wantStatus: 400,
			wantBody:   `{"error":"no valid event: index 0: field \"message\": expected a non-empty string, got nothing (the field is required)","accepted":0,"rejected":1,"errors":[{"index":0,"error":"field \"message\": expected a non-empty string, got nothing (the field is required)"}]}`,
		},
		{
			name:       "not JSON",
			req:        request{path: "/v1/legacy/blog", body: []byte(`title=x`)},
			wantStatus: 400,
			wantBody:   `{"error":"body is not JSON: expected a JSON object, an array of objects or NDJSON: cannot parse JSON: unexpected value found: \"title=x\"; unparsed tail: \"title=x\"","accepted":0,"rejected":0,"errors":[]}`,
		},
		{
			name:       "empty body",
			req:        request{path: "/v1/legacy/blog"},
			wantStatus: 400,
			wantBody:   `{"error":"empty body: expected a JSON object, an array of objects or NDJSON","accepted":0,"rejected":0,"errors":[]}`,
		},
		{
			name:       "empty array",
			req:        request{path: "/v1/legacy/tasks", body: []byte(`[]`)},
			wantStatus: 400,
			wantBody:   `{"error":"the body holds no events: expected a JSON object, an array of objects or NDJSON","accepted":0,"rejected":0,"errors":[]}`,
		},
		{
			name:       "over max_request_body_size",
			mutate:     func(c *Config) { c.MaxRequestBodySize = 1024 },
			req:        request{path: "/v1/track", body: big},
			wantStatus: 413,
			wantBody:   `{"error":"request body is larger than max_request_body_size (1024 bytes)","accepted":0,"rejected":0,"errors":[]}`,
		},
		{
			name:       "gzip that expands over max_request_body_size",
			mutate:     func(c *Config) { c.MaxRequestBodySize = 1024 },
			req:        request{path: "/v1/track", gzip: true, body: big},
			wantStatus: 413,
			wantBody:   `{"error":"request body is larger than max_request_body_size (1024 bytes)","accepted":0,"rejected":0,"errors":[]}`,
		},
		{
			name:       "unsupported content type",
			req:        request{path: "/v1/track", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: []byte(`{}`)},
			wantStatus: 415,
			wantBody:   `{"error":"unsupported Content-Type \"application/x-www-form-urlencoded\": expected application/json, application/x-ndjson or text/plain","accepted":0,"rejected":0,"errors":[]}`,
		},
		{
			name:       "unsupported charset",
			req:        request{path: "/v1/track", headers: map[string]string{"Content-Type": "text/plain; charset=latin1"}, body: []byte(`{}`)},
			wantStatus: 415,
			wantBody:   `{"error":"unsupported charset \"latin1\" in Content-Type: expected utf-8","accepted":0,"rejected":0,"errors":[]}`,
		},
		{
			name:       "GET",
			req:        request{method: http.MethodGet, path: "/v1/track"},
			wantStatus: 405,
			wantBody:   `{"error":"method GET is not allowed on /v1/track: send events with POST","accepted":0,"rejected":0,"errors":[]}`,
			wantHeader: map[string]string{"Allow": "POST, OPTIONS"},
		},
		{
			name:       "OPTIONS without CORS configured",
			req:        request{method: http.MethodOptions, path: "/v1/legacy/dashboard"},
			wantStatus: 405,
			wantHeader: map[string]string{"Allow": "POST, OPTIONS"},
			wantBody:   `{"error":"method OPTIONS is not allowed on /v1/legacy/dashboard: send events with POST","accepted":0,"rejected":0,"errors":[]}`,
		},
		{
			name:       "unknown path",
			req:        request{path: "/v1/legacy/nope", body: []byte(`{}`)},
			wantStatus: 404,
			wantBody:   `{"error":"unknown path \"/v1/legacy/nope\": the legacy paths are /v1/legacy/blog, /v1/legacy/circuit-breaker, /v1/legacy/dashboard, /v1/legacy/events, /v1/legacy/health, /v1/legacy/notify, /v1/legacy/tasks, /v1/track","accepted":0,"rejected":0,"errors":[]}`,
		},
		{
			name:       "path_prefix",
			mutate:     func(c *Config) { c.PathPrefix = "/track" },
			req:        request{path: "/track/v1/track", body: []byte(`{"event_type":"a","message":"b"}`)},
			wantStatus: 200, wantBody: okOne, wantCount: 1,
		},
		{
			name:       "path_prefix: bare path is unknown",
			mutate:     func(c *Config) { c.PathPrefix = "/track" },
			req:        request{path: "/v1/track", body: []byte(`{"event_type":"a","message":"b"}`)},
			wantStatus: 404,
			wantBody:   `{"error":"unknown path \"/v1/track\": the legacy paths are /track/v1/legacy/blog, /track/v1/legacy/circuit-breaker, /track/v1/legacy/dashboard, /track/v1/legacy/events, /track/v1/legacy/health, /track/v1/legacy/notify, /track/v1/legacy/tasks, /track/v1/track","accepted":0,"rejected":0,"errors":[]}`,
		},
		{
			name:       "pipeline refuses (memory_limiter): 503 with Retry-After",
			next:       consumertest.NewErr(errors.New("data refused due to high memory usage")),
			req:        request{path: "/v1/track", body: []byte(`[{"event_type":"a","message":"b"},{"event_type":"c"}]`)},
			wantStatus: 503,
			wantHeader: map[string]string{"Retry-After": "5"},
			wantBody: `{"error":"the pipeline refused the 1 valid events for now (retry after 5s): data refused due to high memory usage","accepted":0,"rejected":2,"errors":[` +
				`{"index":1,"error":"field \"message\": expected a non-empty string, got nothing (the field is required)"}]}`,
		},
		{
			name:       "retry_after setting",
			mutate:     func(c *Config) { c.RetryAfter = 1500e6 },
			next:       consumertest.NewErr(errors.New("busy")),
			req:        request{path: "/v1/track", body: []byte(`{"event_type":"a","message":"b"}`)},
			wantStatus: 503,
			wantHeader: map[string]string{"Retry-After": "2"},
			wantBody:   `{"error":"the pipeline refused the 1 valid events for now (retry after 2s): busy","accepted":0,"rejected":1,"errors":[]}`,
		},
		{
			name:       "pipeline rejects permanently: 400",
			next:       consumertest.NewErr(consumererror.NewPermanent(errors.New("bad data"))),
			req:        request{path: "/v1/track", body: []byte(`{"event_type":"a","message":"b"}`)},
			wantStatus: 400,
			wantBody:   `{"error":"the pipeline rejected the 1 valid events permanently: Permanent error: bad data","accepted":0,"rejected":1,"errors":[]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			next := tt.next
			if next == nil {
				next = sink
			}
			_, base := startReceiver(t, next, startOpts{mutate: tt.mutate})
			got := do(t, nil, base, tt.req)
			assert.Equal(t, tt.wantStatus, got.status, "status; body %s", got.body)
			assert.JSONEq(t, tt.wantBody, got.body)
			assert.Equal(t, "application/json", got.header.Get("Content-Type"))
			for k, v := range tt.wantHeader {
				assert.Equal(t, v, got.header.Get(k), "header %s", k)
			}
			// The sink is filled synchronously: the consumer ran before the answer.
			assert.Equal(t, tt.wantCount, sink.LogRecordCount(), "records consumed")
		})
	}
}

// TestEveryFormatExample posts the contract's example of each format to its
// path and checks the record that reaches the pipeline.
func TestEveryFormatExample(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, base := startReceiver(t, sink, startOpts{})
	wantNames := map[legacy.Format]string{
		legacy.TrackEvent: "mcp_server_failure", legacy.JSONEvents: "task_failed", legacy.Dashboard: "dashboard.error",
		legacy.HealthMonitor: "health.status_changed", legacy.CircuitBreaker: "mcp.circuit_breaker.opened",
		legacy.BackgroundTasks: "task.failed", legacy.Notification: "notification", legacy.Blog: "anomaly.detected",
	}
	for _, fi := range legacy.Formats {
		body, err := os.ReadFile(filepath.Join("..", "..", "internal", "legacy", "testdata", string(fi.Format), "example", "input.json"))
		require.NoError(t, err)
		sink.Reset()
		got := do(t, nil, base, request{path: fi.Path, body: body})
		require.Equal(t, 200, got.status, "%s: %s", fi.Format, got.body)
		assert.JSONEq(t, okOne, got.body)
		require.Equal(t, 1, sink.LogRecordCount())
		rl := sink.AllLogs()[0].ResourceLogs().At(0)
		lr := rl.ScopeLogs().At(0).LogRecords().At(0)
		assert.Equal(t, wantNames[fi.Format], lr.EventName(), fi.Format)
		src, _ := lr.Attributes().Get(track.AttrSource)
		assert.Equal(t, string(fi.Format), src.Str())
		svc, _ := rl.Resource().Attributes().Get(track.AttrServiceName)
		assert.Equal(t, fi.DefaultService, svc.Str())
	}
}

func TestAuthenticator(t *testing.T) {
	extID := component.MustNewID("bearertokenauth")
	f := bearertokenauthextension.NewFactory()
	extCfg := f.CreateDefaultConfig().(*bearertokenauthextension.Config)
	extCfg.BearerToken = configopaque.String("s3cret")
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), extCfg)
	require.NoError(t, err)
	host := hostWithExtensions{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{extID: ext}}
	require.NoError(t, ext.Start(context.Background(), host))
	defer func() { require.NoError(t, ext.Shutdown(context.Background())) }()

	sink := new(consumertest.LogsSink)
	_, base := startReceiver(t, sink, startOpts{host: host, mutate: func(c *Config) {
		auth := confighttp.AuthConfig{}
		auth.Config.AuthenticatorID = extID
		c.Auth = configoptional.Some(auth)
	}})
	body := []byte(`{"event_type":"a","message":"b"}`)

	got := do(t, nil, base, request{path: "/v1/track", body: body})
	assert.Equal(t, 401, got.status)
	assert.Contains(t, got.body, `"error":"authentication failed: `)
	assert.True(t, json.Valid([]byte(got.body)), got.body)

	got = do(t, nil, base, request{path: "/v1/track", body: body, headers: map[string]string{"Authorization": "Bearer wrong"}})
	assert.Equal(t, 401, got.status, got.body)

	got = do(t, nil, base, request{path: "/v1/track", body: body, headers: map[string]string{"Authorization": "Bearer s3cret"}})
	assert.Equal(t, 200, got.status, got.body)
	assert.Equal(t, 1, sink.LogRecordCount())
}

func TestCORSPreflightOnDashboardPath(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, base := startReceiver(t, sink, startOpts{mutate: func(c *Config) {
		c.CORS = configoptional.Some(confighttp.CORSConfig{AllowedOrigins: []string{"http://localhost:5005"}, MaxAge: 600})
	}})

	preflight := func(origin string) answer {
		return do(t, nil, base, request{method: http.MethodOptions, path: "/v1/legacy/dashboard", headers: map[string]string{
			"Origin":                         origin,
			"Access-Control-Request-Method":  "POST",
			"Access-Control-Request-Headers": "content-type",
		}})
	}
	got := preflight("http://localhost:5005")
	assert.Equal(t, http.StatusNoContent, got.status)
	assert.Equal(t, "http://localhost:5005", got.header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "POST", got.header.Get("Access-Control-Allow-Methods"))
	assert.Equal(t, "content-type", strings.ToLower(got.header.Get("Access-Control-Allow-Headers")))
	assert.Equal(t, "600", got.header.Get("Access-Control-Max-Age"))

	got = preflight("http://evil.example")
	assert.Empty(t, got.header.Get("Access-Control-Allow-Origin"), "a foreign origin is not allowed")

	// The actual cross-origin POST (a sendBeacon) carries the allow header.
	got = do(t, nil, base, request{path: "/v1/legacy/dashboard", body: []byte(`{"type":"error","message":"x"}`),
		headers: map[string]string{"Origin": "http://localhost:5005", "Content-Type": "text/plain;charset=UTF-8"}})
	assert.Equal(t, 200, got.status, got.body)
	assert.Equal(t, "http://localhost:5005", got.header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, 1, sink.LogRecordCount())
}

func TestObsReportCounts(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sink := new(consumertest.LogsSink)
	_, base := startReceiver(t, sink, startOpts{tel: tel})
	got := do(t, nil, base, request{path: "/v1/track", body: []byte(`[{"event_type":"a","message":"b"},{"event_type":"c","message":"d"},{"message":"x"}]`)})
	require.Equal(t, 200, got.status, got.body)

	assert.Equal(t, int64(2), sumOf(t, tel, "otelcol_receiver_accepted_log_records"))
	assert.Equal(t, int64(1), sumOf(t, tel, "otelcol_receiver_track_invalid_events"))

	tel2 := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel2.Shutdown(context.Background())) })
	_, base2 := startReceiver(t, consumertest.NewErr(errors.New("refused")), startOpts{tel: tel2})
	got = do(t, nil, base2, request{path: "/v1/track", body: []byte(`[{"event_type":"a","message":"b"},{"event_type":"c","message":"d"}]`)})
	require.Equal(t, 503, got.status, got.body)
	refused := sumOf(t, tel2, "otelcol_receiver_refused_log_records") + sumOrZero(tel2, "otelcol_receiver_failed_log_records")
	assert.Equal(t, int64(2), refused)
	assert.Equal(t, int64(0), sumOrZero(tel2, "otelcol_receiver_accepted_log_records"))
}

func sumOrZero(tel *componenttest.Telemetry, name string) int64 {
	m, err := tel.GetMetric(name)
	if err != nil {
		return 0
	}
	return sumData(m.Data)
}

func sumOf(t *testing.T, tel *componenttest.Telemetry, name string) int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	require.NoError(t, err, name)
	return sumData(m.Data)
}

func sumData(d any) int64 {
	var total int64
	if s, ok := d.(metricdata.Sum[int64]); ok {
		for _, p := range s.DataPoints {
			total += p.Value
		}
	}
	return total
}
