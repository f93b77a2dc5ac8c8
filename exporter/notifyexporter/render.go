package notifyexporter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/clip"
)

// Default templates. Fields are those of templateData (see README).
const (
	defaultTitleTemplate = `{{.Headline}}{{if .Repeat}} (still firing){{end}}{{if and (eq .Kind "one_shot") (gt .Count 1)}} ({{.Count}}x){{end}}`
	defaultTextTemplate  = `{{.Narrative}}{{with .DashboardURL}}
{{.}}{{end}}`
)

// templateData is what title and text templates see: every notification
// field plus Summary.
type templateData struct {
	notification
	// Summary is the first line of Body, at most 300 characters.
	Summary string
}

var templateFuncs = template.FuncMap{
	"upper":    strings.ToUpper,
	"lower":    strings.ToLower,
	"join":     func(sep string, s []string) string { return strings.Join(s, sep) },
	"truncate": func(n int, s string) string { return clip.Runes(s, n) },
	"time":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}

type targetTemplates struct {
	title *template.Template
	text  *template.Template
}

// compileTemplates parses a target's templates (or the defaults) and runs
// them once on sample notifications, so that an unknown field or a bad
// function call fails at start-up rather than at the first page.
func compileTemplates(t *TargetConfig) (*targetTemplates, error) {
	titleSrc, textSrc := t.Title, t.Text
	if titleSrc == "" {
		titleSrc = defaultTitleTemplate
	}
	if textSrc == "" {
		textSrc = defaultTextTemplate
	}
	title, err := template.New("title").Funcs(templateFuncs).Option("missingkey=zero").Parse(titleSrc)
	if err != nil {
		return nil, fmt.Errorf("target %q: title: %w", t.Name, err)
	}
	text, err := template.New("text").Funcs(templateFuncs).Option("missingkey=zero").Parse(textSrc)
	if err != nil {
		return nil, fmt.Errorf("target %q: text: %w", t.Name, err)
	}
	tt := &targetTemplates{title: title, text: text}
	for _, n := range sampleNotifications() {
		if _, _, err := tt.render(n); err != nil {
			return nil, fmt.Errorf("target %q: %w", t.Name, err)
		}
	}
	return tt, nil
}

func sampleNotifications() []notification {
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	n := notification{
		Version: notificationVersion, Target: "sample", Kind: kindIncident, Status: statusFiring, Priority: priorityHigh,
		Headline: "MCP server filesystem: circuit breaker opened after 5 failures", Narrative: "MCP server filesystem: circuit breaker opened.",
		GroupKey: "mcp.circuit_breaker|agent-runner|filesystem", GroupLabels: map[string]string{"family": "mcp.circuit_breaker"},
		Family: "mcp.circuit_breaker", Service: "agent-runner", SubjectKey: "mcp.server.name", Subject: "filesystem",
		EventName: "mcp.circuit_breaker.opened", Severity: "ERROR", SeverityNumber: 17, Body: "breaker opened",
		Count: 2, FirstSeen: t0, LastSeen: t0.Add(time.Second), EventIDs: []string{"01A", "01B"},
		Links:        []string{"http://localhost:8790/#/events/01A", "http://localhost:8790/#/events/01B"},
		DashboardURL: "http://localhost:8790/#/events/01B", Attributes: map[string]string{"mcp.server.name": "filesystem"}, Time: t0,
	}
	r := n
	r.Status, r.EventName, r.Body, r.Expired = statusResolved, "mcp.circuit_breaker.closed", "", true
	r.EventIDs, r.Links, r.Attributes, r.GroupLabels = nil, nil, nil, nil
	o := n
	o.Kind, o.Priority, o.EventName, o.Family, o.SubjectKey, o.Subject = kindOneShot, priorityLow, "notification", "notification", "notification.title", "FYI"
	o.GroupKey, o.GroupLabels, o.Severity, o.SeverityNumber, o.Body = "notification|agent-runner|notification.title=FYI", nil, "INFO", 9, "nightly run done"
	o.Headline, o.Narrative, o.Count, o.LastSeen = "FYI", "FYI. nightly run done. Priority low, from agent-runner.", 1, t0
	o.EventIDs, o.Links, o.DashboardURL = []string{"01C"}, []string{"http://localhost:8790/#/events/01C"}, "http://localhost:8790/#/events/01C"
	o.Attributes = map[string]string{"notification.title": "FYI", "notification.priority": "low"}
	return []notification{n, r, o}
}

func (tt *targetTemplates) render(n notification) (title, text string, err error) {
	data := templateData{notification: n, Summary: summary(n.Body)}
	var b bytes.Buffer
	if err := tt.title.Execute(&b, data); err != nil {
		return "", "", fmt.Errorf("title: %w", err)
	}
	title = strings.TrimSpace(b.String())
	b.Reset()
	if err := tt.text.Execute(&b, data); err != nil {
		return "", "", fmt.Errorf("text: %w", err)
	}
	return title, strings.TrimSpace(b.String()), nil
}

func summary(body string) string {
	if i := strings.IndexByte(body, '\n'); i >= 0 {
		body = body[:i]
	}
	return clip.Runes(strings.TrimSpace(body), 300)
}

// payload is one rendered HTTP request body (or file line) for a target.
type payload struct {
	body        []byte
	contentType string
	headers     map[string]string
}

// genericPayload is the JSON of webhook targets and file lines.
type genericPayload struct {
	notification
	Title string `json:"title"`
	Text  string `json:"text"`
}

type slackPayload struct {
	Text        string            `json:"text"`
	Attachments []slackAttachment `json:"attachments"`
}

type slackAttachment struct {
	Color     string `json:"color"`
	Title     string `json:"title"`
	TitleLink string `json:"title_link,omitempty"`
	Text      string `json:"text"`
	Footer    string `json:"footer"`
	TS        int64  `json:"ts"`
}

type discordPayload struct {
	Content         string                `json:"content"`
	Embeds          []discordEmbed        `json:"embeds"`
	AllowedMentions discordAllowedMention `json:"allowed_mentions"`
}

type discordEmbed struct {
	Title       string        `json:"title"`
	Description string        `json:"description"`
	URL         string        `json:"url,omitempty"`
	Color       int           `json:"color"`
	Timestamp   string        `json:"timestamp"`
	Footer      discordFooter `json:"footer"`
}

type discordFooter struct {
	Text string `json:"text"`
}

type discordAllowedMention struct {
	Parse []string `json:"parse"`
}

// Colours of Slack attachments and Discord embeds, by priority.
const (
	colorUrgent   = 0x8B0000
	colorFiring   = 0xD63232
	colorWarning  = 0xE8A317
	colorLow      = 0x439FE0
	colorResolved = 0x2EB886
)

func colorOf(n notification) int {
	if n.Status == statusResolved {
		return colorResolved
	}
	switch priorityOf(n) {
	case priorityUrgent:
		return colorUrgent
	case priorityHigh:
		return colorFiring
	case priorityNormal:
		return colorWarning
	default:
		return colorLow
	}
}

// priorityOf is the notification's priority (from its severity when a
// queued notification carries none).
func priorityOf(n notification) string {
	switch n.Priority {
	case priorityLow, priorityNormal, priorityHigh, priorityUrgent:
		return n.Priority
	}
	return severityPriority(plog.SeverityNumber(n.SeverityNumber))
}

// slackEscaper escapes the three characters Slack's mrkdwn gives meaning to,
// so an event body cannot inject <!channel> mentions or links.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// discordEscaper escapes the brackets of Discord's masked links, so an
// event text cannot show "[docs](https://evil.example)" as a trusted-looking
// link; the text's own URLs (the dashboard link) stay clickable. Mentions
// are off through allowed_mentions.
var discordEscaper = strings.NewReplacer("[", `\[`, "]", `\]`)

// buildPayload renders a notification into the request body of a target type.
func buildPayload(targetType string, n notification, title, text string) (payload, error) {
	var (
		v   any
		p   payload
		err error
	)
	switch targetType {
	case typeSlack:
		v = slackPayload{
			Text: slackEscaper.Replace(title),
			Attachments: []slackAttachment{{
				Color: fmt.Sprintf("#%06X", colorOf(n)), Title: slackEscaper.Replace(title), TitleLink: n.DashboardURL,
				Text: slackEscaper.Replace(text), Footer: "unitrack notify · " + slackEscaper.Replace(n.GroupKey), TS: n.LastSeen.Unix(),
			}},
		}
	case typeDiscord:
		content := ""
		switch {
		case n.Status != statusFiring:
		case n.Kind == kindOneShot && priorityOf(n) == priorityUrgent:
			content = "URGENT"
		case n.SeverityNumber >= int32(plog.SeverityNumberFatal):
			content = "FATAL"
		}
		v = discordPayload{
			Content: content,
			Embeds: []discordEmbed{{
				Title: clip.Runes(title, 256), Description: clip.Runes(discordEscaper.Replace(text), 4096), URL: n.DashboardURL, Color: colorOf(n),
				Timestamp: n.LastSeen.UTC().Format(time.RFC3339), Footer: discordFooter{Text: clip.Runes("unitrack notify · "+n.GroupKey, 2048)},
			}},
			AllowedMentions: discordAllowedMention{Parse: []string{}},
		}
	case typeNtfy:
		p.body = []byte(text)
		p.contentType = "text/plain; charset=utf-8"
		p.headers = map[string]string{
			"Title":    headerValue(title),
			"Priority": ntfyPriority(n),
			"Tags":     ntfyTags(n),
		}
		if n.DashboardURL != "" {
			p.headers["Click"] = n.DashboardURL
		}
		return p, nil
	default: // webhook, file
		v = genericPayload{notification: n, Title: title, Text: text}
	}
	p.body, err = json.Marshal(v)
	if err != nil {
		return p, fmt.Errorf("encode %s payload: %w", targetType, err)
	}
	p.contentType = "application/json"
	return p, nil
}

// ntfyPriority is ntfy's 1-5 scale: low 2, normal 3, high 4, urgent 5;
// a resolution is 3 (it needs reading, not waking up for).
func ntfyPriority(n notification) string {
	if n.Status == statusResolved {
		return "3"
	}
	switch priorityOf(n) {
	case priorityUrgent:
		return "5"
	case priorityHigh:
		return "4"
	case priorityNormal:
		return "3"
	default:
		return "2"
	}
}

func ntfyTags(n notification) string {
	emoji := "rotating_light"
	if n.Status == statusResolved {
		emoji = "white_check_mark"
	} else if n.SeverityNumber < int32(plog.SeverityNumberError) {
		emoji = "warning"
	}
	tags := []string{emoji}
	if n.Family != "" {
		tags = append(tags, strings.NewReplacer(",", "_", "\r", "", "\n", "").Replace(headerValue(n.Family)))
	}
	return strings.Join(tags, ",")
}

// headerValue makes s a single-line header value; non-ASCII text and
// control bytes (DEL included, which Go's client refuses in a header) are
// RFC 2047-encoded (ntfy decodes it).
func headerValue(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || s[i] < 0x20 || s[i] == 0x7f {
			return mime.QEncoding.Encode("utf-8", strings.ToValidUTF8(s, "\uFFFD"))
		}
	}
	return s
}
