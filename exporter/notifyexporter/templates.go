package notifyexporter

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
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
	target.Notification
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

func sampleNotifications() []target.Notification {
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	n := target.Notification{
		Version: target.NotificationVersion, Target: "sample", Kind: target.KindIncident, Status: target.StatusFiring, Priority: target.PriorityHigh,
		Headline: "MCP server filesystem: circuit breaker opened after 5 failures", Narrative: "MCP server filesystem: circuit breaker opened.",
		GroupKey: "mcp.circuit_breaker|agent-runner|filesystem", GroupLabels: map[string]string{"family": "mcp.circuit_breaker"},
		Family: "mcp.circuit_breaker", Service: "agent-runner", SubjectKey: "mcp.server.name", Subject: "filesystem",
		EventName: "mcp.circuit_breaker.opened", Severity: "ERROR", SeverityNumber: 17, Body: "breaker opened",
		Count: 2, FirstSeen: t0, LastSeen: t0.Add(time.Second), EventIDs: []string{"01A", "01B"},
		Links:        []string{"http://localhost:8790/#/events/01A", "http://localhost:8790/#/events/01B"},
		DashboardURL: "http://localhost:8790/#/events/01B", Attributes: map[string]string{"mcp.server.name": "filesystem"}, Time: t0,
	}
	r := n
	r.Status, r.EventName, r.Body, r.Expired = target.StatusResolved, "mcp.circuit_breaker.closed", "", true
	r.EventIDs, r.Links, r.Attributes, r.GroupLabels = nil, nil, nil, nil
	o := n
	o.Kind, o.Priority, o.EventName, o.Family, o.SubjectKey, o.Subject = target.KindOneShot, target.PriorityLow, "notification", "notification", "notification.title", "FYI"
	o.GroupKey, o.GroupLabels, o.Severity, o.SeverityNumber, o.Body = "notification|agent-runner|notification.title=FYI", nil, "INFO", 9, "nightly run done"
	o.Headline, o.Narrative, o.Count, o.LastSeen = "FYI", "FYI. nightly run done. Priority low, from agent-runner.", 1, t0
	o.EventIDs, o.Links, o.DashboardURL = []string{"01C"}, []string{"http://localhost:8790/#/events/01C"}, "http://localhost:8790/#/events/01C"
	o.Attributes = map[string]string{"notification.title": "FYI", "notification.priority": "low"}
	return []target.Notification{n, r, o}
}

func (tt *targetTemplates) render(n target.Notification) (title, text string, err error) {
	data := templateData{Notification: n, Summary: summary(n.Body)}
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

// defaultTemplates render what a target's own templates failed on.
var defaultTemplates = func() *targetTemplates {
	t, err := compileTemplates(&TargetConfig{Name: "default"})
	if err != nil {
		panic(err)
	}
	return t
}()
