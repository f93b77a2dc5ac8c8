package routeprocessor

import (
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/processor/routeprocessor/internal/metadata"
)

// loadConfig unmarshals one processor's configuration from a testdata file
// and validates it, as the collector does at start-up.
func loadConfig(t *testing.T, file string, id component.ID) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", file))
	require.NoError(t, err)
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		return nil, err
	}
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfig(t *testing.T) {
	table := []RouteConfig{
		{Name: "all", Condition: "true", Sinks: []string{"dashboard", "eventlog"}},
		{Conditions: []string{
			"severity_number >= SEVERITY_NUMBER_ERROR",
			`event_name == "mcp.circuit_breaker.opened"`,
		}, Sinks: []string{"notify"}},
	}
	defaults := []string{"eventlog"}

	tests := []struct {
		file    string
		id      component.ID
		want    *Config
		wantErr string
	}{
		{
			file: "config.yaml",
			id:   component.NewID(metadata.Type),
			want: &Config{Routes: table, DefaultSinks: defaults, ErrorMode: ottl.PropagateError},
		},
		{
			file: "config.yaml",
			id:   component.NewIDWithName(metadata.Type, "ignore"),
			want: &Config{Routes: table, DefaultSinks: defaults, ErrorMode: ottl.IgnoreError},
		},
		{
			file: "config.yaml",
			id:   component.NewIDWithName(metadata.Type, "silent"),
			want: &Config{Routes: table, DefaultSinks: defaults, ErrorMode: ottl.SilentError},
		},
		{
			file: "config.yaml",
			id:   component.NewIDWithName(metadata.Type, "notify"),
			want: &Config{Routes: table, DefaultSinks: defaults, ErrorMode: ottl.PropagateError, Select: "notify"},
		},
		{
			file: "bad_ottl.yaml",
			id:   component.NewID(metadata.Type),
			wantErr: "routes::1 (\"broken\"): condition \"severity_number >= SEVERITY_NUMBER_LOUD\": 1:20: condition failed to parse near `SEVERITY_N`: enum symbol, SEVERITY_NUMBER_LOUD, not found\n" +
				"routes::2: conditions::1 \"attributes[\\\"x\\\"] ==\": 1:19: condition has invalid syntax: (expected Field (\".\" Field)*)",
		},
		{
			file:    "missing_sinks.yaml",
			id:      component.NewID(metadata.Type),
			wantErr: `routes::0 ("errors"): sinks: must name at least one sink`,
		},
		{
			file: "missing_condition.yaml",
			id:   component.NewID(metadata.Type),
			wantErr: "routes::0: condition: must be an OTTL condition (log context), e.g. severity_number >= SEVERITY_NUMBER_ERROR\n" +
				`routes::1 ("both"): set condition or conditions, not both`,
		},
		{
			file:    "missing_default_sinks.yaml",
			id:      component.NewID(metadata.Type),
			wantErr: "default_sinks: must name at least one sink, so that a record no route matches is not lost",
		},
		{
			file:    "select_unknown.yaml",
			id:      component.NewIDWithName(metadata.Type, "pager"),
			wantErr: `select: no route and no default_sinks can produce sink "pager" (sinks in the table: [dashboard, eventlog])`,
		},
		{
			file:    "select_without_table.yaml",
			id:      component.NewIDWithName(metadata.Type, "notify"),
			wantErr: `select: "notify" cannot be checked against the routing table: give the select instance the same table as the routing instance (routes: *table, default_sinks: *defaults)`,
		},
		{
			file:    "bad_error_mode.yaml",
			id:      component.NewID(metadata.Type),
			wantErr: "decoding failed due to the following error(s):\n\n'error_mode' unknown error mode loud",
		},
		{
			file:    "typo_key.yaml",
			id:      component.NewID(metadata.Type),
			wantErr: "decoding failed due to the following error(s):\n\n'routes[0]' has invalid keys: conditon",
		},
		{
			file: "bad_names.yaml",
			id:   component.NewID(metadata.Type),
			wantErr: `routes::0 ("dup"): sinks::1: "" is not a sink name (non-empty, no surrounding spaces)` + "\n" +
				`routes::1 ("dup"): sinks::0: " blog" is not a sink name (non-empty, no surrounding spaces)` + "\n" +
				`routes::1 ("dup"): name: "dup" is already the name of routes::0`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.id.String(), func(t *testing.T) {
			got, err := loadConfig(t, tt.file, tt.id)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
