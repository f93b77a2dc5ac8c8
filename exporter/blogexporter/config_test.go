package blogexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/exporter/blogexporter/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	full := createDefaultConfig().(*Config)
	full.Directory = "/srv/blog"
	full.Window = 10 * time.Minute
	full.DashboardURL = "https://dash.example.com/"
	full.MaxAge = 168 * time.Hour
	full.MaxPosts = 200
	full.FeedEntries = 20
	full.ListsInterval = 5 * time.Second
	full.Server.GetOrInsertDefault().NetAddr.Endpoint = "localhost:9999"
	full.Digest = DigestConfig{Enabled: true, TimeOfDay: "00:00", Interval: 6 * time.Hour, Timezone: "Europe/Paris", TopIncidents: 5}
	full.Timeout = 2 * time.Second
	full.QueueConfig = createDefaultConfig().(*Config).QueueConfig
	full.RetryConfig.Enabled = false

	serverDefault := createDefaultConfig().(*Config)
	serverDefault.Server.GetOrInsertDefault()

	tests := []struct {
		id      component.ID
		want    *Config
		wantErr string
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{id: component.NewIDWithName(metadata.Type, "full"), want: full},
		{id: component.NewIDWithName(metadata.Type, "server_default"), want: serverDefault},
		{
			id: component.NewIDWithName(metadata.Type, "bad_values"),
			wantErr: "directory: must not be empty\n" +
				"window: must be positive, got 0s\n" +
				"dashboard_url: must be an absolute http or https URL, got \"javascript:alert(1)\"\n" +
				"max_age: must not be negative, got -1h0m0s\n" +
				"max_posts: must not be negative, got -1\n" +
				"lists_interval: must not be negative (0 writes the lists with every batch), got -1s\n" +
				"feed_entries: must be positive, got 0",
		},
		{
			// The removed detector's key names the connector that replaced it.
			id:      component.NewIDWithName(metadata.Type, "removed_anomaly"),
			wantErr: "anomaly: the blog's anomaly detector was removed; anomaly detection is the `anomaly` connector (connector/anomalyconnector), on by default in otelcol.yaml, and its posts reach the blog through the routing table: delete this key",
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad_digest"),
			wantErr: "digest::time_of_day: expected HH:MM (00:00 to 23:59), got \"25:00\"\n" +
				"digest::timezone: must not be empty (use UTC or an IANA zone name)\n" +
				"digest::top_incidents: must be at least 1, got 0",
		},
		{
			id:      component.NewIDWithName(metadata.Type, "bad_digest_interval"),
			wantErr: "digest::interval: must be at least 1m, got 30s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
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
			if tt.id.Name() == "full" {
				assert.False(t, cfg.QueueConfig.HasValue(), "sending_queue: enabled: false")
				cfg.QueueConfig = tt.want.QueueConfig
			}
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestLoadConfigTypo(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, "typo").String())
	require.NoError(t, err)
	err = sub.Unmarshal(createDefaultConfig())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has invalid keys: directroy")
}

func TestDefaultConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, "./var/blog", cfg.Directory)
	assert.Equal(t, 30*time.Minute, cfg.Window)
	assert.Equal(t, "http://localhost:8790", cfg.DashboardURL)
	assert.False(t, cfg.Server.HasValue(), "the HTTP server is off by default")
	assert.Nil(t, cfg.RemovedAnomaly, "no anomaly key: the detector is the anomaly connector")
	assert.True(t, cfg.Digest.Enabled)
	require.True(t, cfg.QueueConfig.HasValue())
	assert.Equal(t, 1, cfg.QueueConfig.Get().NumConsumers, "one consumer keeps incident order")
}

func TestUnknownTimezoneFailsCreate(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Digest.Enabled = true
	cfg.Digest.Timezone = "Mars/Olympus_Mons"
	_, err := newBlogExporter(cfg, exportertestSettings())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `digest::timezone: unknown zone "Mars/Olympus_Mons"`)
}
