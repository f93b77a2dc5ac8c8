package incidentsextension

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/internal/incidents"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	custom := createDefaultConfig().(*Config)
	custom.Directory, custom.MaxAge, custom.MaxIncidents = "/tmp/ledger", 24*time.Hour, 50
	custom.Silences = []SilenceConfig{{
		Matcher:  incidents.Matcher{Subject: "filesystem", Service: "agent-runner"},
		StartsAt: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC),
		EndsAt:   time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
		Author:   "ops", Comment: "planned restart of the filesystem server",
	}}
	tests := []struct {
		name, wantErr, unmarshal string
		want                     *Config
	}{
		{name: "incidents", want: createDefaultConfig().(*Config)},
		{name: "incidents/custom", want: custom},
		{name: "incidents/bad", wantErr: "directory: must not be empty\nmax_incidents: must be positive, got 0\nmax_age: must be 0 (no limit) or positive, got -1h0m0s\n" +
			"silences::0::matcher: set at least one of subject, group_key, category, service, event_name\n" +
			"silences::1::ends_at: must be after starts_at (2026-11-28T12:00:00Z), got 2026-11-28T11:00:00Z\n" +
			"silences::1::author: must not be empty"},
		{name: "incidents/typo", unmarshal: "has invalid keys: max_incident"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.name)
			require.NoError(t, err)
			err = sub.Unmarshal(cfg)
			if tt.unmarshal != "" {
				require.ErrorContains(t, err, tt.unmarshal)
				return
			}
			require.NoError(t, err)
			err = confmap.Validate(cfg)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			got := cfg.(*Config)
			for i := range got.Silences {
				got.Silences[i].StartsAt = got.Silences[i].StartsAt.UTC()
				got.Silences[i].EndsAt = got.Silences[i].EndsAt.UTC()
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
