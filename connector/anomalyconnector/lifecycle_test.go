package anomalyconnector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/connector/anomalyconnector/internal/metadata"
)

func TestLifecycle(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	assert.Equal(t, metadata.LogsToLogsStability, f.LogsToLogsStability())
	require.NoError(t, componenttest.CheckConfigStruct(f.CreateDefaultConfig()))
	cfg := f.CreateDefaultConfig().(*Config)
	require.NoError(t, cfg.Validate())
	cfg.Bucket = 100 * time.Millisecond
	cfg.ErrorRate.WarmupBuckets = 3
	cfg.ErrorRate.BaselineBuckets = 5

	sink := &consumertest.LogsSink{}
	c, err := f.CreateLogsToLogs(context.Background(), connectortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	assert.False(t, c.Capabilities().MutatesData)
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	// The ticker closes buckets on its own: quiet buckets, then a spike
	// (the sleep paces the quiet traffic over wall-clock buckets: elapsed
	// time is under test).
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		require.NoError(t, c.ConsumeLogs(context.Background(), mcpInfo.logs()))
		time.Sleep(20 * time.Millisecond)
	}
	for range 50 {
		require.NoError(t, c.ConsumeLogs(context.Background(), mcpError.logs()))
	}
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 1 }, 10*time.Second, 20*time.Millisecond,
		"the spike is sent by the connector's own goroutine")
	require.NoError(t, c.Shutdown(context.Background()))
	lr := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, "anomaly.detected", lr.EventName())

	// Shutdown without Start is fine too.
	c, err = f.CreateLogsToLogs(context.Background(), connectortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, c.Shutdown(context.Background()))
}

func TestStartFailsWithoutStorageExtension(t *testing.T) {
	cfg := testConfig()
	missing := component.MustNewID("file_storage")
	cfg.Storage = &missing
	c, _, _ := newTestConnector(t, cfg)
	err := c.Start(context.Background(), componenttest.NewNopHost())
	require.Error(t, err)
	assert.Equal(t, `storage: extension "file_storage" not found`, err.Error())
	require.NoError(t, c.Shutdown(context.Background()))
}

// flaky fails its first calls with the given error, then takes everything.
type flaky struct {
	consumertest.LogsSink
	mu    sync.Mutex
	fails int
	err   error
}

func (f *flaky) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	f.mu.Lock()
	if f.fails > 0 {
		f.fails--
		f.mu.Unlock()
		return f.err
	}
	f.mu.Unlock()
	return f.LogsSink.ConsumeLogs(ctx, ld)
}

var _ consumer.Logs = (*flaky)(nil)

// spike warms the mcp series and sends a spike; the next step sends it.
func spike(t *testing.T, c *anomalyConnector, clk *clock) time.Time {
	for i := range 6 {
		c.consumeAt(t, clk, t0.Add(time.Duration(i)*time.Minute), mcpInfo, 1)
	}
	c.consumeAt(t, clk, t0.Add(6*time.Minute), mcpError, 30)
	return t0.Add(7 * time.Minute)
}

func TestRetryableFailureKeepsRecords(t *testing.T) {
	next := &flaky{fails: 2, err: errors.New("queue is full")}
	c, err := newAnomalyConnector(testConfig(), connectortest.NewNopSettings(metadata.Type), next)
	require.NoError(t, err)
	clk := &clock{t: t0}
	c.now = clk.now
	at := spike(t, c, clk)
	c.stepAt(clk, at)
	c.stepAt(clk, at.Add(time.Second))
	assert.Zero(t, next.LogRecordCount(), "two failed attempts")
	c.stepAt(clk, at.Add(2*time.Second))
	assert.Equal(t, 1, next.LogRecordCount(), "the kept record is sent when the pipeline takes it")
	c.stepAt(clk, at.Add(3*time.Second))
	assert.Equal(t, 1, next.LogRecordCount(), "and only once")
}

func TestPermanentFailureDropsRecords(t *testing.T) {
	next := &flaky{fails: 1, err: consumererror.NewPermanent(errors.New("bad record"))}
	c, err := newAnomalyConnector(testConfig(), connectortest.NewNopSettings(metadata.Type), next)
	require.NoError(t, err)
	clk := &clock{t: t0}
	c.now = clk.now
	at := spike(t, c, clk)
	c.stepAt(clk, at)
	c.stepAt(clk, at.Add(time.Second))
	assert.Zero(t, next.LogRecordCount(), "a permanently refused record is not retried")
}

// TestConsumeNeverFails: the connector only observes the intake stream; a
// failing routing pipeline must not make the receivers retry their batch.
func TestConsumeNeverFails(t *testing.T) {
	next := &flaky{fails: 1 << 30, err: errors.New("down")}
	cfg := testConfig()
	cfg.NewErrorNames.MaxPerBucket = 1 << 20
	c, err := newAnomalyConnector(cfg, connectortest.NewNopSettings(metadata.Type), next)
	require.NoError(t, err)
	clk := &clock{t: t0}
	c.now = clk.now
	c.consumeAt(t, clk, t0, taskError, 1)
	clk.set(t0.Add(2 * time.Hour))
	for i := range maxPending + 100 {
		e := taskError
		e.name = fmt.Sprintf("task.new_%d", i)
		require.NoError(t, c.ConsumeLogs(context.Background(), e.logs()))
	}
	c.stepAt(clk, t0.Add(2*time.Hour+time.Second))
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.Len(t, c.pending, maxPending, "pending records stay bounded, the oldest dropped")
	assert.Equal(t, "task.new_100", c.pending[0].EventName)
}
