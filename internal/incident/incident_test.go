package incident

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
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
	assert.Equal(t, "mcp.circuit_breaker|agent-runner|mcp.server.name=filesystem", opened.String())
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
