package browserguardextension

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configmiddleware"
	"go.opentelemetry.io/collector/extension/extensiontest"
)

type host struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h host) GetExtensions() map[component.ID]component.Component { return h.ext }

// TestMiddlewareOnAConfighttpServer: as the otlp receiver uses it, through
// confighttp's middlewares key.
func TestMiddlewareOnAConfighttpServer(t *testing.T) {
	f := NewFactory()
	cfg := &Config{AllowedOrigins: []string{"http://localhost:*"}, AllowedHosts: []string{"box1.lan"}}
	require.NoError(t, cfg.Validate())
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, ext.Shutdown(context.Background())) }()
	id := component.MustNewID("browserguard")

	read := 0
	srvCfg := confighttp.NewDefaultServerConfig()
	srvCfg.NetAddr.Endpoint = "127.0.0.1:0"
	srvCfg.Middlewares = []configmiddleware.Config{{ID: id}}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		read += len(b)
	})
	srv, err := srvCfg.ToServer(context.Background(), map[component.ID]component.Component{id: ext}, componenttest.NewNopTelemetrySettings(), handler)
	require.NoError(t, err)
	ln, err := srvCfg.ToListener(context.Background())
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	tests := []struct {
		name, host, origin string
		want               int
	}{
		{"an SDK", "", "", 200},
		{"an allowed page", "", "http://localhost:5005", 200},
		{"another site's page", "", "http://evil.example", 403},
		{"a DNS-rebinding page", "evil.example:4318", "http://evil.example:4318", 421},
		{"a listed name", "box1.lan:4318", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read = 0
			req, err := http.NewRequest(http.MethodPost, base+"/v1/logs", strings.NewReader(`{"resourceLogs":[]}`))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tt.want, resp.StatusCode)
			if tt.want != 200 {
				assert.Zero(t, read, "the body was read")
			}
		})
	}
}

func TestValidate(t *testing.T) {
	assert.EqualError(t, (&Config{AllowedHosts: []string{"http://x"}}).Validate(),
		`allowed_hosts::0: expected a bare host name without scheme, port or path, got "http://x"`)
}
