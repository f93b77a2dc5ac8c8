package incidentsextension

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/incidents"
)

const taskKey = "task|batch-runner|task.name=nightly_summary"

// mcpStorm is the storm of e2e's browser test: failures naming the server,
// then the breaker opening after 5 of them.
func mcpStorm(at time.Time) []incidents.Event {
	var evs []incidents.Event
	for i := range 5 {
		ev := fsEvent("firing", fmt.Sprintf("fail-%d", i), at.Add(time.Duration(i)*time.Second))
		ev.EventName, ev.Body = "mcp_server_failure", "MCP server 'filesystem' failed: timeout"
		evs = append(evs, ev)
	}
	open := fsEvent("firing", "open", at.Add(5*time.Second))
	open.Body = "Circuit breaker opened for filesystem"
	open.Facts = map[string]string{"circuit_breaker.failure_count": "5", "circuit_breaker.threshold": "5", "error": "Timeout after 30s"}
	return append(evs, open)
}

func taskEvent(kind, name, id string, at time.Time, facts map[string]string) incidents.Event {
	return incidents.Event{Key: taskKey, Kind: kind, SubjectKey: "task.name", Subject: "nightly_summary", Service: "batch-runner",
		Category: "task", EventName: name, EventID: id, Time: at, Facts: facts}
}

func titles(t *testing.T, led incidents.Ledger) map[string]string {
	t.Helper()
	list, err := led.Incidents(context.Background(), incidents.Query{})
	require.NoError(t, err)
	out := map[string]string{}
	for _, in := range list {
		out[in.Key] = in.Title
	}
	return out
}

// TestTitles: the ledger says each incident as notify and blog do
// (internal/incident's Sentence), and keeps it current as events arrive.
func TestTitles(t *testing.T) {
	_, led := startLedger(t, nil)
	ctx := context.Background()
	storm := mcpStorm(t0)
	require.NoError(t, led.RecordEvents(ctx, storm[:2]))
	assert.Equal(t, "MCP server filesystem: MCP server 'filesystem' failed: timeout (2 times)", titles(t, led)[fsKey])

	require.NoError(t, led.RecordEvents(ctx, storm[2:]))
	require.NoError(t, led.RecordEvents(ctx, storm), "recorded twice (notify and blog): counted once")
	require.NoError(t, led.RecordEvents(ctx, []incidents.Event{
		taskEvent("other", "task.failed", "t1", t0, map[string]string{"task.attempt": "1", "exception.type": "KeyError", "exception.message": "facts"}),
		taskEvent("firing", "task.failed", "t3", t0.Add(time.Minute), map[string]string{"task.attempt": "3", "exception.type": "KeyError", "exception.message": "facts\n  at line 3"}),
	}))
	got := titles(t, led)
	assert.Equal(t, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s", got[fsKey])
	assert.Equal(t, "Task nightly_summary failed after 3 attempts: KeyError: facts", got[taskKey])

	// Resolved by its recovery event: the sentence says how long it lasted.
	require.NoError(t, led.RecordEvents(ctx, []incidents.Event{taskEvent("resolved", "task.succeeded", "t4", t0.Add(8*time.Minute), nil)}))
	assert.Equal(t, "Task nightly_summary failed after 3 attempts: KeyError: facts (resolved after 7m0s)", titles(t, led)[taskKey])
	// Resolved by notify's resolution (no recovery event) too.
	require.NoError(t, led.RecordDelivery(ctx, incidents.Delivery{Key: fsKey, Target: "inbox", Time: t0.Add(time.Hour), Status: incidents.DeliveryDelivered, Kind: "resolved"}))
	assert.Equal(t, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s (resolved after 5s)", titles(t, led)[fsKey])

	// The event view's incident (IncidentOfEvent) and the detail say the same.
	of, err := led.IncidentOfEvent(ctx, "fail-0")
	require.NoError(t, err)
	d, err := led.Incident(ctx, of.ID)
	require.NoError(t, err)
	assert.Equal(t, titles(t, led)[fsKey], of.Title)
	assert.Equal(t, of.Title, d.Title)
}

func TestTitleOfQuietIncident(t *testing.T) {
	l, led := startLedger(t, func(c *Config) { c.ResolveTimeout = time.Hour })
	ctx := context.Background()
	require.NoError(t, led.RecordEvents(ctx, []incidents.Event{
		{Key: "health|agent-runner|health.check=ollama", Kind: "firing", SubjectKey: "health.check", Subject: "ollama", Service: "agent-runner",
			EventName: "health.status_changed", EventID: "h1", Time: t0, Facts: map[string]string{"health.status": "unhealthy", "error": "connection refused"}},
		{Key: "health|agent-runner|health.check=ollama", Kind: "other", EventName: "health.status_changed", EventID: "h2", Time: t0.Add(2 * time.Minute)},
	}))
	assert.Equal(t, "Health check ollama is unhealthy: connection refused", titles(t, led)["health|agent-runner|health.check=ollama"])
	require.NoError(t, l.prune(ctx, t0.Add(3*time.Hour)))
	assert.Equal(t, "Health check ollama is unhealthy: connection refused (resolved after 2m0s)", titles(t, led)["health|agent-runner|health.check=ollama"],
		"closed by resolve_timeout at its last event")
}

// An incident nothing names is titled by its key.
func TestTitleFallsBackToKey(t *testing.T) {
	_, led := startLedger(t, nil)
	require.NoError(t, led.RecordEvents(context.Background(), []incidents.Event{{Key: "||", Kind: "firing", EventID: "x", Time: t0}}))
	assert.Equal(t, "||", titles(t, led)["||"])
}

// TestMigrationTitlesOldLedger: a ledger written before titles existed gets
// one for every incident when the extension starts on it, once.
func TestMigrationTitlesOldLedger(t *testing.T) {
	dir := t.TempDir()
	old, err := sql.Open("sqlite", filepath.Join(dir, fileName))
	require.NoError(t, err)
	_, err = old.Exec(schema) // the first shape, user_version 0
	require.NoError(t, err)
	_, err = old.Exec(`INSERT INTO incidents(key, subject_key, subject, service, category, event_name, status, first_ns, last_ns, resolved_ns, events)
		VALUES (?, 'mcp.server.name', 'filesystem', 'agent-runner', 'mcp', 'mcp.circuit_breaker.opened', 'open', ?, ?, 0, 6),
		       (?, 'task.name', 'nightly_summary', 'batch-runner', 'task', 'task.failed', 'resolved', ?, ?, ?, 2)`,
		fsKey, t0.UnixNano(), t0.Add(time.Minute).UnixNano(), taskKey, t0.UnixNano(), t0.Add(time.Minute).UnixNano(), t0.Add(7*time.Minute).UnixNano())
	require.NoError(t, err)
	require.NoError(t, old.Close())

	l, led := startLedger(t, func(c *Config) { c.Directory = dir })
	got := titles(t, led)
	assert.Equal(t, "MCP server filesystem: circuit breaker opened", got[fsKey], "said from what the old row kept")
	assert.Equal(t, "Task nightly_summary failed (resolved after 7m0s)", got[taskKey])
	var version int
	require.NoError(t, l.db.sql.QueryRow("PRAGMA user_version").Scan(&version))
	assert.Equal(t, len(migrations), version)

	// The next firing event brings the facts the old row lacked.
	ctx := context.Background()
	require.NoError(t, led.RecordEvents(ctx, mcpStorm(t0.Add(2 * time.Minute))[5:]))
	assert.Equal(t, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s", titles(t, led)[fsKey])

	// Started again: nothing to migrate, the titles stay.
	require.NoError(t, l.Shutdown(ctx))
	_, led = startLedger(t, func(c *Config) { c.Directory = dir })
	assert.Equal(t, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s", titles(t, led)[fsKey])
}

func TestNewerLedgerRefused(t *testing.T) {
	dir := t.TempDir()
	d, err := openDB(context.Background(), dir)
	require.NoError(t, err)
	_, err = d.sql.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1))
	require.NoError(t, err)
	require.NoError(t, d.close())
	_, err = openDB(context.Background(), dir)
	require.ErrorContains(t, err, fmt.Sprintf("migration: the ledger is of a newer version (%d) than this collector knows (%d)", len(migrations)+1, len(migrations)))
}
