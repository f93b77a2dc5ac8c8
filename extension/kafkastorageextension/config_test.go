package kafkastorageextension

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/extension/kafkastorageextension/internal/metadata"
)

func TestConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id      string
		want    *Config
		wantErr string
	}{
		{id: "", want: &Config{Brokers: []string{"localhost:9092"}, Topic: "unitrack-state", ClientID: "unitrack-state", Timeout: 10 * time.Second}},
		{id: "custom", want: &Config{Brokers: []string{"k1:9092", "k2:9092"}, Topic: "gw-state", ClientID: "gw1", Timeout: 3 * time.Second}},
		{id: "bad", wantErr: "brokers::0: must not be empty\ntopic: \"no spaces\" is not a Kafka topic name (1-249 of [a-zA-Z0-9._-])\ntimeout: must be positive, got 0s"},
		{id: "typo", wantErr: "decoding failed due to the following error(s):\n\n'kafkastorageextension.Config' has invalid keys: topik"},
	}
	for _, tt := range tests {
		t.Run("kafka_storage/"+tt.id, func(t *testing.T) {
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
