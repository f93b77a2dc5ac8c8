package sinksconnector

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/unitrack/unitrack/connector/sinksconnector/internal/metadata"
)

// testPipeline is one sink pipeline as the collector builds it: a mutating
// processor (like route/<sink>) in front of an exporterhelper exporter with a
// real in-memory sending queue of queueSize requests and one consumer. The
// export blocks while the pipeline is held.
type testPipeline struct {
	id   pipeline.ID
	proc processor.Logs
	exp  exporter.Logs
	got  *consumertest.LogsSink

	mu      sync.Mutex
	held    chan struct{} // closed when released
	exports int
}

// newTestPipeline builds it; queueSize 0 means no sending queue (a
// synchronous export, whose error goes straight back).
func newTestPipeline(t *testing.T, name string, queueSize int64, exportErr error) *testPipeline {
	t.Helper()
	p := &testPipeline{id: pipeline.NewIDWithName(pipeline.SignalLogs, name), got: new(consumertest.LogsSink)}
	p.held = make(chan struct{})
	close(p.held)
	queue := configoptional.None[exporterhelper.QueueBatchConfig]()
	if queueSize > 0 {
		q := exporterhelper.NewDefaultQueueConfig()
		q.QueueSize = queueSize
		q.NumConsumers = 1
		q.Batch = configoptional.None[exporterhelper.BatchConfig]()
		queue = configoptional.Some(q)
	}
	retry := configretry.NewDefaultBackOffConfig()
	retry.Enabled = false
	typ := component.MustNewType("test")
	exp, err := exporterhelper.NewLogs(context.Background(), exportertest.NewNopSettings(typ), &struct{}{},
		func(ctx context.Context, ld plog.Logs) error {
			p.mu.Lock()
			held := p.held
			p.exports++
			p.mu.Unlock()
			select {
			case <-held:
			case <-ctx.Done():
				return ctx.Err()
			}
			if exportErr != nil {
				return exportErr
			}
			return p.got.ConsumeLogs(ctx, ld)
		},
		exporterhelper.WithQueue(queue),
		exporterhelper.WithRetry(retry),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
	)
	require.NoError(t, err)
	p.exp = exp
	// The mutation a route/<sink> select does: it rewrites what it keeps.
	proc, err := processorhelper.NewLogs(context.Background(), processortest.NewNopSettings(typ), &struct{}{}, exp,
		func(_ context.Context, ld plog.Logs) (plog.Logs, error) {
			rls := ld.ResourceLogs()
			for i := 0; i < rls.Len(); i++ {
				rls.At(i).Resource().Attributes().PutStr("sink", name)
			}
			return ld, nil
		},
		processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}))
	require.NoError(t, err)
	p.proc = proc
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, proc.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() {
		p.release()
		require.NoError(t, proc.Shutdown(context.Background()))
		require.NoError(t, exp.Shutdown(context.Background()))
	})
	return p
}

// hold makes exports wait until release.
func (p *testPipeline) hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held = make(chan struct{})
}

func (p *testPipeline) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.held:
	default:
		close(p.held)
	}
}

// fill holds the pipeline and offers requests until its queue refuses one.
func (p *testPipeline) fill(t *testing.T) {
	t.Helper()
	p.hold()
	for i := 0; i < 100; i++ {
		if err := p.exp.ConsumeLogs(context.Background(), testLogs(1)); err != nil {
			require.ErrorIs(t, err, exporterhelper.ErrQueueIsFull)
			return
		}
	}
	t.Fatalf("%s: queue never filled", p.id)
}

// sentinelBody marks the request settle sends.
const sentinelBody = "sentinel"

// settle is the barrier before a test looks at what the pipeline got: it
// sends a sentinel request through the pipeline and waits until the exporter
// got it. The queue has one consumer and keeps its order, so everything
// offered before the sentinel has been exported by then. It returns those
// earlier requests.
func (p *testPipeline) settle(t *testing.T) []plog.Logs {
	t.Helper()
	sentinel := testLogs(1)
	sentinel.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body().SetStr(sentinelBody)
	require.NoError(t, p.proc.ConsumeLogs(context.Background(), sentinel))
	isSentinel := func(ld plog.Logs) bool {
		lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		return ld.LogRecordCount() == 1 && lrs.At(0).Body().Str() == sentinelBody
	}
	var all []plog.Logs
	eventually(t, func() bool {
		all = p.got.AllLogs()
		return len(all) > 0 && isSentinel(all[len(all)-1])
	}, "%s: the sentinel request did not arrive", p.id)
	return all[:len(all)-1]
}

func (p *testPipeline) records() int { return countRecords(p.got.AllLogs()) }

func countRecords(lds []plog.Logs) int {
	n := 0
	for _, ld := range lds {
		n += ld.LogRecordCount()
	}
	return n
}

// newConnector builds the connector over pipelines with the policies given
// by name (block or drop_newest) and max_block.
func newConnector(t *testing.T, tel *componenttest.Telemetry, maxBlock time.Duration, pipes map[*testPipeline]string) connector.Logs {
	t.Helper()
	policies := map[*testPipeline]SinkPolicy{}
	for p, whenFull := range pipes {
		policies[p] = SinkPolicy{WhenFull: whenFull, MaxBlock: maxBlock}
	}
	return newConnectorWith(t, tel, policies)
}

func newConnectorWith(t *testing.T, tel *componenttest.Telemetry, pipes map[*testPipeline]SinkPolicy) connector.Logs {
	t.Helper()
	consumers := map[pipeline.ID]consumer.Logs{}
	cfg := &Config{Pipelines: map[string]SinkPolicy{}}
	for p, policy := range pipes {
		consumers[p.id] = p.proc
		cfg.Pipelines[p.id.String()] = policy
	}
	require.NoError(t, cfg.Validate())
	set := connectortest.NewNopSettings(metadata.Type)
	if tel != nil {
		set.TelemetrySettings = tel.NewTelemetrySettings()
	}
	c, err := NewFactory().CreateLogsToLogs(context.Background(), set, cfg, connector.NewLogsRouter(consumers))
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, c.Shutdown(context.Background())) })
	return c
}

func testLogs(n int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "agent-runner")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := 0; i < n; i++ {
		lr := lrs.AppendEmpty()
		lr.Body().SetStr(fmt.Sprintf("event %d", i))
	}
	return ld
}

// eventually polls cond for up to 10 s (generous: the machine is shared).
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf(msg, args...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func exporterhelperErrQueueIsFull() error { return exporterhelper.ErrQueueIsFull }
