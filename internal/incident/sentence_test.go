package incident

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func TestSentence(t *testing.T) {
	tests := []struct {
		name  string
		story Story
		want  string
	}{
		{"breaker opened", Story{Kind: Firing, SubjectKey: "mcp.server.name", Subject: "filesystem", Service: "agent-runner",
			EventName: "mcp.circuit_breaker.opened", Facts: map[string]string{"circuit_breaker.failure_count": "5", "exception.message": "Timeout after 30s"}},
			"MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s"},
		{"breaker opened repeatedly without a count", Story{Kind: Firing, SubjectKey: "mcp.server.name", Subject: "filesystem",
			EventName: "mcp.circuit_breaker.opened", Failures: 6},
			"MCP server filesystem: circuit breaker opened (6 times)"},
		{"breaker opened with a count after track_event failures", Story{Kind: Firing, SubjectKey: "mcp.server.name", Subject: "filesystem",
			EventName: "mcp.circuit_breaker.opened", Failures: 6, Facts: map[string]string{"circuit_breaker.failure_count": "5"}},
			"MCP server filesystem: circuit breaker opened after 5 failures"},
		{"health unhealthy", Story{Kind: Firing, SubjectKey: "health.check", Subject: "ollama", EventName: "health.status_changed",
			Facts: map[string]string{"health.status": "unhealthy", "exception.message": "connection refused"}},
			"Health check ollama is unhealthy: connection refused"},
		{"task failed", Story{Kind: Firing, SubjectKey: "task.name", Subject: "nightly_summary", EventName: "task.failed",
			Facts: map[string]string{"task.attempt": "3", "exception.type": "KeyError", "exception.message": "facts"}},
			"Task nightly_summary failed after 3 attempts: KeyError: facts"},
		{"task failed first attempt", Story{Kind: Firing, SubjectKey: "task.name", Subject: "sync", EventName: "task.failed",
			Facts: map[string]string{"task.attempt": "1", "exception.message": "boom"}},
			"Task sync failed: boom"},
		{"generic with subject, repeated", Story{Kind: Firing, SubjectKey: "mcp.server.name", Subject: "filesystem",
			EventName: "mcp_server_failure", Body: "MCP server 'filesystem' failed: timeout", Failures: 5},
			"MCP server 'filesystem' failed: timeout (5 times)"},
		{"json_events task_failed names its task", Story{Kind: Firing, SubjectKey: "task.name", Subject: "nightly_summary",
			EventName: "task_failed", Body: "Task nightly_summary failed"},
			"Task nightly_summary failed"},
		{"generic naming its service", Story{Kind: Firing, Service: "checkout", EventName: "db.corrupted", Body: "Checkout lost its database"},
			"Checkout lost its database"},
		{"generic naming a longer word than its subject", Story{Kind: Firing, SubjectKey: "mcp.server.name", Subject: "files",
			EventName: "mcp_server_failure", Body: "filesystem failed"},
			"MCP server files: filesystem failed"},
		{"generic without subject", Story{Kind: Firing, Service: "checkout", EventName: "db.corrupted", Body: "orders table is corrupted\nmore"},
			"checkout: orders table is corrupted"},
		{"generic without anything", Story{Kind: Firing, EventName: "disk_full"}, "Disk full"},
		{"dashboard action", Story{Kind: Firing, SubjectKey: "dashboard.action", Subject: "refreshModelServices", EventName: "dashboard.error",
			Body: "Failed to fetch", Facts: map[string]string{"exception.message": "Failed to fetch"}},
			"Dashboard action refreshModelServices: Failed to fetch"},
		{"resolved", Story{Kind: Resolving, SubjectKey: "mcp.server.name", Subject: "filesystem", EventName: "mcp.circuit_breaker.opened",
			Facts: map[string]string{"circuit_breaker.failure_count": "5"}, FirstSeen: t0, ResolvedAt: t0.Add(7 * time.Minute), ResolvedBy: "mcp.circuit_breaker.closed"},
			"MCP server filesystem: circuit breaker opened after 5 failures (resolved after 7m0s)"},
		{"resolved after repeats", Story{Kind: Resolving, SubjectKey: "health.check", Subject: "ollama", EventName: "health.status_changed",
			Facts: map[string]string{"health.status": "unhealthy"}, Failures: 3, FirstSeen: t0, ResolvedAt: t0.Add(90 * time.Second)},
			"Health check ollama is unhealthy (3 times, resolved after 1m30s)"},
		{"one-shot", Story{Kind: OneShot, EventName: "notification", Body: "Health check failed 3 times",
			Facts: map[string]string{"notification.title": "Ollama is down", "notification.priority": "high"}},
			"Ollama is down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Sentence(tt.story))
		})
	}
}

func TestNarrative(t *testing.T) {
	s := Story{Kind: Resolving, SubjectKey: "mcp.server.name", Subject: "filesystem", Service: "agent-runner",
		EventName: "mcp.circuit_breaker.opened", Facts: map[string]string{"circuit_breaker.failure_count": "5", "exception.message": "Timeout after 30s"},
		Events: 7, Failures: 6, FirstSeen: t0, LastSeen: t0.Add(7 * time.Minute), ResolvedAt: t0.Add(7 * time.Minute), ResolvedBy: "mcp.circuit_breaker.closed"}
	assert.Equal(t, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s. "+
		"It started at 2026-11-28 12:00:00 UTC in agent-runner; 7 events (6 failures), the last at 2026-11-28 12:07:00 UTC. "+
		"It was resolved at 2026-11-28 12:07:00 UTC when the circuit breaker closed, after 7m0s.", Narrative(s))

	s.Kind, s.ResolvedAt, s.ResolvedBy = Firing, time.Time{}, ""
	assert.Contains(t, Narrative(s), "It is still firing.")

	s.Kind, s.Expired, s.ResolvedAt = Resolving, true, t0.Add(time.Hour)
	assert.Contains(t, Narrative(s), "No event came after 2026-11-28 12:07:00 UTC, so it was closed after 1h0m0s.")

	one := Story{Kind: OneShot, Service: "agent-runner", Body: "Health check failed 3 times",
		Facts: map[string]string{"notification.title": "Ollama is down", "notification.priority": "high"}}
	assert.Equal(t, "Ollama is down. Health check failed 3 times. Priority high, from agent-runner.", Narrative(one))
}

func TestSentenceIsBounded(t *testing.T) {
	long := make([]byte, 1000)
	for i := range long {
		long[i] = 'x'
	}
	got := Sentence(Story{Kind: Firing, EventName: "e", Body: string(long)})
	assert.Equal(t, maxSentenceRunes, len([]rune(got)))
}
