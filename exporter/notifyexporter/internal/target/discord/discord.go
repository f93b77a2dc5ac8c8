// Package discord is the Discord target: a webhook message with one embed
// coloured by priority, that can mention no one.
package discord // import "github.com/unitrack/unitrack/exporter/notifyexporter/internal/target/discord"

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
	"github.com/unitrack/unitrack/internal/clip"
)

// Factory is the discord target type.
var Factory = target.HTTPFactory("discord", encode)

type payload struct {
	Content         string          `json:"content"`
	Embeds          []embed         `json:"embeds"`
	AllowedMentions allowedMentions `json:"allowed_mentions"`
}

type embed struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url,omitempty"`
	Color       int    `json:"color"`
	Timestamp   string `json:"timestamp"`
	Footer      footer `json:"footer"`
}

type footer struct {
	Text string `json:"text"`
}

type allowedMentions struct {
	Parse []string `json:"parse"`
}

// escaper escapes the brackets of Discord's masked links, so an event text
// cannot show "[docs](https://evil.example)" as a trusted-looking link; the
// text's own URLs (the dashboard link) stay clickable. Mentions are off
// through allowed_mentions.
var escaper = strings.NewReplacer("[", `\[`, "]", `\]`)

// Discord's limits on an embed.
const (
	maxTitle       = 256
	maxDescription = 4096
	maxFooter      = 2048
)

func encode(m target.Message) (target.Payload, error) {
	return target.EncodeJSON("discord", payload{
		Content: content(m.Notification),
		Embeds: []embed{{
			Title: clip.Runes(m.Title, maxTitle), Description: clip.Runes(escaper.Replace(m.Text), maxDescription),
			URL: m.DashboardURL, Color: target.Color(m.Notification), Timestamp: m.LastSeen.UTC().Format(time.RFC3339),
			Footer: footer{Text: clip.Runes("unitrack notify · "+m.GroupKey, maxFooter)},
		}},
		AllowedMentions: allowedMentions{Parse: []string{}},
	})
}

// content is the line above the embed: what makes a firing message stand out.
func content(n target.Notification) string {
	switch {
	case n.Status != target.StatusFiring:
		return ""
	case n.Kind == target.KindOneShot && target.PriorityOf(n) == target.PriorityUrgent:
		return "URGENT"
	case n.SeverityNumber >= int32(plog.SeverityNumberFatal):
		return "FATAL"
	}
	return ""
}
