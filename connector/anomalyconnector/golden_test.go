package anomalyconnector

import (
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/<case>/expected.yaml from the connector's output")

// TestGolden drives the connector through scripted streams on an injected
// clock and compares the records it sends into the routing pipeline with
// testdata/golden/<case>/expected.yaml (regenerate with -update).
func TestGolden(t *testing.T) {
	cases := []struct {
		name   string
		script func(t *testing.T, c *anomalyConnector, clk *clock)
	}{
		{
			name: "error_spike",
			script: func(t *testing.T, c *anomalyConnector, clk *clock) {
				for i := range 20 {
					at := t0.Add(time.Duration(i) * time.Minute)
					c.consumeAt(t, clk, at.Add(time.Second), mcpInfo, 1)
					c.consumeAt(t, clk, at.Add(2*time.Second), mcpError, 2)
					c.stepAt(clk, at.Add(30*time.Second))
				}
				spike := t0.Add(20 * time.Minute)
				for i := range 12 {
					c.consumeAt(t, clk, spike.Add(time.Duration(i)*time.Second), mcpError, 1)
				}
				c.stepAt(clk, spike.Add(15*time.Second))
				c.consumeAt(t, clk, spike.Add(20*time.Second), mcpError, 10)
				for i := 1; i <= 3; i++ {
					at := spike.Add(time.Duration(i) * time.Minute)
					c.consumeAt(t, clk, at.Add(time.Second), mcpError, 2)
					c.stepAt(clk, at.Add(30*time.Second))
				}
			},
		},
		{
			name: "silence",
			script: func(t *testing.T, c *anomalyConnector, clk *clock) {
				for i := range 10 {
					c.consumeAt(t, clk, t0.Add(time.Duration(i)*30*time.Second), healthOK, 1)
				}
				last := t0.Add(9 * 30 * time.Second)
				for s := 10 * time.Second; s <= 4*time.Minute; s += 10 * time.Second {
					c.stepAt(clk, last.Add(s))
				}
				c.consumeAt(t, clk, last.Add(4*time.Minute+5*time.Second), healthOK, 1)
				c.stepAt(clk, last.Add(4*time.Minute+6*time.Second))
			},
		},
		{
			name: "new_error_name",
			script: func(t *testing.T, c *anomalyConnector, clk *clock) {
				c.consumeAt(t, clk, t0, taskError, 3)
				c.stepAt(clk, t0.Add(time.Second))
				fresh := taskError
				fresh.name, fresh.body = "task.oom_killed", "worker   memory_consolidation\nwas killed (OOM)"
				c.consumeAt(t, clk, t0.Add(2*time.Hour), fresh, 2)
				c.consumeAt(t, clk, t0.Add(2*time.Hour), taskError, 1)
				c.stepAt(clk, t0.Add(2*time.Hour+time.Second))
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, sink, clk := newTestConnector(t, testConfig())
			tc.script(t, c, clk)
			got := allLogs(sink)
			file := filepath.Join("testdata", "golden", tc.name, "expected.yaml")
			if *update {
				require.NoError(t, golden.WriteLogs(t, file, got))
			}
			want, err := golden.ReadLogs(file)
			require.NoError(t, err)
			require.NoError(t, plogtest.CompareLogs(want, got,
				plogtest.IgnoreLogRecordAttributeValue(track.AttrEventID)))
		})
	}
}

func (c *anomalyConnector) stepAt(clk *clock, at time.Time) {
	clk.set(at)
	c.step(t0Context)
}

// allLogs joins every batch the sink got, in order.
func allLogs(sink *consumertest.LogsSink) plog.Logs {
	out := plog.NewLogs()
	for _, ld := range sink.AllLogs() {
		ld.ResourceLogs().MoveAndAppendTo(out.ResourceLogs())
	}
	return out
}
