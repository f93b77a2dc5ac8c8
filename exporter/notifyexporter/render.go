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
)

// Default templates. Fields are those of templateData (see README).
const (
	defaultTitleTemplate = `[{{upper .Status}}{{if gt .Count 1}}:{{.Count}}{{end}}] {{.EventName}}{{with .Subject}} {{.}}{{end}}{{with .Service}} ({{.}}){{end}}`
	defaultTextTemplate  = `{{.Summary}}
{{if eq .Status "resolved"}}Resolved{{if .Expired}} (no event since {{time .LastSeen}}){{end}} after {{.Count}} event(s) since {{time .FirstSeen}}.{{else}}{{.Count}} event(s), first {{time .FirstSeen}}, last {{time .LastSeen}}{{if .Repeat}} (still firing){{end}}.{{end}}{{with .DashboardURL}}
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
	"truncate": func(n int, s string) string { return truncate(s, n) },
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
		Version: notificationVersion, Target: "sample", Status: statusFiring,
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
	return []notification{n, r}
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
	return truncate(strings.TrimSpace(body), 300)
}

// truncate shortens s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	if n == 1 {
		return "…"
	}
	return string(r[:n-1]) + "…"
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

const (
	colorFiring   = 0xD63232
	colorWarning  = 0xE8A317
	colorResolved = 0x2EB886
)

func colorOf(n notification) int {
	switch {
	case n.Status == statusResolved:
		return colorResolved
	case n.SeverityNumber >= 17:
		return colorFiring
	default:
		return colorWarning
	}
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
		if n.Status == statusFiring && n.SeverityNumber >= 21 {
			content = "FATAL"
		}
		v = discordPayload{
			Content: content,
			Embeds: []discordEmbed{{
				Title: truncate(title, 256), Description: truncate(discordEscaper.Replace(text), 4096), URL: n.DashboardURL, Color: colorOf(n),
				Timestamp: n.LastSeen.UTC().Format(time.RFC3339), Footer: discordFooter{Text: truncate("unitrack notify · "+n.GroupKey, 2048)},
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

func ntfyPriority(n notification) string {
	switch {
	case n.Status == statusResolved:
		return "3"
	case n.SeverityNumber >= 21:
		return "5"
	case n.SeverityNumber >= 17:
		return "4"
	default:
		return "3"
	}
}

func ntfyTags(n notification) string {
	emoji := "rotating_light"
	if n.Status == statusResolved {
		emoji = "white_check_mark"
	} else if n.SeverityNumber < 17 {
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
