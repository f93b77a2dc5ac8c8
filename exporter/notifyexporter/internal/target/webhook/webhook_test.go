package webhook

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
)

const hostile = "@everyone <!channel> [docs](https://evil.example) \r\nX-Injected: 1\x00\x7f"

// TestPostsEveryFieldAsJSON: over real HTTP, the body is the notification
// with its title and text, the text kept exactly (as JSON data).
func TestPostsEveryFieldAsJSON(t *testing.T) {
	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- b
	}))
	defer srv.Close()
	s := target.Settings{Name: "hook"}
	s.Client.Endpoint = srv.URL + "/hook"
	require.Empty(t, Factory.Check(s))
	tg := Factory.New(s)
	require.NoError(t, tg.Start(context.Background(), componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings()))
	defer func() { require.NoError(t, tg.Shutdown(context.Background())) }()
	m := target.Message{Notification: target.Notification{Version: target.NotificationVersion, Target: "hook", Status: target.StatusFiring, Count: 3},
		Title: "disk full", Text: hostile}
	require.NoError(t, tg.Deliver(context.Background(), m))
	var got target.Message
	require.NoError(t, json.Unmarshal(<-bodies, &got))
	assert.Equal(t, m, got)
}
