package eventlogreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/receiver/eventlogreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	storageID := component.MustNewID("file_storage")
	tests := []struct {
		id        component.ID
		check     func(t *testing.T, c *Config)
		wantErr   string // from Validate
		unmarshal string // from Unmarshal
	}{
		{
			id: component.NewID(metadata.Type),
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, []string{"./var/legacy/*.jsonl"}, c.Include)
				assert.Equal(t, "end", c.StartAt)
				assert.Equal(t, 200*time.Millisecond, c.PollInterval)
				assert.Equal(t, "ignore", c.OnTruncate)
				assert.False(t, c.IncludeFileName)
				assert.Nil(t, c.Storage)
				assert.True(t, c.RetryConfig.Enabled)
				assert.Equal(t, time.Duration(0), c.RetryConfig.MaxElapsedTime)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "full"),
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, []string{"./var/legacy/*.jsonl", "/var/log/agent/events.jsonl"}, c.Include)
				assert.Equal(t, []string{"./var/legacy/old-*.jsonl"}, c.Exclude)
				assert.Equal(t, "beginning", c.StartAt)
				assert.Equal(t, 500*time.Millisecond, c.PollInterval)
				assert.Equal(t, 16, c.MaxConcurrentFiles)
				assert.EqualValues(t, 2048, c.FingerprintSize)
				assert.Equal(t, "read_whole_file", c.OnTruncate)
				assert.True(t, c.IncludeFileName)
				assert.Equal(t, &storageID, c.Storage)
				assert.Equal(t, 100*time.Millisecond, c.RetryConfig.InitialInterval)
				assert.Equal(t, time.Minute, c.RetryConfig.MaxElapsedTime)
			},
		},
		{
			id:      component.NewIDWithName(metadata.Type, "no_include"),
			wantErr: "include: at least one glob is required",
		},
		{
			id:      component.NewIDWithName(metadata.Type, "bad_start_at"),
			wantErr: `start_at: must be "beginning" or "end", got "middle"`,
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad_values"),
			wantErr: "poll_interval: must be positive, got 0s\n" +
				"max_concurrent_files: must be at least 1, got 0\n" +
				"fingerprint_size: must be at least 16 bytes, got 8\n" +
				`on_truncate: must be one of ignore, read_whole_file, read_new, got "rewind"`,
		},
		{
			id:      component.NewIDWithName(metadata.Type, "multiline"),
			wantErr: "multiline: not supported, a JSON event log holds one event per line",
		},
		{
			id:      component.NewIDWithName(metadata.Type, "bad_retry"),
			wantErr: "retry_on_failure::initial_interval: must be positive when enabled, got 0s",
		},
		{
			id:        component.NewIDWithName(metadata.Type, "typo"),
			unmarshal: "has invalid keys: start_att",
		},
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
