package notifyexporter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
	"github.com/unitrack/unitrack/internal/legacy"
)

// decoded runs legacy bodies through the real decoder, as trackreceiver does.
func decoded(t *testing.T, format legacy.Format, bodies ...string) plog.Logs {
	t.Helper()
	out := plog.NewLogs()
	for _, b := range bodies {
		ld, evErrs, err := legacy.Decode(format, []byte(b), t0)
		require.NoError(t, err, b)
		require.Empty(t, evErrs, b)
		ld.ResourceLogs().MoveAndAppendTo(out.ResourceLogs())
	}
	return out
}

func TestNotifyCallsAreOneShots(t *testing.T) {
	tg := newTestGrouping(testConfig())
	ld := decoded(t, legacy.Notification,
		`{"title":"FYI","message":"nightly run done","priority":"low"}`,
		`{"title":"Disk at 80%","message":"/var is filling","priority":"normal"}`,
		`{"title":"Ollama is down","message":"Health check failed 3 times","priority":"high","source":"health_monitor"}`,
		`{"title":"Everything is down","message":"all checks failed","priority":"urgent"}`,
	)
	got := tg.consume(ld, t0)
	require.Len(t, got, 4, "every notify() call is delivered, at once (no group_wait)")
	wantPriority := map[string]string{"FYI": "low", "Disk at 80%": "normal", "Ollama is down": "high", "Everything is down": "urgent"}
	wantSeverity := map[string]int32{"FYI": 9, "Disk at 80%": 13, "Ollama is down": 17, "Everything is down": 21}
	for _, n := range got {
		assert.Equal(t, target.KindOneShot, n.Kind)
		assert.Equal(t, target.StatusFiring, n.Status)
		assert.Equal(t, n.Subject, n.Headline, "the title is the notify() title")
		assert.Equal(t, wantPriority[n.Subject], n.Priority, "priority of %q", n.Subject)
		assert.Equal(t, wantSeverity[n.Subject], n.SeverityNumber, "severity of %q", n.Subject)
		assert.Equal(t, 1, n.Count)
		assert.Len(t, n.EventIDs, 1)
	}
	// No group was opened: nothing is ever due, no "resolved" follows.
	for _, at := range []time.Duration{time.Minute, 2 * time.Hour, 48 * time.Hour} {
		assert.Empty(t, tg.flush(t0.Add(at)), "nothing follows a one-shot (at +%s)", at)
	}
	assert.Empty(t, tg.groupers[0].groups)
}

func TestOneShotDedupeWindow(t *testing.T) {
	cfg := testConfig()
	cfg.DedupeWindow = time.Minute
	tg := newTestGrouping(cfg)
	call := `{"title":"Ollama is down","message":"Health check failed 3 times","priority":"high"}`
	require.Len(t, tg.consume(decoded(t, legacy.Notification, call), t0), 1)
	assert.Empty(t, tg.consume(decoded(t, legacy.Notification, call, call), t0.Add(30*time.Second)), "exact repeats inside the window are held")
	assert.Equal(t, int64(2), tg.groupers[0].takeSuppressed().duplicate)
	other := `{"title":"Ollama is down","message":"Health check failed 4 times","priority":"high"}`
	assert.Len(t, tg.consume(decoded(t, legacy.Notification, other), t0.Add(31*time.Second)), 1, "a different message is not a repeat")
	higher := `{"title":"Ollama is down","message":"Health check failed 3 times","priority":"urgent"}`
	assert.Len(t, tg.consume(decoded(t, legacy.Notification, higher), t0.Add(32*time.Second)), 1, "a different priority is not a repeat")
	got := tg.consume(decoded(t, legacy.Notification, call), t0.Add(61*time.Second))
	require.Len(t, got, 1, "after the window the repeat is delivered")
	assert.Equal(t, 3, got[0].Count, "it counts the two held back")

	cfg.DedupeWindow = 0
	tg = newTestGrouping(cfg)
	assert.Len(t, tg.consume(decoded(t, legacy.Notification, call, call, call), t0), 3, "dedupe_window 0 delivers every copy")
}

func TestOneShotRespectsMinSeverity(t *testing.T) {
	tg := newTestGrouping(testConfig(), 0, plog.SeverityNumberError)
	got := tg.consume(decoded(t, legacy.Notification,
		`{"title":"FYI","message":"x","priority":"low"}`,
		`{"title":"Down","message":"y","priority":"high"}`), t0)
	require.Len(t, got, 3)
	assert.Equal(t, []string{"t0", "t0", "t1"}, []string{got[0].Target, got[1].Target, got[2].Target})
}

// TestOneSubjectOneThread is the MCP story of issue 11: five track_event
// failures naming the server in metadata, then the breaker opening and
// closing, are one incident: one firing and one resolved notification.
func TestOneSubjectOneThread(t *testing.T) {
	tg := newTestGrouping(testConfig())
	failure := `{"event_type":"mcp_server_failure","message":"MCP server 'filesystem' failed: timeout","severity":"error","category":"mcp","timestamp":"2026-11-28T12:00:00Z","metadata":{"server":"filesystem"}}`
	tg.consume(decoded(t, legacy.TrackEvent, failure, failure, failure, failure, failure), t0)
	tg.consume(decoded(t, legacy.CircuitBreaker,
		`{"server":"filesystem","event":"opened","state":"open","failure_count":5,"threshold":5,"error":"Timeout after 30s","timestamp":"2026-11-28T12:00:01Z"}`), t0.Add(time.Second))
	got := tg.flush(t0.Add(31 * time.Second))
	require.Len(t, got, 1, "one firing notification for the server")
	assert.Equal(t, target.StatusFiring, got[0].Status)
	assert.Equal(t, 6, got[0].Count)
	assert.Equal(t, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s", got[0].Headline)
	assert.Contains(t, got[0].Narrative, "6 events")

	tg.consume(decoded(t, legacy.CircuitBreaker, `{"server":"filesystem","event":"closed","state":"closed","timestamp":"2026-11-28T12:01:00Z"}`), t0.Add(time.Minute))
	got = tg.flush(t0.Add(31*time.Second + 5*time.Minute))
	require.Len(t, got, 1, "one resolved notification")
	assert.Equal(t, target.StatusResolved, got[0].Status)
	assert.Equal(t, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s (resolved after 1m0s)", got[0].Headline)
	assert.Empty(t, tg.flush(t0.Add(24*time.Hour)), "and nothing after")
}
