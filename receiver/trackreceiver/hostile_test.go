package trackreceiver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

var localOrigins = func(c *Config) {
	c.CORS = configoptional.Some(confighttp.CORSConfig{AllowedOrigins: []string{"http://localhost:*", "http://127.0.0.1:*"}})
}

// TestBrowserGuard is issue 12's first two findings: a cross-origin simple
// POST and a DNS-rebinding Host are refused, and nothing reaches the pipeline.
func TestBrowserGuard(t *testing.T) {
	pwned := []byte(`{"title":"pwned","message":"pwned","priority":"urgent"}`)
	tests := []struct {
		name       string
		headers    map[string]string
		wantStatus int
		wantError  string
	}{
		{"the issue's cross-origin simple POST", map[string]string{"Origin": "http://evil.example", "Content-Type": "text/plain"},
			403, `Origin \"http://evil.example\" is not allowed to send requests here: add it to cors.allowed_origins`},
		{"a sandboxed page (Origin null)", map[string]string{"Origin": "null", "Content-Type": "text/plain"}, 403, `Origin \"null\"`},
		{"a DNS-rebinding page", map[string]string{"Host": "evil.example:4320", "Origin": "http://evil.example:4320", "Content-Type": "text/plain"},
			421, `Host \"evil.example:4320\" is not a name of this listener`},
		{"a foreign Host without Origin", map[string]string{"Host": "evil.example"}, 421, `Host \"evil.example\"`},
		{"an allowed page's sendBeacon", map[string]string{"Origin": "http://localhost:5005", "Content-Type": "text/plain;charset=UTF-8"}, 200, ""},
		{"curl (no Origin)", map[string]string{"Content-Type": "application/json"}, 200, ""},
		{"localhost by name", map[string]string{"Host": "localhost"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := new(consumertest.LogsSink)
			_, base := startReceiver(t, sink, startOpts{mutate: localOrigins})
			req, err := http.NewRequest(http.MethodPost, base+"/v1/legacy/notify", strings.NewReader(string(pwned)))
			require.NoError(t, err)
			for k, v := range tt.headers {
				if k == "Host" {
					req.Host = v
				} else {
					req.Header.Set(k, v)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, tt.wantStatus, resp.StatusCode, string(b))
			if tt.wantStatus != 200 {
				assert.Contains(t, string(b), tt.wantError)
				assert.Zero(t, sink.LogRecordCount(), "a refused request reached the pipeline")
				assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
			} else {
				assert.Equal(t, 1, sink.LogRecordCount())
			}
		})
	}
}

// TestHostileBodies: each is answered with a clear 4xx, nothing of it is
// stored, and the receiver keeps serving.
func TestHostileBodies(t *testing.T) {
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	deepObj := `{"event_type":"a","message":"b","metadata":` + strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000) + "}"
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantError        string
	}{
		{"JSON nested 100 000 deep", "/v1/track", deep, 400, `body is not JSON: expected a JSON object, an array of objects or NDJSON: nested deeper than 300 levels`},
		{"metadata nested 100 000 deep", "/v1/track", deepObj, 400, "nested deeper than 300 levels"},
		{"raw NUL byte after the JSON", "/v1/track", "{\"event_type\":\"a\",\"message\":\"b\"}\x00", 400, `unexpected tail: \"\\x00\"`},
		{"huge number", "/v1/legacy/health", `{"check":"ollama","status":"unhealthy","latency_ms":1e999999}`, 400, "latency_ms"},
		{"huge integer timestamp", "/v1/legacy/dashboard", `{"type":"error","message":"x","timestamp":123456789012345678901234567890}`, 400, "timestamp"},
	}
	sink := new(consumertest.LogsSink)
	_, base := startReceiver(t, sink, startOpts{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink.Reset()
			got := do(t, nil, base, request{path: tt.path, body: []byte(tt.body)})
			assert.Equal(t, tt.wantStatus, got.status, got.body)
			assert.Contains(t, got.body, tt.wantError)
			assert.Zero(t, sink.LogRecordCount(), "stored: %s", got.body)
		})
	}
	got := do(t, nil, base, request{path: "/v1/track", body: []byte(`{"event_type":"a","message":"still serving"}`)})
	assert.Equal(t, 200, got.status, got.body)
}

// TestInvalidUTF8IsReplaced: invalid UTF-8 (which OTLP backends refuse) is
// stored as U+FFFD, in values and keys; the event is kept.
func TestInvalidUTF8IsReplaced(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, base := startReceiver(t, sink, startOpts{})
	got := do(t, nil, base, request{path: "/v1/track", body: []byte("{\"event_type\":\"a\",\"message\":\"x\xff\xfey\",\"metadata\":{\"l\":[1,{\"k\xc0\":\"\xe2\x28\"}]}}")})
	require.Equal(t, 200, got.status, got.body)
	require.Equal(t, 1, sink.LogRecordCount())
	lr := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, "x\uFFFD\uFFFDy", lr.Body().Str(), "each invalid byte is one U+FFFD, as the JSON writers spell it")
	l, ok := lr.Attributes().Get("l")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"k\uFFFD": "\uFFFD("}, l.Slice().At(1).Map().AsRaw())
}

// TestNULAndEscapesAreKept: a NUL escaped in JSON is a valid string: kept as
// is, never cut (what each sink makes of it is the sink's test).
func TestNULAndEscapesAreKept(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, base := startReceiver(t, sink, startOpts{})
	got := do(t, nil, base, request{path: "/v1/track", body: []byte(`{"event_type":"a","message":"x\u0000y\r\nz"}`)})
	require.Equal(t, 200, got.status, got.body)
	require.Equal(t, 1, sink.LogRecordCount())
	lr := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, "x\x00y\r\nz", lr.Body().Str())
}

func TestOversizedHeaders(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, base := startReceiver(t, sink, startOpts{})
	got := do(t, nil, base, request{path: "/v1/track", body: []byte(`{"event_type":"a","message":"b"}`),
		headers: map[string]string{"X-Big": strings.Repeat("a", 2<<20)}})
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, got.status)
	assert.Zero(t, sink.LogRecordCount())
	got = do(t, nil, base, request{path: "/v1/track", body: []byte(`{"event_type":"a","message":"b"}`)})
	assert.Equal(t, 200, got.status, got.body)
}

// TestSlowloris: a client that never finishes its headers is cut off after
// read_header_timeout, while others are served meanwhile.
func TestSlowloris(t *testing.T) {
	sink := new(consumertest.LogsSink)
	r, base := startReceiver(t, sink, startOpts{mutate: func(c *Config) { c.ReadHeaderTimeout = 300 * time.Millisecond }})
	conns := make([]net.Conn, 20)
	for i := range conns {
		c, err := net.Dial("tcp", r.addr)
		require.NoError(t, err)
		defer c.Close()
		_, err = fmt.Fprintf(c, "POST /v1/track HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
		require.NoError(t, err)
		conns[i] = c
	}
	got := do(t, nil, base, request{path: "/v1/track", body: []byte(`{"event_type":"a","message":"b"}`)})
	assert.Equal(t, 200, got.status, got.body)
	for _, c := range conns {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
		start := time.Now()
		_, err := bufio.NewReader(c).ReadString('\n') // the server closes (Go answers nothing or 408)
		assert.Less(t, time.Since(start), 9*time.Second, "the slow connection was not cut: %v", err)
	}
	assert.Equal(t, 1, sink.LogRecordCount())
}

// TestBrowserOnlyListener: the tracker's own listener serves only the
// dashboard format, and only to allowed pages.
func TestBrowserOnlyListener(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, base := startReceiver(t, sink, startOpts{mutate: func(c *Config) {
		localOrigins(c)
		c.Formats = []string{"dashboard"}
		c.RequireOrigin = true
	}})
	beacon := []byte(`{"type":"error","message":"x"}`)
	page := map[string]string{"Origin": "http://localhost:5005", "Content-Type": "text/plain;charset=UTF-8"}
	got := do(t, nil, base, request{path: "/v1/legacy/dashboard", body: beacon, headers: page})
	assert.Equal(t, 200, got.status, got.body)
	got = do(t, nil, base, request{path: "/v1/legacy/dashboard", body: beacon})
	assert.Equal(t, 403, got.status, got.body)
	assert.Contains(t, got.body, "this listener serves web pages only")
	got = do(t, nil, base, request{path: "/v1/legacy/notify", body: []byte(`{"title":"t","message":"m","priority":"urgent"}`), headers: page})
	assert.Equal(t, 404, got.status, got.body)
	assert.Contains(t, got.body, `the legacy paths are /v1/legacy/dashboard"`)
	assert.Equal(t, 1, sink.LogRecordCount())
}
