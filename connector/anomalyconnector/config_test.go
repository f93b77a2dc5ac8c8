package anomalyconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/connector/anomalyconnector/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	storageID := component.MustNewID("file_storage")

	full := createDefaultConfig().(*Config)
	full.Bucket = 30 * time.Second
	full.Storage = &storageID
	full.EmitResolved = false
	full.MaxSeries = 500
	full.ErrorRate = ErrorRateConfig{Enabled: true, BaselineBuckets: 120, WarmupBuckets: 60, ZScore: 5, Ratio: 4, MinCount: 10, ResolveBuckets: 3}
	full.Silence = SilenceConfig{Enabled: true, Factor: 4, WarmupReports: 12, MinSilence: 5 * time.Minute}
	full.NewErrorNames = NewErrorNamesConfig{Enabled: false, Warmup: time.Hour, MaxPerBucket: 2}

	offNotChecked := createDefaultConfig().(*Config)
	offNotChecked.Silence.Enabled = false
	offNotChecked.Silence.Factor = 0

	tests := []struct {
		id      component.ID
		want    *Config
		wantErr string
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{id: component.NewIDWithName(metadata.Type, "full"), want: full},
		{
			id: component.NewIDWithName(metadata.Type, "bad"),
			wantErr: "bucket: must be at least 100ms, got 10ms\n" +
				"max_series: must be at least 1, got 0\n" +
				"error_rate::baseline_buckets: must be at least 2, got 1\n" +
				"error_rate::warmup_buckets: must be at least 1, got 0\n" +
				"error_rate::zscore: must be positive, got 0\n" +
				"error_rate::ratio: must be at least 1, got 0.5\n" +
				"error_rate::min_count: must be at least 2, got 1\n" +
				"error_rate::resolve_buckets: must be at least 1, got 0\n" +
				"silence::factor: must be at least 2, got 1.5\n" +
				"silence::warmup_reports: must be between 3 and 16, got 40\n" +
				"silence::min_silence: must not be negative, got -1s\n" +
				"new_error_names::warmup: must not be negative, got -1h0m0s\n" +
				"new_error_names::max_per_bucket: must be at least 1, got 0",
		},
		{
			id:      component.NewIDWithName(metadata.Type, "all_off"),
			wantErr: "error_rate::enabled, silence::enabled, new_error_names::enabled: at least one detector must be on (remove the connector from the pipelines to turn detection off)",
		},
		{id: component.NewIDWithName(metadata.Type, "off_detector_not_checked"), want: offNotChecked},
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
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestConfigTypoIsAnError(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "typo.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub("anomaly")
	require.NoError(t, err)
	err = sub.Unmarshal(createDefaultConfig(), confmap.WithIgnoreUnused())
	require.NoError(t, err, "the same file loads when unused keys are ignored")
	err = sub.Unmarshal(createDefaultConfig())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "min_cuont")
}
