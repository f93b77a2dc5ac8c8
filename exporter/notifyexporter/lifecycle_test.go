package notifyexporter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/otel/attribute"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/metadata"
	"github.com/unitrack/unitrack/internal/legacy"
)

func TestLifecycle(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.NoError(t, componenttest.CheckConfigStruct(f.CreateDefaultConfig()))
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Targets = []TargetConfig{{Name: "inbox", Type: "file", Path: filepath.Join(t.TempDir(), "inbox.jsonl")}}
	require.NoError(t, cfg.Validate())
	exp, err := f.CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	assert.False(t, exp.Capabilities().MutatesData)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(breaker("fs", "opened", t0, "a"))))
	require.NoError(t, exp.Shutdown(context.Background()))
	// Shutdown without Start is fine too.
	exp, err = f.CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Shutdown(context.Background()))
}

func TestCreateFailsOnBadTemplate(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Targets = []TargetConfig{{Name: "ops", Type: "file", Path: "x", Title: "{{.Count | nosuchfunc}}"}}
	_, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.Error(t, err)
	assert.Equal(t, `targets::0: target "ops": title: template: title:1: function "nosuchfunc" not defined`, err.Error())
}

func TestStartFailsWithoutStorageExtension(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Targets = []TargetConfig{{Name: "inbox", Type: "file", Path: filepath.Join(t.TempDir(), "inbox.jsonl")}}
	missing := component.MustNewID("file_storage")
	cfg.Storage = &missing
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	err = exp.Start(context.Background(), componenttest.NewNopHost())
	require.Error(t, err)
	assert.Equal(t, `storage: extension "file_storage" not found`, err.Error())
	require.NoError(t, exp.Shutdown(context.Background()))
}

// TestStateDirectoryKeepsGroupsAcrossRestart: without a storage extension,
// state_directory keeps a restart from re-paging.
func TestStateDirectoryKeepsGroupsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox.jsonl")
	newCfg := func() *Config {
		cfg := fastConfig(TargetConfig{Name: "inbox", Type: "file", Path: inbox})
		cfg.StateDirectory = filepath.Join(dir, "state")
		return cfg
	}
	ctx := context.Background()
	env := newTestEnv(t)
	exp := env.start(t, newCfg(), componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breaker("fs", "opened", t0, "a"))))
	waitLines(t, inbox, 1)
	require.NoError(t, exp.Shutdown(ctx))
	files, err := filepath.Glob(filepath.Join(dir, "state", "*.state.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)

	env = newTestEnv(t)
	exp = env.start(t, newCfg(), componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breaker("fs", "opened", t0.Add(time.Minute), "b"))))
	// The restored group absorbs the event; then it recovers and resolves.
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breaker("fs", "closed", t0.Add(2*time.Minute), "c"))))
	lines := waitLines(t, inbox, 2)
	require.NoError(t, exp.Shutdown(ctx))
	require.Len(t, lines, 2, "no second firing after the restart")
	resolved := decodeBody(t, lines[1])
	assert.Equal(t, "resolved", resolved["status"])
	assert.EqualValues(t, 3, resolved["count"], "the count carried over the restart")
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{"version":1,"targets":{"inbox":[]},"seen":["a","b","c"]}`, string(b), "no group left; the ids counted are kept")
}

// TestOneShotDedupeSurvivesRestart: a notify() call delivered just before a
// restart is not delivered again when it is repeated just after it; a
// different call, sent after the repeat, is the marker that the repeat was
// processed.
func TestOneShotDedupeSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox.jsonl")
	newCfg := func() *Config {
		cfg := fastConfig(TargetConfig{Name: "inbox", Type: "file", Path: inbox})
		cfg.StateDirectory = filepath.Join(dir, "state")
		cfg.DedupeWindow = time.Hour
		return cfg
	}
	ctx := context.Background()
	call := decoded(t, legacy.Notification, `{"title":"Ollama is down","message":"Health check failed 3 times","priority":"high"}`)
	marker := decoded(t, legacy.Notification, `{"title":"marker","message":"after the repeat","priority":"low"}`)

	env := newTestEnv(t)
	exp := env.start(t, newCfg(), componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeLogs(ctx, call))
	waitLines(t, inbox, 1)
	require.NoError(t, exp.Shutdown(ctx))

	env = newTestEnv(t)
	exp = env.start(t, newCfg(), componenttest.NewNopHost())
	// A new call with the same text (its own event id: the same event
	// resent would be skipped by id before the dedupe window is asked).
	repeat := decoded(t, legacy.Notification, `{"title":"Ollama is down","message":"Health check failed 3 times","priority":"high"}`)
	require.NoError(t, exp.ConsumeLogs(ctx, repeat))
	require.NoError(t, exp.ConsumeLogs(ctx, marker))
	lines := waitLines(t, inbox, 2)
	require.NoError(t, exp.Shutdown(ctx))
	require.Len(t, lines, 2, "the repeat after the restart is held back")
	assert.Equal(t, "marker", decodeBody(t, lines[1])["title"])
	assert.Equal(t, int64(1), env.sum(t, "otelcol_exporter_notify_notifications_suppressed", attribute.String("reason", "duplicate")))
}
