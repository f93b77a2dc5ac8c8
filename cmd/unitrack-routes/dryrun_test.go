package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/track"
	"github.com/unitrack/unitrack/processor/routeprocessor"
)

// defaultConfig is the distribution's own otelcol.yaml.
const defaultConfig = "../../otelcol.yaml"

func runCmd(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

// field returns the values of the output lines starting with name, one per
// event.
func field(out, name string) []string {
	var vals []string
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			vals = append(vals, strings.TrimSpace(rest))
		}
	}
	return vals
}

// TestDryRunOnDefaultConfig runs the command over testdata events against the
// real otelcol.yaml.
func TestDryRunOnDefaultConfig(t *testing.T) {
	tests := []struct {
		file, format string
		event        []string
		routes       []string
		sinks        []string
		incident     []string // prefixes
	}{
		{
			file: "breaker_opened.json", format: "circuit_breaker",
			event:    []string{"mcp.circuit_breaker.opened"},
			routes:   []string{"everything, errors, circuit-breaker"},
			sinks:    []string{"blog, dashboard, eventlog, notify, observability"},
			incident: []string{"firing, key mcp|agent-runner|mcp.server.name=filesystem"},
		},
		{
			file: "health_recovered.json", format: "health_monitor",
			event:    []string{"health.status_changed"},
			routes:   []string{"everything, health-incidents, health-changes"},
			sinks:    []string{"blog, dashboard, eventlog, notify, observability"},
			incident: []string{"resolved, key health|agent-runner|health.check=ollama"},
		},
		{
			file: "task_retry.json", format: "background_tasks",
			event:    []string{"task.failed"},
			routes:   []string{"everything, errors"},
			sinks:    []string{"blog, dashboard, eventlog, notify, observability"},
			incident: []string{"other, key task|agent-runner|task.name=memory_consolidation"},
		},
		{
			file: "eventlog_critical.json", format: "json_events",
			event:    []string{"agent.crashed"},
			routes:   []string{"everything, critical, errors"},
			sinks:    []string{"blog, dashboard, eventlog, notify, observability"},
			incident: []string{"firing, key agent|agent-runner|"},
		},
		{
			file: "mcp_failure.json", format: "track_event",
			event:    []string{"mcp_server_failure"},
			routes:   []string{"everything, errors"},
			sinks:    []string{"blog, dashboard, eventlog, notify, observability"},
			incident: []string{"firing, key mcp|agent-runner|mcp.server.name=filesystem"},
		},
		{
			file: "otlp_batch.json", format: formatOTLPJSON,
			event:    []string{"checkout.completed", "ledger.corrupt"},
			routes:   []string{"everything", "everything, critical, errors"},
			sinks:    []string{"dashboard, eventlog, observability", "blog, dashboard, eventlog, notify, observability"},
			incident: []string{"other, key checkout|payments|", "firing, key ledger|payments|"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out, errOut, code := runCmd(t, "", "test", "--config", defaultConfig, "--format", tt.format, filepath.Join("testdata", tt.file))
			require.Equal(t, exitOK, code, "stderr: %s", errOut)
			assert.Equal(t, tt.event, field(out, "event"), out)
			assert.Equal(t, tt.routes, field(out, "routes"), out)
			assert.Equal(t, tt.sinks, field(out, "sinks"), out)
			inc := field(out, "incident")
			require.Len(t, inc, len(tt.incident), out)
			for i, p := range tt.incident {
				assert.True(t, strings.HasPrefix(inc[i], p), "incident %q, want it to start with %q", inc[i], p)
			}
		})
	}
}

func TestDryRunStdinAndErrors(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "breaker_opened.json"))
	require.NoError(t, err)
	out, _, code := runCmd(t, string(body), "test", "--config", defaultConfig, "--format", "circuit_breaker", "-")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, []string{"blog, dashboard, eventlog, notify, observability"}, field(out, "sinks"))

	tests := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"bad field", `{"server": 5, "event": "opened"}`, []string{"--format", "circuit_breaker", "-"}, exitBadEvent,
			`event index 0: field "server": expected a non-empty string, got number 5`},
		{"one bad event of two", "", []string{filepath.Join("testdata", "mixed_batch.ndjson")}, exitBadEvent,
			`event index 1: field "severity": expected one of trace`},
		{"not JSON", `{"event_type": `, []string{"-"}, exitBadEvent, "body is not JSON"},
		{"not OTLP", `{"resourceLogs": 5}`, []string{"--format", "otlp-json", "-"}, exitBadEvent, "not OTLP/JSON logs"},
		{"unknown format", `{}`, []string{"--format", "syslog", "-"}, exitUsage, `--format: unknown format "syslog": expected one of track_event, json_events`},
		{"no such processor", `{}`, []string{"--processor", "route/nope", "-"}, exitUsage, `no route processor "route/nope" (route processors there: [route, route/blog, route/dashboard, route/eventlog, route/notify, route/observability])`},
		{"select instance", `{}`, []string{"--processor", "route/blog", "-"}, exitUsage, `processors::route/blog only selects sink "blog"`},
		{"no config", `{}`, []string{"--config", "testdata/missing.yaml", "-"}, exitUsage, "reading testdata/missing.yaml"},
		{"no event", ``, []string{}, exitUsage, "give one event file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"test"}, tt.args...)
			if !strings.Contains(strings.Join(tt.args, " "), "--config") {
				args = append([]string{"test", "--config", defaultConfig}, tt.args...)
			}
			_, errOut, code := runCmd(t, tt.stdin, args...)
			assert.Equal(t, tt.wantCode, code, "stderr: %s", errOut)
			assert.Contains(t, errOut, tt.wantErr)
		})
	}
	_, errOut, code := runCmd(t, "", "routes")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "usage: unitrack-routes test")
}

func TestDryRunBadTable(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "otelcol.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(`
processors:
  route:
    routes:
      - name: broken
        condition: severity_number >=
        sinks: [notify]
    default_sinks: [eventlog]
`), 0o600))
	_, errOut, code := runCmd(t, "", "test", "--config", cfg, filepath.Join("testdata", "mcp_failure.json"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `processors::route: routes::0 ("broken"): condition "severity_number >="`)
}

// TestDryRunAgreesWithRouteProcessor: on every golden input of every legacy
// format (and the command's own testdata), the dry run reaches exactly the
// sinks the real route processor writes as track.routes, with the same
// config.
func TestDryRunAgreesWithRouteProcessor(t *testing.T) {
	cfg, tbl, err := loadTable(defaultConfig, "route")
	require.NoError(t, err)
	sink := new(consumertest.LogsSink)
	proc, err := routeprocessor.NewFactory().CreateLogs(context.Background(),
		processortest.NewNopSettings(component.MustNewType("route")), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, proc.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, proc.Shutdown(context.Background())) }()

	type input struct {
		path, format string
	}
	var inputs []input
	for _, fi := range legacy.Formats {
		files, err := filepath.Glob(filepath.Join("..", "..", "internal", "legacy", "testdata", string(fi.Format), "*", "input.json"))
		require.NoError(t, err)
		for _, f := range files {
			inputs = append(inputs, input{f, string(fi.Format)})
		}
	}
	inputs = append(inputs, input{filepath.Join("testdata", "otlp_batch.json"), formatOTLPJSON})
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	compared := 0
	for _, in := range inputs {
		body, err := os.ReadFile(in.path)
		require.NoError(t, err)
		logs, _, err := decode(in.format, body, now)
		if err != nil || logs.LogRecordCount() == 0 {
			continue
		}
		byProcessor := plog.NewLogs()
		logs.CopyTo(byProcessor)
		verdicts := evaluate(cfg, tbl, logs, now)
		sink.Reset()
		require.NoError(t, proc.ConsumeLogs(context.Background(), byProcessor))
		require.Len(t, sink.AllLogs(), 1)
		var routed [][]string
		for _, rl := range sink.AllLogs()[0].ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					v, ok := lr.Attributes().Get(track.AttrRoutes)
					require.True(t, ok)
					var names []string
					for _, s := range v.Slice().All() {
						names = append(names, s.Str())
					}
					routed = append(routed, names)
				}
			}
		}
		require.Len(t, routed, len(verdicts), in.path)
		for i, v := range verdicts {
			assert.Equal(t, routed[i], v.sinks, "%s record %d (%s)", in.path, i, v.lr.EventName())
			compared++
		}
	}
	assert.Greater(t, compared, 40, "records compared")
}
