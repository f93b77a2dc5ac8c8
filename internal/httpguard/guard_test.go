package httpguard

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var trackOrigins = []string{"http://localhost:*", "http://127.0.0.1:*"}

func TestCheck(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		host       string
		origin     []string
		path       string
		tls        bool
		wantStatus int // 0: allowed
	}{
		{name: "curl, no Origin", opts: Options{Endpoint: "localhost:4320"}, host: "localhost:4320"},
		{name: "loopback IPv4", opts: Options{Endpoint: "localhost:4320"}, host: "127.0.0.1:4320"},
		{name: "loopback 127/8", opts: Options{Endpoint: "localhost:4320"}, host: "127.1.2.3:4320"},
		{name: "loopback IPv6", opts: Options{Endpoint: "localhost:4320"}, host: "[::1]:4320"},
		{name: "no port", opts: Options{Endpoint: "localhost:4320"}, host: "localhost"},
		{name: "upper case, trailing dot", opts: Options{Endpoint: "localhost:4320"}, host: "LocalHost.:4320"},
		{name: "sub.localhost", opts: Options{Endpoint: "localhost:4320"}, host: "app.localhost:4320"},
		{name: "rebinding name", opts: Options{Endpoint: "localhost:8790"}, host: "evil.example:8790", wantStatus: 421},
		{name: "empty Host", opts: Options{Endpoint: "localhost:8790"}, host: "", wantStatus: 421},
		{name: "localhost lookalike", opts: Options{Endpoint: "localhost:8790"}, host: "localhost.evil.example:8790", wantStatus: 421},
		{name: "endpoint's own name", opts: Options{Endpoint: "box1.lan:8790"}, host: "box1.lan:8790"},
		{name: "endpoint's own IP", opts: Options{Endpoint: "192.168.1.5:8790"}, host: "192.168.1.5:8790"},
		{name: "other IP, specific bind", opts: Options{Endpoint: "192.168.1.5:8790"}, host: "10.0.0.1:8790", wantStatus: 421},
		{name: "IP literal, bind all", opts: Options{Endpoint: "0.0.0.0:8790"}, host: "10.0.0.1:8790"},
		{name: "IPv6 literal, bind all", opts: Options{Endpoint: "[::]:8790"}, host: "[fd00::1]:8790"},
		{name: "name, bind all", opts: Options{Endpoint: ":8790"}, host: "box1.lan:8790", wantStatus: 421},
		{name: "allowed_hosts name", opts: Options{Endpoint: ":8790", AllowedHosts: []string{"box1.lan"}}, host: "BOX1.lan:8790"},
		{name: "allowed_hosts wildcard", opts: Options{Endpoint: ":8790", AllowedHosts: []string{"*.corp.example"}}, host: "dash.corp.example"},
		{name: "wildcard is not the apex", opts: Options{Endpoint: ":8790", AllowedHosts: []string{"*.corp.example"}}, host: "corp.example", wantStatus: 421},
		{name: "wildcard suffix lookalike", opts: Options{Endpoint: ":8790", AllowedHosts: []string{"*.corp.example"}}, host: "evilcorp.example", wantStatus: 421},
		{name: "allowed_hosts star", opts: Options{Endpoint: "localhost:8790", AllowedHosts: []string{"*"}}, host: "evil.example"},

		{name: "the issue's cross-origin POST", opts: Options{Endpoint: "localhost:4320", AllowedOrigins: trackOrigins}, host: "localhost:4320", origin: []string{"http://evil.example"}, wantStatus: 403},
		{name: "allowed origin", opts: Options{Endpoint: "localhost:4320", AllowedOrigins: trackOrigins}, host: "localhost:4320", origin: []string{"http://127.0.0.1:5005"}},
		{name: "allowed origin, case", opts: Options{Endpoint: "localhost:4320", AllowedOrigins: trackOrigins}, host: "localhost:4320", origin: []string{"HTTP://LOCALHOST:5005"}},
		{name: "https not in the list", opts: Options{Endpoint: "localhost:4320", AllowedOrigins: trackOrigins}, host: "localhost:4320", origin: []string{"https://localhost:5005"}, wantStatus: 403},
		{name: "null origin", opts: Options{Endpoint: "localhost:4320", AllowedOrigins: trackOrigins}, host: "localhost:4320", origin: []string{"null"}, wantStatus: 403},
		{name: "no cors list", opts: Options{Endpoint: "localhost:4320"}, host: "localhost:4320", origin: []string{"http://localhost:5005"}, wantStatus: 403},
		{name: "cors star", opts: Options{Endpoint: "localhost:4320", AllowedOrigins: []string{"*"}}, host: "localhost:4320", origin: []string{"http://evil.example"}},
		{name: "two Origin headers", opts: Options{Endpoint: "localhost:4320", AllowedOrigins: trackOrigins}, host: "localhost:4320", origin: []string{"http://localhost:1", "http://evil.example"}, wantStatus: 403},
		{name: "same origin", opts: Options{Endpoint: "localhost:8790"}, host: "localhost:8790", origin: []string{"http://localhost:8790"}},
		{name: "same origin over TLS", opts: Options{Endpoint: "localhost:8790"}, host: "localhost:8790", origin: []string{"https://localhost:8790"}, tls: true},
		{name: "scheme differs from the listener's", opts: Options{Endpoint: "localhost:8790"}, host: "localhost:8790", origin: []string{"https://localhost:8790"}, wantStatus: 403},
		{name: "other port is another origin", opts: Options{Endpoint: "localhost:8790"}, host: "localhost:8790", origin: []string{"http://localhost:8791"}, wantStatus: 403},
		{name: "same origin does not count without a Host check", opts: Options{Endpoint: "localhost:8790", AllowedHosts: []string{"*"}}, host: "evil.example:8790", origin: []string{"http://evil.example:8790"}, wantStatus: 403},
		{name: "require_origin: none", opts: Options{Endpoint: "localhost:4321", AllowedOrigins: trackOrigins, RequireOrigin: true}, host: "localhost:4321", wantStatus: 403},
		{name: "require_origin: allowed page", opts: Options{Endpoint: "localhost:4321", AllowedOrigins: trackOrigins, RequireOrigin: true}, host: "localhost:4321", origin: []string{"http://localhost:5005"}},
		{name: "require_origin: foreign page", opts: Options{Endpoint: "localhost:4321", AllowedOrigins: trackOrigins, RequireOrigin: true}, host: "localhost:4321", origin: []string{"http://evil.example"}, wantStatus: 403},
		{name: "public path skips Origin", opts: Options{Endpoint: "localhost:8790", PublicPaths: []string{"/tracker.js"}}, host: "localhost:8790", path: "/tracker.js", origin: []string{"http://evil.example"}},
		{name: "public path keeps the Host check", opts: Options{Endpoint: "localhost:8790", PublicPaths: []string{"/tracker.js"}}, host: "evil.example", path: "/tracker.js", wantStatus: 421},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = "/v1/legacy/notify"
			}
			r := httptest.NewRequest(http.MethodPost, path, strings.NewReader("{}"))
			r.Host = tt.host
			for _, o := range tt.origin {
				r.Header.Add("Origin", o)
			}
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			got := New(tt.opts).Check(r)
			if tt.wantStatus == 0 {
				assert.Nil(t, got, "want allowed, got %+v", got)
				return
			}
			require.NotNil(t, got, "want %d, got allowed", tt.wantStatus)
			assert.Equal(t, tt.wantStatus, got.Status, "status: %s", got.Message)
		})
	}
}

func TestRefusalMessages(t *testing.T) {
	g := New(Options{Endpoint: "localhost:4320", AllowedOrigins: trackOrigins})
	r := httptest.NewRequest(http.MethodPost, "/v1/legacy/notify", nil)
	r.Host = "evil.example:4320"
	assert.Equal(t, `Host "evil.example:4320" is not a name of this listener: expected localhost, a loopback address, the endpoint's host or one of allowed_hosts`, g.Check(r).Message)
	r.Host = "localhost:4320"
	r.Header.Set("Origin", "http://evil.example")
	assert.Equal(t, `Origin "http://evil.example" is not allowed to send requests here: add it to cors.allowed_origins`, g.Check(r).Message)
	// A hostile header is quoted shortened and escaped.
	r.Header.Set("Origin", "http://"+strings.Repeat("a", 5000)+"\r\n<script>")
	msg := g.Check(r).Message
	assert.Less(t, len(msg), 400)
	assert.NotContains(t, msg, "\r")
}

// TestWrapRefusesBeforeTheBody: a refused request's body is never read.
func TestWrapRefusesBeforeTheBody(t *testing.T) {
	reached := false
	h := New(Options{Endpoint: "localhost:4320", AllowedOrigins: trackOrigins}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
		_, _ = io.Copy(io.Discard, r.Body)
	}), nil)
	body := &countingReader{r: strings.NewReader(`{"title":"pwned","priority":"urgent"}`)}
	r := httptest.NewRequest(http.MethodPost, "/v1/legacy/notify", body)
	r.Host = "localhost:4320"
	r.Header.Set("Origin", "http://evil.example")
	r.Header.Set("Content-Type", "text/plain")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.False(t, reached, "the handler ran")
	assert.Zero(t, body.n, "bytes of the body read")
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"error":"Origin \"http://evil.example\" is not allowed to send requests here: add it to cors.allowed_origins"}`, w.Body.String())
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestValidateHosts(t *testing.T) {
	assert.NoError(t, ValidateHosts("allowed_hosts", []string{"box1.lan", "*.corp.example", "*", "10.0.0.1", "::1"}))
	err := ValidateHosts("allowed_hosts", []string{"", "http://box1.lan", "box1.lan:8790/x", "a.*.example", " x", "box1.lan:8790"})
	require.Error(t, err)
	assert.Equal(t, `allowed_hosts::0: expected a host name, got ""
allowed_hosts::1: expected a bare host name without scheme, port or path, got "http://box1.lan"
allowed_hosts::2: expected a bare host name without scheme, port or path, got "box1.lan:8790/x"
allowed_hosts::3: a wildcard is only allowed as a leading "*.", got "a.*.example"
allowed_hosts::4: expected a host name, got " x"
allowed_hosts::5: expected a bare host name without scheme, port or path, got "box1.lan:8790"`, err.Error())
}
