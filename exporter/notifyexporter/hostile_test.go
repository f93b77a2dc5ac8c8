package notifyexporter

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostile is event text written to reach a notification's reader: mass
// mentions, disguised links, header injection, control bytes.
const hostile = "@everyone <!channel> [docs](https://evil.example) [x](javascript:alert(1)) **bold** \r\nX-Injected: 1\x00\x7f"

// TestHostileTextInPayloads: every target type carries the text as inert
// data: no mention fires, no link is disguised, no header is injected.
func TestHostileTextInPayloads(t *testing.T) {
	n := notification{Status: statusFiring, EventName: "task.failed", Family: "task\r\nX-Family: 1", SeverityNumber: 21,
		DashboardURL: "http://localhost:8790/#/events/01B", LastSeen: time.Unix(1, 0)}

	p, err := buildPayload(typeSlack, n, hostile, hostile)
	require.NoError(t, err)
	assert.NotContains(t, string(p.body), "<!channel>")
	assert.NotContains(t, string(p.body), `\u003c!channel\u003e`, "an unescaped mention, JSON-encoded")

	p, err = buildPayload(typeDiscord, n, hostile, hostile)
	require.NoError(t, err)
	var d discordPayload
	require.NoError(t, json.Unmarshal(p.body, &d))
	assert.Equal(t, []string{}, d.AllowedMentions.Parse, "no mention is parsed")
	assert.Contains(t, d.Embeds[0].Description, `\[docs\](https://evil.example)`)
	assert.NotContains(t, d.Embeds[0].Description, "[docs](")

	p, err = buildPayload(typeNtfy, n, hostile, hostile)
	require.NoError(t, err)
	for k, v := range p.headers {
		assert.NotContains(t, v, "\r", k)
		assert.NotContains(t, v, "\n", k)
	}
	assert.Empty(t, p.headers["Markdown"], "ntfy shows the text as plain text")

	for _, typ := range []string{typeWebhook, typeFile} {
		p, err = buildPayload(typ, n, hostile, hostile)
		require.NoError(t, err)
		var g genericPayload
		require.NoError(t, json.Unmarshal(p.body, &g))
		assert.Equal(t, hostile, g.Text, "%s keeps the text exactly, as JSON data", typ)
	}
}

// TestCRLFNeverReachesAWebhookHeader: over real HTTP, the ntfy target sees
// one Title header and no injected one.
func TestCRLFNeverReachesAWebhookHeader(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Header.Clone() }))
	defer srv.Close()
	n := notification{Status: statusFiring, EventName: "task.failed", Family: "task\r\nX-Family: 1", SeverityNumber: 17}
	p, err := buildPayload(typeNtfy, n, "disk full\r\nX-Injected: 1", "text")
	require.NoError(t, err)
	require.NoError(t, deliverHTTP(context.Background(), srv.Client(), "ntfy", srv.URL, p, time.Now()))
	h := <-got
	assert.Empty(t, h.Get("X-Injected"))
	assert.Empty(t, h.Get("X-Family"))
	assert.Equal(t, "disk full X-Injected: 1", h.Get("Title"))
	assert.False(t, strings.ContainsAny(h.Get("Tags"), "\r\n"))
}
