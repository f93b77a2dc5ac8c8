package incident

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzSentence: whatever an event carries, its sentence is one bounded line
// and neither function panics. Corpus: testdata/fuzz/FuzzSentence.
func FuzzSentence(f *testing.F) {
	f.Add("mcp.server.name", "filesystem", "mcp.circuit_breaker.opened", "Timeout after 30s", "5", "Timeout after 30s", int64(6), int64(420))
	f.Add("task.name", "nightly", "task.failed", "boom\nline two", "x", "KeyError: 'facts'", int64(1), int64(-5))
	f.Add("task.name", "nightly_summary", "task_failed", "Task nightly_summary failed", "", "", int64(1), int64(0))
	f.Add("", "", "", "", "", "", int64(0), int64(0))
	f.Add("health.check", "\xff\xfe", "health.check", "\x00", "1e309", "\u2028", int64(-1), int64(1<<62))
	f.Fuzz(func(t *testing.T, subjectKey, subject, eventName, body, count, errText string, failures, seconds int64) {
		t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		for _, kind := range []Kind{Firing, Resolving, OneShot, Other} {
			s := Story{
				Kind: kind, SubjectKey: subjectKey, Subject: subject, Service: "svc", EventName: eventName, Body: body,
				Facts: map[string]string{
					"circuit_breaker.failure_count": count, "exception.message": errText, "task.attempt": count,
					"notification.title": body,
				},
				Events: failures, Failures: failures, FirstSeen: t0, LastSeen: t0.Add(time.Duration(seconds)),
				ResolvedAt: t0.Add(time.Duration(seconds) * time.Second), ResolvedBy: eventName,
			}
			got := Sentence(s)
			if n := utf8.RuneCountInString(got); n > maxSentenceRunes {
				t.Fatalf("sentence of %d runes > %d: %q", n, maxSentenceRunes, got)
			}
			if strings.ContainsRune(got, '\n') {
				t.Fatalf("sentence spans lines: %q", got)
			}
			_ = Narrative(s)
		}
	})
}
