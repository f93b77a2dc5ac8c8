package dashboardexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id      component.ID
		check   func(t *testing.T, cfg *Config)
		wantErr string
	}{
		{
			id: component.NewID(metadata.Type),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, createDefaultConfig(), cfg)
				assert.Equal(t, "localhost:8790", cfg.NetAddr.Endpoint)
				assert.Equal(t, "./var/dashboard", cfg.Directory)
				assert.Equal(t, RetentionConfig{MaxAge: 168 * time.Hour, MaxEvents: 5_000_000, MaxSizeMiB: 2048, Interval: time.Minute}, cfg.Retention)
				assert.Equal(t, "http://localhost:4320/v1/legacy/dashboard", cfg.Tracker.Endpoint)
				assert.Equal(t, 20, cfg.Tracker.MaxReportsPerMinute)
				require.True(t, cfg.QueueConfig.HasValue())
				assert.Equal(t, 1, cfg.QueueConfig.Get().NumConsumers)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "full"),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, "localhost:9999", cfg.NetAddr.Endpoint)
				assert.Equal(t, "/srv/unitrack/dashboard", cfg.Directory)
				assert.Equal(t, []string{"dash.corp.example"}, cfg.AllowedHosts)
				assert.Equal(t, 10*time.Second, cfg.ReadHeaderTimeout, "the default, against slowloris")
				assert.Equal(t, RetentionConfig{MaxAge: 24 * time.Hour, MaxEvents: 1000, MaxSizeMiB: 10, Interval: 30 * time.Second}, cfg.Retention)
				assert.Equal(t, TrackerConfig{Endpoint: "https://collector.example.com/v1/legacy/dashboard", MaxReportsPerMinute: 5}, cfg.Tracker)
				assert.Equal(t, LinksConfig{BlogDirectory: "./var/blog", BlogURL: "http://localhost:8791", NotifyInbox: "./var/notify/inbox.jsonl"}, cfg.Links)
				assert.Equal(t, 10*time.Second, cfg.Timeout)
				assert.Equal(t, int64(100), cfg.QueueConfig.Get().QueueSize)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "no_retention"),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, RetentionConfig{}, cfg.Retention)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad"),
			wantErr: "directory: must not be empty\n" +
				"allowed_hosts[0]: expected a bare host name without scheme, port or path, got \"dash.corp.example:8790\"\n" +
				"retention.max_age: must not be negative, got -1h0m0s\n" +
				"retention.max_events: must not be negative, got -1\n" +
				"retention.max_size_mib: must not be negative, got -2\n" +
				"tracker.endpoint: expected an absolute http or https URL, got \"ftp://example.com/x\"\n" +
				"tracker.max_reports_per_minute: must not be negative, got -1\n" +
				"links.blog_url: expected an absolute http or https URL, got \"localhost:8791\"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				return
			}
			require.NoError(t, err)
			tt.check(t, cfg.(*Config))
		})
	}
}

func TestLoadConfigTypo(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "typo.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub("dashboard")
	require.NoError(t, err)
	err = sub.Unmarshal(createDefaultConfig())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has invalid keys: directroy")
}

func TestRetentionIntervalRequired(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Retention.Interval = 0
	assert.EqualError(t, cfg.Validate(), "retention.interval: must be positive when a retention bound is set, got 0s")
}

func TestStartFailsOnUnusableDirectory(t *testing.T) {
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Directory = "/proc/unitrack-cannot-create"
	exp, err := f.CreateLogs(t.Context(), exportertestSettings(f), cfg)
	require.NoError(t, err)
	err = exp.Start(t.Context(), nopHost())
	require.ErrorContains(t, err, `directory "/proc/unitrack-cannot-create"`)
	require.NoError(t, exp.Shutdown(t.Context()))
}

func TestStartFailsOnBusyPort(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = td.de.addr.String()
	cfg.Directory = t.TempDir()
	exp, err := f.CreateLogs(t.Context(), exportertestSettings(f), cfg)
	require.NoError(t, err)
	err = exp.Start(t.Context(), nopHost())
	require.ErrorContains(t, err, "address already in use")
	require.NoError(t, exp.Shutdown(t.Context()))
}
