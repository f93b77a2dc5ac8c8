// Package slack is the Slack target: an incoming-webhook message with one
// attachment coloured by priority.
package slack // import "github.com/unitrack/unitrack/exporter/notifyexporter/internal/target/slack"

import (
	"fmt"
	"strings"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
)

// Factory is the slack target type.
var Factory = target.HTTPFactory("slack", encode)

type payload struct {
	Text        string       `json:"text"`
	Attachments []attachment `json:"attachments"`
}

type attachment struct {
	Color     string `json:"color"`
	Title     string `json:"title"`
	TitleLink string `json:"title_link,omitempty"`
	Text      string `json:"text"`
	Footer    string `json:"footer"`
	TS        int64  `json:"ts"`
}

// escaper escapes the three characters Slack's mrkdwn gives meaning to,
// so an event body cannot inject <!channel> mentions or links.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func encode(m target.Message) (target.Payload, error) {
	title := escaper.Replace(m.Title)
	return target.EncodeJSON("slack", payload{
		Text: title,
		Attachments: []attachment{{
			Color: fmt.Sprintf("#%06X", target.Color(m.Notification)), Title: title, TitleLink: m.DashboardURL,
			Text: escaper.Replace(m.Text), Footer: "unitrack notify · " + escaper.Replace(m.GroupKey), TS: m.LastSeen.Unix(),
		}},
	})
}
