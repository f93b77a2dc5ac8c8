package trackreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/receiver/trackreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	tests := []struct {
		name      string
		check     func(t *testing.T, c *Config)
		wantErr   string // from Validate
		unmarshal string // from Unmarshal
	}{
		{
			name: "",
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, createDefaultConfig(), c)
				assert.Equal(t, "localhost:4320", c.NetAddr.Endpoint)
				assert.Equal(t, int64(5<<20), c.MaxRequestBodySize)
				assert.Empty(t, c.PathPrefix)
				assert.Equal(t, 5*time.Second, c.RetryAfter)
				assert.False(t, c.CORS.HasValue())
				assert.False(t, c.Auth.HasValue())
				assert.False(t, c.TLS.HasValue())
			},
		},
		{
			name: "full",
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "0.0.0.0:14320", c.NetAddr.Endpoint)
				assert.Equal(t, "/track", c.PathPrefix)
				assert.Equal(t, 30*time.Second, c.RetryAfter)
				assert.Equal(t, int64(1<<20), c.MaxRequestBodySize)
				require.True(t, c.CORS.HasValue())
				assert.Equal(t, []string{"http://localhost:5005"}, c.CORS.Get().AllowedOrigins)
				assert.Equal(t, 600, c.CORS.Get().MaxAge)
				require.True(t, c.Auth.HasValue())
				assert.Equal(t, component.MustNewID("bearertokenauth"), c.Auth.Get().Config.AuthenticatorID)
				assert.Equal(t, 10*time.Second, c.ReadTimeout)
				assert.Equal(t, 10*time.Second, c.ReadHeaderTimeout, "the default, against slowloris")
				assert.Equal(t, []string{"box1.lan", "*.corp.example"}, c.AllowedHosts)
			},
		},
		{
			name: "browser",
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, []string{"dashboard"}, c.Formats)
				assert.True(t, c.RequireOrigin)
			},
		},
		{name: "bad_formats", wantErr: "formats::1: expected one of track_event, json_events, dashboard, health_monitor, circuit_breaker, background_tasks, notification, blog, got \"dashbord\"\nrequire_origin: needs cors::allowed_origins (the pages allowed to send)"},
		{name: "bad_hosts", wantErr: "allowed_hosts::0: expected a bare host name without scheme, port or path, got \"http://box1.lan\"\nallowed_hosts::1: a wildcard is only allowed as a leading \"*.\", got \"a.*.example\""},
		{name: "bad_prefix", wantErr: `path_prefix: "track/" must start with "/"`},
		{name: "trailing_slash", wantErr: `path_prefix: "/track/" must not end with "/"`},
		{name: "query_prefix", wantErr: `path_prefix: "/a?b" must be a plain path (no ?, #, %, spaces)`},
		{name: "negative", wantErr: "retry_after: must not be negative, got -1s\nmax_request_body_size: must not be negative, got -5"},
		{name: "typo", unmarshal: "'trackreceiver.Config' has invalid keys: path_prefx"},
	}
	for _, tt := range tests {
		t.Run("track/"+tt.name, func(t *testing.T) {
			id := component.NewIDWithName(metadata.Type, tt.name)
			sub, err := cm.Sub(id.String())
			require.NoError(t, err)
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			err = sub.Unmarshal(cfg)
			if tt.unmarshal != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.unmarshal)
				return
			}
			require.NoError(t, err)
			err = confmap.Validate(cfg)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, cfg.Validate().Error())
				return
			}
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

func TestValidateEmptyEndpoint(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = ""
	assert.EqualError(t, cfg.Validate(), "endpoint: must not be empty (e.g. localhost:4320)")
}
