// Package ntfy is the ntfy target: the text as a plain-text POST to the
// topic URL, with title, priority, tags and click link as headers.
package ntfy // import "github.com/unitrack/unitrack/exporter/notifyexporter/internal/target/ntfy"

import (
	"mime"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
)

// Factory is the ntfy target type; its endpoint is the topic URL.
var Factory = target.HTTPFactory("ntfy", encode)

func encode(m target.Message) (target.Payload, error) {
	p := target.Payload{
		Body:        []byte(m.Text),
		ContentType: "text/plain; charset=utf-8",
		Headers: map[string]string{
			"Title":    headerValue(m.Title),
			"Priority": priority(m.Notification),
			"Tags":     tags(m.Notification),
		},
	}
	if m.DashboardURL != "" {
		p.Headers["Click"] = m.DashboardURL
	}
	return p, nil
}

// priority is ntfy's 1-5 scale: low 2, normal 3, high 4, urgent 5; a
// resolution is 3 (it needs reading, not waking up for).
func priority(n target.Notification) string {
	if n.Status == target.StatusResolved {
		return "3"
	}
	switch target.PriorityOf(n) {
	case target.PriorityUrgent:
		return "5"
	case target.PriorityHigh:
		return "4"
	case target.PriorityNormal:
		return "3"
	default:
		return "2"
	}
}

// tagEscaper keeps a family from splitting into several tags or lines.
var tagEscaper = strings.NewReplacer(",", "_", "\r", "", "\n", "")

func tags(n target.Notification) string {
	emoji := "rotating_light"
	if n.Status == target.StatusResolved {
		emoji = "white_check_mark"
	} else if n.SeverityNumber < int32(plog.SeverityNumberError) {
		emoji = "warning"
	}
	t := []string{emoji}
	if n.Family != "" {
		t = append(t, tagEscaper.Replace(headerValue(n.Family)))
	}
	return strings.Join(t, ",")
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
