package slack

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
)

// hostile is event text written to reach a notification's reader.
const hostile = "@everyone <!channel> [docs](https://evil.example) & **bold** \r\nX-Injected: 1\x00\x7f"

func message(status, priority string) target.Message {
	return target.Message{
		Notification: target.Notification{Status: status, Priority: priority, GroupKey: "task|svc|<!here>",
			DashboardURL: "http://localhost:8790/#/events/01B", LastSeen: time.Unix(1700000000, 0)},
		Title: hostile, Text: hostile,
	}
}

// TestHostileTextIsInert: no mention fires, nothing becomes a link.
func TestHostileTextIsInert(t *testing.T) {
	p, err := Factory.Encode(message(target.StatusFiring, target.PriorityUrgent))
	require.NoError(t, err)
	assert.NotContains(t, string(p.Body), "<!channel>")
	assert.NotContains(t, string(p.Body), `\u003c!channel\u003e`, "an unescaped mention, JSON-encoded")
	var got payload
	require.NoError(t, json.Unmarshal(p.Body, &got))
	require.Len(t, got.Attachments, 1)
	a := got.Attachments[0]
	assert.Contains(t, a.Text, "&lt;!channel&gt; [docs](https://evil.example) &amp; ")
	assert.Equal(t, a.Title, got.Text)
	assert.Equal(t, "unitrack notify · task|svc|&lt;!here&gt;", a.Footer)
	assert.Equal(t, "http://localhost:8790/#/events/01B", a.TitleLink)
	assert.Equal(t, int64(1700000000), a.TS)
}

func TestColourByPriority(t *testing.T) {
	for _, tt := range []struct{ status, priority, want string }{
		{target.StatusFiring, target.PriorityUrgent, "#8B0000"},
		{target.StatusFiring, target.PriorityHigh, "#D63232"},
		{target.StatusFiring, target.PriorityNormal, "#E8A317"},
		{target.StatusFiring, target.PriorityLow, "#439FE0"},
		{target.StatusResolved, target.PriorityUrgent, "#2EB886"},
	} {
		p, err := Factory.Encode(message(tt.status, tt.priority))
		require.NoError(t, err)
		var got payload
		require.NoError(t, json.Unmarshal(p.Body, &got))
		assert.Equal(t, tt.want, got.Attachments[0].Color, "%s %s", tt.status, tt.priority)
	}
}

func TestNeedsAnEndpoint(t *testing.T) {
	errs := Factory.Check(target.Settings{Name: "ops", Path: "x"})
	require.Len(t, errs, 2)
	assert.EqualError(t, errs[0], "endpoint: must be set for type slack")
	assert.EqualError(t, errs[1], "path: only valid for type file")
}
