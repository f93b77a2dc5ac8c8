package incident

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/unitrack/unitrack/internal/clip"
	"github.com/unitrack/unitrack/internal/track"
)

// factKeys are the attributes a sentence may quote. Components keep these
// (FactsOf) with an incident so that its sentence can be written again
// later, from persisted state alone.
var factKeys = []string{
	track.AttrExceptionType,
	track.AttrExceptionMessage,
	"circuit_breaker.failure_count",
	"circuit_breaker.threshold",
	"task.attempt",
	"task.max_attempts",
	track.AttrHealthStatus,
	track.AttrNotificationTitle,
	track.AttrNotificationPriority,
	// track_event metadata spellings of the same facts.
	"failure_count",
	"error",
}

// FactsOf picks the attributes a sentence may quote, as strings.
func FactsOf(attrs pcommon.Map) map[string]string {
	var out map[string]string
	for _, k := range factKeys {
		if v, ok := attrs.Get(k); ok {
			if out == nil {
				out = make(map[string]string, 4)
			}
			out[k] = v.AsString()
		}
	}
	return out
}

// Story is what a component knows of an incident (or a one-shot message)
// when it tells it: the event that defines it, how often, since when and how
// it ended.
type Story struct {
	// Kind is Firing for an open incident, Resolving for a resolved one,
	// OneShot for a message of its own.
	Kind Kind
	// SubjectKey and Subject are the incident's (Key.SubjectKey, SubjectValue).
	SubjectKey, Subject string
	// Service is the incident's service.name.
	Service string
	// EventName, Body and Facts (FactsOf) are those of the latest firing
	// event (for one-shots, of the message).
	EventName string
	Body      string
	Facts     map[string]string
	// Events is how many events the incident holds, Failures how many of
	// them fired.
	Events, Failures int64
	// FirstSeen and LastSeen are the times of its first and last event.
	FirstSeen, LastSeen time.Time
	// ResolvedAt and ResolvedBy (the recovery event's name) are set once it
	// resolved; Expired says it was closed for lack of events instead.
	ResolvedAt time.Time
	ResolvedBy string
	Expired    bool
}

// maxSentenceRunes bounds a sentence (titles are read in one line).
const maxSentenceRunes = 200

// Sentence says in one line what happened: "MCP server filesystem: circuit
// breaker opened after 5 failures — Timeout after 30s", "Health check
// ollama is unhealthy: connection refused", "Task nightly_summary failed
// after 3 attempts: KeyError: facts"; a resolved incident ends with
// "(resolved after 7m0s)". A one-shot message is its own title.
func Sentence(s Story) string {
	var out string
	if s.Kind == OneShot {
		out = firstLine(s.Facts[track.AttrNotificationTitle])
		if out == "" {
			out = s.what()
		}
	} else {
		out = s.what()
	}
	if s.Kind == Resolving {
		r := "resolved"
		if !s.ResolvedAt.IsZero() {
			r = "resolved after " + s.Duration().String()
		}
		// "(5 times)" and the resolution share one pair of parentheses.
		if strings.HasSuffix(out, " times)") {
			out = out[:len(out)-1] + ", " + r + ")"
		} else {
			out += " (" + r + ")"
		}
	}
	return clip.Runes(oneLine(out), maxSentenceRunes)
}

// oneLine joins the lines of s (a subject or service may hold a line break).
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}

// Duration is how long a resolved incident lasted (first event to
// resolution), rounded to the second; 0 while it is open.
func (s Story) Duration() time.Duration {
	if s.ResolvedAt.IsZero() || s.ResolvedAt.Before(s.FirstSeen) {
		return 0
	}
	return s.ResolvedAt.Sub(s.FirstSeen).Round(time.Second)
}

// Narrative is a short paragraph a person reads: what failed, since when,
// how often, what resolved it and how long it lasted.
func Narrative(s Story) string {
	var b strings.Builder
	if s.Kind == OneShot {
		b.WriteString(endSentence(Sentence(s)))
		if body := firstLine(s.Body); body != "" && body != Sentence(s) {
			b.WriteByte(' ')
			b.WriteString(endSentence(body))
		}
		if p := s.Facts[track.AttrNotificationPriority]; p != "" {
			fmt.Fprintf(&b, " Priority %s", p)
			if s.Service != "" {
				fmt.Fprintf(&b, ", from %s", s.Service)
			}
			b.WriteString(".")
		}
		return b.String()
	}
	b.WriteString(endSentence(s.what()))
	if !s.FirstSeen.IsZero() {
		fmt.Fprintf(&b, " It started at %s", clock(s.FirstSeen))
		if s.Service != "" {
			fmt.Fprintf(&b, " in %s", s.Service)
		}
		b.WriteString("; ")
		b.WriteString(counted(s.Events, "event"))
		if s.Failures > 0 && s.Failures != s.Events {
			fmt.Fprintf(&b, " (%s)", counted(s.Failures, "failure"))
		}
		if s.Events > 1 && !s.LastSeen.IsZero() {
			if s.Kind != Resolving {
				b.WriteString(" so far")
			}
			fmt.Fprintf(&b, ", the last at %s", clock(s.LastSeen))
		}
		b.WriteString(".")
	}
	switch {
	case s.Kind != Resolving:
		b.WriteString(" It is still firing.")
	case s.Expired:
		fmt.Fprintf(&b, " No event came after %s, so it was closed after %s.", clock(s.LastSeen), s.Duration())
	default:
		b.WriteString(" It was resolved")
		if !s.ResolvedAt.IsZero() {
			fmt.Fprintf(&b, " at %s", clock(s.ResolvedAt))
		}
		if r := resolution(s.ResolvedBy); r != "" {
			fmt.Fprintf(&b, " when %s", r)
		}
		fmt.Fprintf(&b, ", after %s.", s.Duration())
	}
	return b.String()
}

// SubjectPhrase names a subject the way a person does ("MCP server
// filesystem", "Task nightly_summary" for mcp.server.name=filesystem and
// task.name=nightly_summary); "" when the key is not a known subject or the
// value is empty.
func SubjectPhrase(key, value string) string {
	sub := subjectByKey(key)
	if sub == nil || value == "" {
		return ""
	}
	return strings.TrimSpace(sub.noun + " " + value)
}

// what is the firing sentence without the resolution.
func (s Story) what() string {
	prefix := s.Service
	if p := SubjectPhrase(s.SubjectKey, s.Subject); p != "" {
		prefix = p
	}
	f := s.Facts
	errText := f[track.AttrExceptionMessage]
	if t := f[track.AttrExceptionType]; t != "" {
		errText = t + ": " + errText
	}
	if errText == "" {
		errText = f["error"]
	}
	errText = firstLine(errText)
	// times says how often the incident fired, when nothing quoted says it.
	times := ""
	if s.Failures > 1 {
		times = fmt.Sprintf(" (%d times)", s.Failures)
	}
	switch s.EventName {
	case track.EventCBOpened:
		out := "circuit breaker opened"
		if n := firstOf(f["circuit_breaker.failure_count"], f["failure_count"]); n != "" {
			out += " after " + plural(n, "failure")
			times = ""
		}
		if errText != "" {
			out += " — " + errText
		}
		return join(prefix, ": ", out+times)
	case track.EventCBClosed:
		return join(prefix, ": ", "circuit breaker closed")
	case track.EventHealthStatusChanged, track.EventHealthCheck:
		out := "is " + orWord(f[track.AttrHealthStatus], "unhealthy")
		if errText != "" {
			out += ": " + errText
		}
		return join(prefix, " ", out+times)
	case track.EventTaskFailed:
		out := "failed"
		if n := f["task.attempt"]; n != "" && n != "1" {
			out += " after " + plural(n, "attempt")
		}
		if errText != "" {
			out += ": " + errText
		}
		return join(prefix, " ", out+times)
	case track.EventTaskSucceeded:
		return join(prefix, " ", "succeeded")
	}
	// Any other event: its own message, which says more than its name.
	out := firstLine(s.Body)
	if out == "" {
		out = humanize(s.EventName)
	}
	if errText != "" && !strings.Contains(out, errText) {
		out += " — " + errText
	}
	// A message that already names its subject ("Task nightly_summary
	// failed" of task nightly_summary) is not prefixed with it again.
	if named := firstOf(s.Subject, s.Service); prefix != "" && mentions(out, named) {
		prefix = ""
	}
	return join(prefix, ": ", out+times)
}

// mentions reports whether text holds name as a whole word (case-insensitive):
// "MCP server 'filesystem' failed" mentions filesystem, "agent-runner-2
// crashed" does not mention agent-runner.
func mentions(text, name string) bool {
	if name == "" {
		return false
	}
	lt, ln := strings.ToLower(text), strings.ToLower(name)
	for from := 0; ; {
		i := strings.Index(lt[from:], ln)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(ln)
		if (i == 0 || !isWordByte(lt[i-1])) && (end == len(lt) || !isWordByte(lt[end])) {
			return true
		}
		from = i + 1
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c >= 0x80
}

// resolution says what resolved an incident, from the recovery event's name.
func resolution(eventName string) string {
	switch eventName {
	case "":
		return ""
	case track.EventCBClosed:
		return "the circuit breaker closed"
	case track.EventHealthStatusChanged, track.EventHealthCheck:
		return "the health check passed again"
	case track.EventTaskSucceeded:
		return "the task succeeded"
	}
	return humanize(eventName) + " was reported"
}

// humanize turns an event name into words: mcp.circuit_breaker.opened ->
// "circuit breaker opened" (a leading namespace is dropped when there are
// three segments or more), mcp_server_failure -> "mcp server failure".
func humanize(name string) string {
	parts := strings.Split(name, ".")
	if len(parts) >= 3 {
		parts = parts[1:]
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.Join(parts, " "), "_", " ")), " ")
}

func join(prefix, sep, s string) string {
	if prefix == "" {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return prefix + sep + s
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func orWord(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// plural is "5 failures" / "1 failure" for a number given as text.
func plural(n, word string) string {
	if f, err := strconv.ParseFloat(n, 64); err == nil && f == 1 {
		return n + " " + word
	}
	return n + " " + word + "s"
}

func counted(n int64, word string) string {
	return plural(strconv.FormatInt(n, 10), word)
}

func clock(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func endSentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	switch s[len(s)-1] {
	case '.', '!', '?':
		return s
	}
	return s + "."
}
