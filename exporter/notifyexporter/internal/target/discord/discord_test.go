package discord

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
)

const hostile = "@everyone <!channel> [docs](https://evil.example) [x](javascript:alert(1)) **bold** \r\nX-Injected: 1\x00\x7f"

func decode(t *testing.T, m target.Message) payload {
	t.Helper()
	p, err := Factory.Encode(m)
	require.NoError(t, err)
	assert.Equal(t, "application/json", p.ContentType)
	var got payload
	require.NoError(t, json.Unmarshal(p.Body, &got))
	require.Len(t, got.Embeds, 1)
	return got
}

// TestHostileTextIsInert: no mention is parsed, no masked link is shown.
func TestHostileTextIsInert(t *testing.T) {
	got := decode(t, target.Message{
		Notification: target.Notification{Status: target.StatusFiring, SeverityNumber: 21, LastSeen: time.Unix(1, 0),
			DashboardURL: "http://localhost:8790/#/events/01B"},
		Title: hostile, Text: hostile,
	})
	assert.Equal(t, []string{}, got.AllowedMentions.Parse, "no mention is parsed")
	assert.Contains(t, got.Embeds[0].Description, `\[docs\](https://evil.example)`)
	assert.NotContains(t, got.Embeds[0].Description, "[docs](")
	assert.Equal(t, "http://localhost:8790/#/events/01B", got.Embeds[0].URL)
	assert.Equal(t, "1970-01-01T00:00:01Z", got.Embeds[0].Timestamp)
}

func TestContent(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    target.Notification
		want string
	}{
		{"fatal incident", target.Notification{Status: target.StatusFiring, Kind: target.KindIncident, SeverityNumber: 21}, "FATAL"},
		{"error incident", target.Notification{Status: target.StatusFiring, Kind: target.KindIncident, SeverityNumber: 17}, ""},
		{"urgent one-shot", target.Notification{Status: target.StatusFiring, Kind: target.KindOneShot, Priority: target.PriorityUrgent, SeverityNumber: 21}, "URGENT"},
		{"resolved", target.Notification{Status: target.StatusResolved, SeverityNumber: 21}, ""},
	} {
		assert.Equal(t, tt.want, decode(t, target.Message{Notification: tt.n}).Content, tt.name)
	}
}

// TestLimits: Discord refuses an embed over its limits, so they are clipped.
func TestLimits(t *testing.T) {
	long := strings.Repeat("é", 5000)
	got := decode(t, target.Message{Notification: target.Notification{Status: target.StatusFiring, GroupKey: long}, Title: long, Text: long})
	assert.LessOrEqual(t, utf8.RuneCountInString(got.Embeds[0].Title), maxTitle)
	assert.LessOrEqual(t, utf8.RuneCountInString(got.Embeds[0].Description), maxDescription)
	assert.LessOrEqual(t, utf8.RuneCountInString(got.Embeds[0].Footer.Text), maxFooter)
}

func TestNeedsAnHTTPEndpoint(t *testing.T) {
	s := target.Settings{Name: "ops"}
	s.Client.Endpoint = "discord.com/api/webhooks/1/secret"
	errs := Factory.Check(s)
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "endpoint: must be an absolute http(s) URL")
}
