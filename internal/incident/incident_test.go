package incident

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/legacy"
)

func record(name string, sev plog.SeverityNumber, attrs map[string]any) plog.LogRecord {
	lr := plog.NewLogRecord()
	lr.SetEventName(name)
	lr.SetSeverityNumber(sev)
	_ = lr.Attributes().FromRaw(attrs)
	return lr
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name  string
		event string
		sev   plog.SeverityNumber
		attrs map[string]any
		want  Kind
	}{
		{"breaker opened", "mcp.circuit_breaker.opened", 17, map[string]any{"mcp.server.name": "fs"}, Firing},
		{"breaker closed", "mcp.circuit_breaker.closed", 9, nil, Resolving},
		{"breaker failure", "mcp.circuit_breaker.failure", 13, nil, Other},
		{"health to unhealthy", "health.status_changed", 17, map[string]any{"health.status": "unhealthy"}, Firing},
		{"health to healthy", "health.status_changed", 9, map[string]any{"health.status": "healthy"}, Resolving},
		{"health degraded", "health.status_changed", 13, map[string]any{"health.status": "degraded"}, Other},
		{"health check healthy", "health.check", 9, map[string]any{"health.status": "healthy"}, Resolving},
		{"final task failure", "task.failed", 17, map[string]any{"task.final": true}, Firing},
		{"task failure with retries left", "task.failed", 17, map[string]any{"task.final": false}, Other},
		{"task failure without final", "task.failed", 17, nil, Firing},
		{"task succeeded", "task.succeeded", 9, nil, Resolving},
		{"generic error", "mcp_server_failure", 17, nil, Firing},
		{"generic fatal", "disk.full", 21, nil, Firing},
		{"generic warning", "disk.low", 13, nil, Other},
		{"notification low", "notification", 9, nil, OneShot},
		{"notification urgent", "notification", 21, nil, OneShot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(record(tt.event, tt.sev, tt.attrs))
			assert.Equal(t, tt.want, got, "Classify(%s) = %v, want %v", tt.event, got, tt.want)
		})
	}
}

func TestKeyOfGroupsRecoveryWithFailure(t *testing.T) {
	res := pcommon.NewResource()
	res.Attributes().PutStr("service.name", "agent-runner")
	opened := KeyOf(record("mcp.circuit_breaker.opened", 17, map[string]any{"mcp.server.name": "filesystem"}), res)
	closed := KeyOf(record("mcp.circuit_breaker.closed", 9, map[string]any{"mcp.server.name": "filesystem"}), res)
	other := KeyOf(record("mcp.circuit_breaker.opened", 17, map[string]any{"mcp.server.name": "github"}), res)
	assert.Equal(t, opened, closed)
	assert.NotEqual(t, opened, other)
	assert.Equal(t, "mcp|agent-runner|mcp.server.name=filesystem", opened.String())
	noSubject := KeyOf(record("disk.full", 21, nil), res)
	assert.Equal(t, "disk|agent-runner|", noSubject.String())
}

// TestOneSubjectOneIncident decodes the same story told in different formats
// with the real legacy decoder: every event about one subject has one key.
func TestOneSubjectOneIncident(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	stories := []struct {
		name string
		want string
		told []struct {
			format legacy.Format
			body   string
		}
	}{
		{"mcp server", "mcp|agent-runner|mcp.server.name=filesystem", []struct {
			format legacy.Format
			body   string
		}{
			{legacy.TrackEvent, `{"event_type":"mcp_server_failure","message":"timeout","severity":"error","category":"mcp","metadata":{"server":"filesystem"}}`},
			{legacy.CircuitBreaker, `{"server":"filesystem","event":"opened","failure_count":5}`},
			{legacy.CircuitBreaker, `{"server":"filesystem","event":"closed"}`},
			{legacy.JSONEvents, `{"ts":1764331200,"level":"ERROR","event":"mcp_call_failed","component":"mcp","data":{"server":"filesystem"}}`},
		}},
		{"health check", "health|agent-runner|health.check=ollama", []struct {
			format legacy.Format
			body   string
		}{
			{legacy.TrackEvent, `{"event_type":"health_check_failed","message":"down","severity":"error","category":"health","metadata":{"check":"ollama"}}`},
			{legacy.HealthMonitor, `{"check":"ollama","status":"unhealthy","previous_status":"healthy"}`},
			{legacy.HealthMonitor, `{"check":"ollama","status":"healthy","previous_status":"unhealthy"}`},
		}},
		{"task", "task|agent-runner|task.name=nightly_summary", []struct {
			format legacy.Format
			body   string
		}{
			{legacy.TrackEvent, `{"event_type":"task_failed","message":"boom","severity":"error","category":"task","metadata":{"task_name":"nightly_summary"}}`},
			{legacy.TrackEvent, `{"event_type":"task_failed","message":"boom","severity":"error","category":"task","metadata":{"task":"nightly_summary"}}`},
			{legacy.JSONEvents, `{"ts":1764331200,"level":"ERROR","event":"task_failed","component":"background_tasks","data":{"task":"nightly_summary"}}`},
			{legacy.BackgroundTasks, `{"task_name":"nightly_summary","status":"failed","attempt":3,"max_attempts":3}`},
			{legacy.BackgroundTasks, `{"task_name":"nightly_summary","status":"succeeded"}`},
		}},
		{"dashboard action", "dashboard|dashboard|dashboard.action=refreshModelServices", []struct {
			format legacy.Format
			body   string
		}{
			{legacy.Dashboard, `{"type":"error","action":"refreshModelServices","message":"Failed to fetch"}`},
			{legacy.TrackEvent, `{"event_type":"fetch_failed","message":"Failed to fetch","severity":"error","category":"dashboard","source":"dashboard","metadata":{"action":"refreshModelServices"}}`},
		}},
	}
	for _, st := range stories {
		t.Run(st.name, func(t *testing.T) {
			for _, told := range st.told {
				ld, evErrs, err := legacy.Decode(told.format, []byte(told.body), now)
				require.NoError(t, err)
				require.Empty(t, evErrs)
				rl := ld.ResourceLogs().At(0)
				lr := rl.ScopeLogs().At(0).LogRecords().At(0)
				assert.Equal(t, st.want, KeyOf(lr, rl.Resource()).String(), "%s %s", told.format, told.body)
			}
		})
	}
}

func TestAliasNeedsItsCategory(t *testing.T) {
	res := pcommon.NewResource()
	// "server" means an MCP server only under category mcp.
	k := KeyOf(record("web_error", 17, map[string]any{"track.category": "web", "server": "nginx"}), res)
	assert.Equal(t, "web_error||", k.String())
	k = KeyOf(record("x_failed", 17, map[string]any{"track.category": "mcp", "server": "fs"}), res)
	assert.Equal(t, "mcp||mcp.server.name=fs", k.String())
	// A canonical key wins over an alias.
	k = KeyOf(record("x_failed", 17, map[string]any{"track.category": "mcp", "server": "fs", "mcp.server.name": "github"}), res)
	assert.Equal(t, "mcp||mcp.server.name=github", k.String())
}

func TestFamily(t *testing.T) {
	for in, want := range map[string]string{
		"mcp.circuit_breaker.opened": "mcp.circuit_breaker",
		"task.failed":                "task",
		"health.status_changed":      "health",
		"mcp_server_failure":         "mcp_server_failure",
		"":                           "",
		".hidden":                    ".hidden",
	} {
		assert.Equal(t, want, Family(in), "Family(%q)", in)
	}
}

func TestSubjectOrder(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr("task.name", "nightly")
	m.PutStr("mcp.server.name", "fs")
	k, v := Subject(m)
	assert.Equal(t, "mcp.server.name", k)
	assert.Equal(t, "fs", v)
	k, v = Subject(pcommon.NewMap())
	assert.Empty(t, k)
	assert.Empty(t, v)
}
