package basicauthextension

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/extension/basicauthextension/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		name      string
		want      HtpasswdSettings
		wantErr   string
		unmarshal string
	}{
		{name: "", wantErr: "htpasswd: set file or inline (or both); without users nobody could log in"},
		{name: "inline", want: HtpasswdSettings{Inline: "admin:${env:UNITRACK_TEST_PASSWORD}"}},
		{name: "file", want: HtpasswdSettings{File: "/run/secrets/htpasswd"}},
		{name: "typo", unmarshal: "has invalid keys: htpaswd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := cm.Sub(component.NewIDWithName(metadata.Type, tt.name).String())
			require.NoError(t, err)
			cfg := NewFactory().CreateDefaultConfig().(*Config)
			err = sub.Unmarshal(cfg)
			if tt.unmarshal != "" {
				require.ErrorContains(t, err, tt.unmarshal)
				return
			}
			require.NoError(t, err)
			if tt.wantErr != "" {
				require.EqualError(t, cfg.Validate(), tt.wantErr)
				return
			}
			require.NoError(t, cfg.Validate())
			assert.Equal(t, tt.want, cfg.Htpasswd)
		})
	}
}
