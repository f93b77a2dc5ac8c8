package routeprocessor

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/legacy"
)

// legacyBodies are real legacy payloads (the examples of legacy-formats.md,
// plus the variants the promises name), each with the sinks it must reach;
// event_id makes each one recognisable at the sinks.
var legacyBodies = []struct {
	format legacy.Format
	body   string
	sinks  string
}{
	{legacy.TrackEvent, `{"event_id": "ev-01", "event_type": "mcp_server_failure", "message": "MCP server 'filesystem' failed: timeout", "severity": "error", "category": "mcp", "source": "agent-runner", "timestamp": "2026-11-28T12:00:00.123456+00:00", "metadata": {"server": "filesystem", "failure_count": 3}}`, allSinks},
	{legacy.TrackEvent, `{"event_id": "ev-02", "event_type": "gpu_lost", "message": "GPU disappeared", "severity": "critical"}`, allSinks},
	{legacy.JSONEvents, `{"event_id": "ev-03", "ts": 1764331200.123, "level": "ERROR", "event": "task_failed", "component": "background_tasks", "msg": "Task nightly_summary failed", "data": {"task": "nightly_summary"}, "pid": 4121, "host": "box1"}`, allSinks},
	{legacy.JSONEvents, `{"event_id": "ev-04", "ts": 1764331200.5, "event": "task_started", "component": "background_tasks"}`, base},
	{legacy.Dashboard, `{"event_id": "ev-05", "type": "error", "action": "refreshModelServices", "message": "Failed to fetch", "stack": "TypeError: Failed to fetch\n    at refreshModelServices (index.html:412:15)", "url": "http://localhost:5005/dashboard", "userAgent": "Mozilla/5.0", "timestamp": 1764331200123, "sessionId": "b5c1e0"}`, allSinks},
	{legacy.Dashboard, `{"event_id": "ev-06", "type": "action", "action": "refresh", "message": "user clicked refresh"}`, base},
	{legacy.HealthMonitor, `{"event_id": "ev-07", "check": "ollama", "status": "unhealthy", "previous_status": "healthy", "latency_ms": 5012.4, "error": "connection refused", "checked_at": "2026-11-28T12:00:00Z", "details": {"endpoint": "http://localhost:11434"}}`, allSinks},
	{legacy.HealthMonitor, `{"event_id": "ev-08", "check": "ollama", "status": "healthy", "previous_status": "unhealthy"}`, allSinks},
	{legacy.HealthMonitor, `{"event_id": "ev-09", "check": "ollama", "status": "degraded", "previous_status": "healthy"}`, withB},
	{legacy.HealthMonitor, `{"event_id": "ev-10", "check": "ollama", "status": "healthy"}`, base},
	{legacy.CircuitBreaker, `{"event_id": "ev-11", "server": "filesystem", "event": "opened", "state": "open", "failure_count": 5, "threshold": 5, "error": "Timeout after 30s", "cooldown_seconds": 60, "timestamp": "2026-11-28T12:00:00Z"}`, allSinks},
	{legacy.CircuitBreaker, `{"event_id": "ev-12", "server": "filesystem", "event": "closed", "state": "closed"}`, allSinks},
	{legacy.CircuitBreaker, `{"event_id": "ev-13", "server": "filesystem", "event": "failure", "failure_count": 1}`, base},
	{legacy.BackgroundTasks, `{"event_id": "ev-14", "task_id": "7f3e2a", "task_name": "memory_consolidation", "status": "failed", "attempt": 3, "max_attempts": 3, "duration_s": 12.5, "error": "KeyError: 'facts'", "traceback": "Traceback (most recent call last):\n  ...", "finished_at": "2026-11-28T12:00:00Z"}`, allSinks},
	{legacy.BackgroundTasks, `{"event_id": "ev-15", "task_name": "memory_consolidation", "status": "failed", "attempt": 1, "max_attempts": 3, "error": "KeyError: 'facts'"}`, allSinks},
	{legacy.BackgroundTasks, `{"event_id": "ev-16", "task_name": "memory_consolidation", "status": "succeeded", "attempt": 2, "max_attempts": 3}`, allSinks},
	{legacy.BackgroundTasks, `{"event_id": "ev-17", "task_name": "memory_consolidation", "status": "failed", "error": "boom"}`, allSinks},
	{legacy.Notification, `{"event_id": "ev-18", "title": "Ollama is down", "message": "Health check failed 3 times", "priority": "high", "source": "health_monitor", "tags": ["health", "ollama"]}`, withN},
	{legacy.Notification, `{"event_id": "ev-19", "title": "Everything is down", "message": "all checks failed", "priority": "urgent"}`, allSinks},
	{legacy.Notification, `{"event_id": "ev-20", "title": "FYI", "message": "nightly run done", "priority": "low"}`, withN},
	{legacy.Notification, `{"event_id": "ev-23", "title": "Disk at 80%", "message": "/var is filling", "priority": "normal"}`, withN},
	{legacy.Blog, `{"event_id": "ev-21", "title": "Anomaly: response latency 4x baseline", "content": "Markdown ...", "tags": ["anomaly", "latency"], "author": "anomaly_detector", "anomaly": {"metric": "latency_ms", "value": 4120, "baseline": 980, "zscore": 4.2}}`, withB},
	{legacy.Blog, `{"event_id": "ev-22", "title": "Weekly summary", "content": "Markdown ...", "author": "agent"}`, withB},
}

// TestPipelineDecodedLegacy is TestPipeline with records produced by the real
// legacy decoder (internal/legacy), so the table is proven on the exact shape
// receiver/trackreceiver hands to the pipeline.
func TestPipelineDecodedLegacy(t *testing.T) {
	input := plog.NewLogs()
	want := map[string][]string{}
	for _, lb := range legacyBodies {
		ld, evErrs, err := legacy.Decode(lb.format, []byte(lb.body), eventTime)
		require.NoError(t, err, lb.body)
		require.Empty(t, evErrs, lb.body)
		require.Equal(t, 1, ld.LogRecordCount(), lb.body)
		ld.ResourceLogs().MoveAndAppendTo(input.ResourceLogs())
		key := lb.body[len(`{"event_id": "`) : len(`{"event_id": "`)+len("ev-00")]
		for _, s := range strings.Split(lb.sinks, ",") {
			want[s] = append(want[s], key)
		}
	}
	for name, file := range tableSources(t) {
		t.Run(name, func(t *testing.T) {
			sinks := runCollector(t, routeProcessors(t, file), input)
			assertSinks(t, sinks, want)
		})
	}
}
