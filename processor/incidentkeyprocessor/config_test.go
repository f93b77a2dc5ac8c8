package incidentkeyprocessor

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/processor/incidentkeyprocessor/internal/metadata"
)

func TestConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id      string
		want    *Config
		wantErr string
	}{
		{id: "", want: &Config{MetadataKey: "unitrack.incident_key"}},
		{id: "custom", want: &Config{MetadataKey: "kafka.key"}},
		{id: "empty", wantErr: "metadata_key: must not be empty (kafkaexporter reads the record key from it)"},
		{id: "space", wantErr: "metadata_key: must not contain white space"},
		{id: "typo", wantErr: "decoding failed due to the following error(s):\n\n'incidentkeyprocessor.Config' has invalid keys: metadata_kye"},
	}
	for _, tt := range tests {
		t.Run("incidentkey/"+tt.id, func(t *testing.T) {
			sub, err := cm.Sub(component.NewIDWithName(metadata.Type, tt.id).String())
			require.NoError(t, err)
			cfg := NewFactory().CreateDefaultConfig()
			err = sub.Unmarshal(cfg)
			if err == nil {
				err = confmap.Validate(cfg)
			}
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
