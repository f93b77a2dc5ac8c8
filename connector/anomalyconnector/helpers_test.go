package anomalyconnector

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/connector/anomalyconnector/internal/metadata"
	"github.com/unitrack/unitrack/internal/track"
)

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// testConfig is the default config with small numbers that tests can reach.
func testConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.ErrorRate.BaselineBuckets = 10
	cfg.ErrorRate.WarmupBuckets = 5
	cfg.Silence.WarmupReports = 5
	cfg.NewErrorNames.Warmup = time.Hour
	return cfg
}

// clock is an injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// ev is one event as a test writes it.
type ev struct {
	service, category, source, name string
	sev                             plog.SeverityNumber
	attrs                           map[string]any
	body                            string
}

func (e ev) logs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	if e.service != "" {
		rl.Resource().Attributes().PutStr(track.AttrServiceName, e.service)
	}
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName(e.name)
	lr.SetSeverityNumber(e.sev)
	lr.Body().SetStr(e.body)
	a := lr.Attributes()
	if e.category != "" {
		a.PutStr(track.AttrCategory, e.category)
	}
	if e.source != "" {
		a.PutStr(track.AttrSource, e.source)
	}
	_ = a.FromRaw(merge(a.AsRaw(), e.attrs))
	return ld
}

func merge(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func (e ev) obs() observation {
	ld := e.logs()
	rl := ld.ResourceLogs().At(0)
	return observe(rl.ScopeLogs().At(0).LogRecords().At(0), rl.Resource(), "")
}

var (
	mcpError = ev{service: "agent-runner", category: "mcp", source: "track_event", name: "mcp_server_failure", sev: plog.SeverityNumberError,
		attrs: map[string]any{"server": "filesystem"}, body: "MCP server filesystem failed: timeout"}
	mcpInfo   = ev{service: "agent-runner", category: "mcp", source: "track_event", name: "mcp_server_started", sev: plog.SeverityNumberInfo}
	healthOK  = ev{service: "agent-runner", category: "health", source: "health_monitor", name: "health.check", sev: plog.SeverityNumberInfo, attrs: map[string]any{track.AttrHealthCheck: "ollama"}}
	taskError = ev{service: "agent-runner", category: "task", source: "background_tasks", name: "task.failed", sev: plog.SeverityNumberError,
		attrs: map[string]any{track.AttrTaskName: "memory_consolidation"}, body: "KeyError: 'facts'"}
)

// newTestConnector makes a connector on an injected clock whose steps the
// test drives (it is not started, so no goroutine ticks on its own).
func newTestConnector(t testing.TB, cfg *Config) (*anomalyConnector, *consumertest.LogsSink, *clock) {
	t.Helper()
	sink := &consumertest.LogsSink{}
	set := connectortest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type) // a stable id: storage is keyed by it
	c, err := newAnomalyConnector(cfg, set, sink)
	require.NoError(t, err)
	clk := &clock{t: t0}
	c.now = clk.now
	return c, sink, clk
}

func (c *anomalyConnector) consumeAt(t testing.TB, clk *clock, at time.Time, e ev, n int) {
	t.Helper()
	clk.set(at)
	for range n {
		require.NoError(t, c.ConsumeLogs(context.Background(), e.logs()))
	}
}

// collect runs the detector over obs and returns every finding.
type step struct {
	at time.Time
	ev *ev // nil: only advance the clock
	n  int
}

func run(d *detector, steps []step) []finding {
	steps = slices.Clone(steps)
	slices.SortStableFunc(steps, func(a, b step) int { return a.at.Compare(b.at) })
	var out []finding
	for _, s := range steps {
		out = d.advance(s.at, out)
		if s.ev != nil {
			o := s.ev.obs()
			for range max(s.n, 1) {
				out = d.observe(o, s.at, out)
			}
		}
	}
	return out
}

var t0Context = context.Background()
