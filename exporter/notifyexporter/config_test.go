package notifyexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	tests := []struct {
		id      component.ID
		check   func(t *testing.T, cfg *Config)
		wantErr string
	}{
		{
			id: component.NewID(metadata.Type),
			check: func(t *testing.T, cfg *Config) {
				want := createDefaultConfig().(*Config)
				want.Targets = []TargetConfig{{Name: "inbox", Type: "file", Path: "./var/notify/inbox.jsonl"}}
				// ClientConfig defaults are not applied inside list elements.
				cfg.Targets[0].ClientConfig = want.Targets[0].ClientConfig
				assert.Equal(t, want, cfg)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "full"),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, 10*time.Second, cfg.Timeout)
				assert.Equal(t, time.Minute, cfg.RetryConfig.MaxElapsedTime)
				require.True(t, cfg.QueueConfig.HasValue())
				assert.Equal(t, "file_storage", cfg.QueueConfig.Get().StorageID.String())
				assert.Equal(t, int64(100), cfg.QueueConfig.Get().QueueSize)
				assert.Equal(t, []string{"family", "service.name", "subject", "host.name"}, cfg.GroupBy)
				assert.Equal(t, 10*time.Second, cfg.GroupWait)
				assert.Equal(t, time.Minute, cfg.GroupInterval)
				assert.Equal(t, time.Hour, cfg.RepeatInterval)
				assert.Equal(t, time.Duration(0), cfg.ResolveTimeout)
				assert.Equal(t, 5, cfg.MaxEventIDs)
				assert.Equal(t, 500, cfg.DedupWindow)
				assert.Equal(t, "https://dash.example.com", cfg.DashboardURL)
				assert.Equal(t, "file_storage/state", cfg.Storage.String())
				require.Len(t, cfg.Targets, 2)
				assert.Equal(t, "slack", cfg.Targets[0].Type)
				assert.Equal(t, "error", cfg.Targets[0].MinSeverity)
				assert.Equal(t, "{{.Status}} {{.Subject}}", cfg.Targets[0].Title)
				assert.Equal(t, "https://ntfy.sh/unitrack-alerts", cfg.Targets[1].Endpoint)
				assert.Equal(t, 3*time.Second, cfg.Targets[1].Timeout)
				got, ok := cfg.Targets[1].Headers.Get("Authorization")
				assert.True(t, ok)
				assert.Equal(t, configopaque.String("Bearer tk_secret"), got)
			},
		},
		{
			id:      component.NewIDWithName(metadata.Type, "no_targets"),
			wantErr: "targets: at least one target is required",
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad_targets"),
			wantErr: "targets::0::name: must not be empty\n" +
				"targets::0::endpoint: must be set for type slack\n" +
				"targets::1::name: \"has space\" must be 1-64 letters, digits, '_' or '-'\n" +
				"targets::1::type: \"pager\" is not one of webhook, slack, discord, ntfy, file\n" +
				"targets::2::path: must be set for type file\n" +
				"targets::3::name: \"dup\" is already the name of targets::2\n" +
				"targets::3::endpoint: must be an absolute http(s) URL\n" +
				"targets::3::path: only valid for type file\n" +
				"targets::3::min_severity: \"loud\" is not a severity word: expected one of trace, debug, info, notice, warn, warning, error, err, critical, crit, fatal, alert, emergency (any case)",
		},
		{
			id:      component.NewIDWithName(metadata.Type, "bad_template"),
			wantErr: "targets::0: target \"inbox\": title: template: title:1: unclosed action",
		},
		{
			id: component.NewIDWithName(metadata.Type, "unknown_field"),
			wantErr: "targets::0: target \"inbox\": text: template: text:1:2: executing \"text\" at <.Nope>: " +
				"can't evaluate field Nope in type notifyexporter.templateData",
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad_grouping"),
			wantErr: "group_by::1: must not be empty\n" +
				"group_by::2: \"subject\" is already group_by::0\n" +
				"group_wait: must not be negative, got -1s\n" +
				"group_interval: must be positive, got 0s\n" +
				"repeat_interval: must be positive, got 0s\n" +
				"resolve_timeout: must not be negative (0 disables it), got -1s\n" +
				"dedupe_window: must not be negative (0 delivers every copy), got -1s\n" +
				"max_event_ids: must be between 1 and 1000, got 0\n" +
				"dedup_window: must be between 0 (off) and 1000000, got -5\n" +
				"dashboard_url: must be an absolute http(s) URL such as http://localhost:8790, got \"localhost:8790\"\n" +
				"state_directory: set either storage or state_directory, not both",
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				assert.NotContains(t, err.Error(), "secret-token", "a config error must not echo an endpoint")
				return
			}
			require.NoError(t, err)
			tt.check(t, cfg.(*Config))
		})
	}
}

func TestLoadConfigTypo(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "typo.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub("notify")
	require.NoError(t, err)
	err = sub.Unmarshal(createDefaultConfig())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has invalid keys: group_wiat")
}
