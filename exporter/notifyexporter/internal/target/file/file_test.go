package file

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
)

func TestCheck(t *testing.T) {
	s := target.Settings{Name: "inbox"}
	s.Client.Endpoint = "http://localhost:1/x"
	var got []string
	for _, err := range Factory.Check(s) {
		got = append(got, err.Error())
	}
	assert.Equal(t, []string{"path: must be set for type file", "endpoint: not valid for type file"}, got)
	assert.Empty(t, Factory.Check(target.Settings{Name: "inbox", Path: "inbox.jsonl"}))
}

// TestWritesOneLinePerMessage: the directory is created, each message is one
// JSON line (a text with line breaks included), and lines are appended
// across restarts.
func TestWritesOneLinePerMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify", "inbox.jsonl")
	ctx := context.Background()
	for run := range 2 {
		tg := Factory.New(target.Settings{Name: "inbox", Path: path})
		require.NoError(t, tg.Start(ctx, componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings()))
		m := target.Message{Notification: target.Notification{Target: "inbox", Status: target.StatusFiring, Count: run}, Title: "t", Text: "two\nlines\r\n"}
		require.NoError(t, tg.Deliver(ctx, m))
		require.NoError(t, tg.Shutdown(ctx))
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	require.Len(t, lines, 2)
	for i, l := range lines {
		var got target.Message
		require.NoError(t, json.Unmarshal([]byte(l), &got))
		assert.Equal(t, i, got.Count)
		assert.Equal(t, "two\nlines\r\n", got.Text)
	}
}

func TestDeliverAfterShutdownFails(t *testing.T) {
	ctx := context.Background()
	tg := Factory.New(target.Settings{Name: "inbox", Path: filepath.Join(t.TempDir(), "inbox.jsonl")})
	require.NoError(t, tg.Start(ctx, componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings()))
	require.NoError(t, tg.Shutdown(ctx))
	require.NoError(t, tg.Shutdown(ctx), "a second shutdown is a no-op")
	err := tg.Deliver(ctx, target.Message{})
	assert.EqualError(t, err, `target "inbox": write inbox file: inbox file is closed`)
}

func TestStartFailsOnAnUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	tg := Factory.New(target.Settings{Name: "inbox", Path: filepath.Join(blocker, "inbox.jsonl")})
	err := tg.Start(context.Background(), componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "open inbox file: ")
}
