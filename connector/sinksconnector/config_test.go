package sinksconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/connector/sinksconnector/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id        component.ID
		want      map[string]SinkPolicy
		wantErr   string
		unmarshal string
	}{
		{
			id: component.NewID(metadata.Type),
			want: map[string]SinkPolicy{
				"logs/dashboard":     {WhenFull: "block", MaxBlock: 5 * time.Second},
				"logs/eventlog":      {WhenFull: "block", MaxBlock: 2 * time.Second},
				"logs/observability": {WhenFull: "drop_newest", MaxBlock: 5 * time.Second},
			},
		},
		{id: component.NewIDWithName(metadata.Type, "empty"), wantErr: "pipelines: must list at least one sink pipeline"},
		{
			id: component.NewIDWithName(metadata.Type, "bad_policy"),
			wantErr: `pipelines::logs/dashboard::when_full: must be "block" or "drop_newest", got "drop_oldest"` + "\n" +
				`pipelines::logs/eventlog::when_full: must be "block" or "drop_newest", got ""`,
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad_pipeline"),
			wantErr: `pipelines: "logs/" is not a pipeline ID (expected logs/<name>): in "logs/" id: the part after / should not be empty` + "\n" +
				`pipelines: "traces/backend" is a traces pipeline, expected a logs pipeline`,
		},
		{
			id:      component.NewIDWithName(metadata.Type, "zero_block"),
			wantErr: `pipelines::logs/dashboard::max_block: must be positive when when_full is "block", got 0s`,
		},
		{id: component.NewIDWithName(metadata.Type, "typo"), unmarshal: "has invalid keys: when_ful"},
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
			assert.Equal(t, tt.want, cfg.(*Config).Pipelines)
		})
	}
}
