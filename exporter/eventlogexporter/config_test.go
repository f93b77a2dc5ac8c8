package eventlogexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/exporter/eventlogexporter/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	tests := []struct {
		id        component.ID
		check     func(t *testing.T, c *Config)
		wantErr   string
		unmarshal string
	}{
		{
			id: component.NewID(metadata.Type),
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "./var/eventlog/events.jsonl", c.Path)
				assert.Equal(t, 100, c.MaxMegabytes)
				assert.Equal(t, 5, c.MaxBackups)
				assert.Equal(t, "batch", c.Fsync)
				assert.Equal(t, 100_000, c.DedupWindow)
				assert.Equal(t, 5*time.Second, c.Timeout)
				assert.False(t, c.QueueConfig.HasValue(), "sending_queue is off by default")
				assert.True(t, c.RetryConfig.Enabled)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "full"),
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, "/var/log/unitrack/events.jsonl", c.Path)
				assert.Equal(t, 10, c.MaxMegabytes)
				assert.Equal(t, 3, c.MaxBackups)
				assert.Equal(t, "interval", c.Fsync)
				assert.Equal(t, 250*time.Millisecond, c.FsyncInterval)
				assert.Equal(t, 5000, c.DedupWindow)
				assert.Equal(t, 2*time.Second, c.Timeout)
				require.True(t, c.QueueConfig.HasValue())
				assert.EqualValues(t, 500, c.QueueConfig.Get().QueueSize)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "no_rotation"),
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, 0, c.MaxMegabytes)
				assert.Equal(t, 0, c.MaxBackups)
			},
		},
		{id: component.NewIDWithName(metadata.Type, "empty_path"), wantErr: "path: must not be empty"},
		{
			id: component.NewIDWithName(metadata.Type, "bad_rotation"),
			wantErr: "max_megabytes: must be 0 (no rotation) or positive, got -1\n" +
				"max_backups: must not be negative, got -2",
		},
		{
			id:      component.NewIDWithName(metadata.Type, "zero_backups"),
			wantErr: "max_backups: must be at least 1 when max_megabytes is set, got 0",
		},
		{
			id:      component.NewIDWithName(metadata.Type, "bad_fsync"),
			wantErr: `fsync: must be one of batch, interval, never, got "sometimes"`,
		},
		{
			id:      component.NewIDWithName(metadata.Type, "bad_interval"),
			wantErr: `fsync_interval: must be positive when fsync is "interval", got 0s`,
		},
		{
			id:      component.NewIDWithName(metadata.Type, "bad_dedup"),
			wantErr: "dedup_window: must be between 0 (off) and 10000000, got -1",
		},
		{id: component.NewIDWithName(metadata.Type, "typo"), unmarshal: "has invalid keys: paht"},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			err = sub.Unmarshal(cfg)
			if tt.unmarshal != "" {
				require.ErrorContains(t, err, tt.unmarshal)
				return
			}
			require.NoError(t, err)
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
