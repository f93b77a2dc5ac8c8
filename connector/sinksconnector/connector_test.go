package sinksconnector

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/unitrack/unitrack/connector/sinksconnector/internal/metadata"
	"github.com/unitrack/unitrack/internal/sinkhealth"
	"github.com/unitrack/unitrack/internal/track"
)

// Every pipeline gets every record in a copy of its own: a pipeline that
// mutates (route/<sink>) never changes what another one or the sender sees.
func TestFanOutCopiesForMutatingPipelines(t *testing.T) {
	dash := newTestPipeline(t, "dashboard", 10, nil)
	evl := newTestPipeline(t, "eventlog", 10, nil)
	obs := newTestPipeline(t, "observability", 10, nil)
	c := newConnector(t, nil, time.Second, map[*testPipeline]string{dash: "block", evl: "block", obs: "drop_newest"})

	in := testLogs(3)
	require.NoError(t, c.ConsumeLogs(context.Background(), in))
	for _, p := range []*testPipeline{dash, evl, obs} {
		reqs := p.settle(t)
		require.Len(t, reqs, 1, "%s: requests", p.id)
		require.Equal(t, 3, reqs[0].LogRecordCount(), "%s: records", p.id)
		got := reqs[0].ResourceLogs().At(0).Resource().Attributes()
		v, _ := got.Get("sink")
		assert.Equal(t, p.id.Name(), v.Str(), "%s saw another pipeline's mutation", p.id)
	}
	_, mutated := in.ResourceLogs().At(0).Resource().Attributes().Get("sink")
	assert.False(t, mutated, "the sender's logs were mutated")
	assert.False(t, c.Capabilities().MutatesData)
}

// A full optional sink never refuses the sender: its request is dropped,
// counted per pipeline and reported; the required sinks have the data.
func TestDropNewestNeverRefuses(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	dash := newTestPipeline(t, "dashboard", 10, nil)
	obs := newTestPipeline(t, "observability", 1, nil)
	c := newConnector(t, tel, time.Second, map[*testPipeline]string{dash: "block", obs: "drop_newest"})
	reg := &recordingRegistry{}
	require.NoError(t, c.Start(context.Background(), hostWith(reg)))

	obs.fill(t)
	for range 4 {
		require.NoError(t, c.ConsumeLogs(context.Background(), testLogs(5)))
	}
	assert.Equal(t, 20, countRecords(dash.settle(t)), "dashboard records")
	assert.Equal(t, map[string]int64{"logs/observability": 20}, sumBy(t, tel, "otelcol_connector_sinks_dropped_log_records"))
	assert.Equal(t, []sinkhealth.Sink{{Pipeline: "logs/dashboard", WhenFull: "block"}, {Pipeline: "logs/observability", WhenFull: "drop_newest"}}, reg.sinks)
	require.Len(t, reg.incidents, 4)
	assert.Equal(t, "logs/observability", reg.incidents[0].Pipeline)
	assert.Equal(t, sinkhealth.KindDropped, reg.incidents[0].Kind)
	assert.ErrorIs(t, reg.incidents[0].Err, exporterhelperErrQueueIsFull())
}

// A full must-not-drop sink holds the request for max_block, then refuses it
// with a retryable error, and the optional sinks were not offered it.
func TestBlockRefusesAfterMaxBlock(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	dash := newTestPipeline(t, "dashboard", 1, nil)
	evl := newTestPipeline(t, "eventlog", 10, nil)
	obs := newTestPipeline(t, "observability", 10, nil)
	const maxBlock = 300 * time.Millisecond
	c := newConnector(t, tel, maxBlock, map[*testPipeline]string{dash: "block", evl: "block", obs: "drop_newest"})

	dash.fill(t)
	start := time.Now()
	err := c.ConsumeLogs(context.Background(), testLogs(7))
	waited := time.Since(start)
	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err), "a full buffer is retryable, got %v", err)
	assert.ErrorIs(t, err, exporterhelperErrQueueIsFull())
	assert.Contains(t, err.Error(), "sink pipeline logs/dashboard did not take the data within 300ms")
	assert.GreaterOrEqual(t, waited, maxBlock, "refused before max_block")
	assert.Empty(t, obs.settle(t), "an optional sink stored a refused request")
	assert.Equal(t, map[string]int64{"logs/dashboard": 7}, sumBy(t, tel, "otelcol_connector_sinks_refused_log_records"))
	assert.Equal(t, map[string]int64{"logs/dashboard": 1}, sumBy(t, tel, "otelcol_connector_sinks_blocked_requests"))
}

// A must-not-drop sink that frees space within max_block takes the request:
// the sender waited but was not refused.
func TestBlockWaitsForSpace(t *testing.T) {
	dash := newTestPipeline(t, "dashboard", 1, nil)
	obs := newTestPipeline(t, "observability", 10, nil)
	c := newConnector(t, nil, 20*time.Second, map[*testPipeline]string{dash: "block", obs: "drop_newest"})

	dash.fill(t)
	time.AfterFunc(200*time.Millisecond, dash.release)
	require.NoError(t, c.ConsumeLogs(context.Background(), testLogs(2)))
	assert.Equal(t, 2, countRecords(obs.settle(t)), "observability records")
	eventually(t, func() bool {
		// fill's requests (one record each) plus ours.
		return dash.records() >= 2
	}, "dashboard never got the request")
}

// A sender that gives up (its context ends) while blocked is refused at once.
func TestBlockEndsWithTheContext(t *testing.T) {
	dash := newTestPipeline(t, "dashboard", 1, nil)
	c := newConnector(t, nil, time.Minute, map[*testPipeline]string{dash: "block"})
	dash.fill(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := c.ConsumeLogs(ctx, testLogs(1))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// Without a queue, a synchronous export error is what the policy acts on; a
// permanent one goes back permanent only when every failing sink says so.
func TestErrorsOfSynchronousPipelines(t *testing.T) {
	perm := consumererror.NewPermanent(errors.New("bad data"))
	transient := errors.New("disk full")
	tests := []struct {
		name          string
		dashErr       error
		evlErr        error
		wantErr       string
		wantPermanent bool
	}{
		{name: "both ok"},
		{name: "one permanent", dashErr: perm, wantErr: "sink pipeline logs/dashboard: Permanent error: bad data", wantPermanent: true},
		{name: "permanent and retryable", dashErr: perm, evlErr: transient,
			wantErr: "sink pipeline logs/eventlog did not take the data within 50ms: disk full\nsink pipeline logs/dashboard: Permanent error: bad data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dash := newTestPipeline(t, "dashboard", 0, tt.dashErr)
			evl := newTestPipeline(t, "eventlog", 0, tt.evlErr)
			c := newConnector(t, nil, 50*time.Millisecond, map[*testPipeline]string{dash: "block", evl: "block"})
			err := c.ConsumeLogs(context.Background(), testLogs(1))
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.wantErr, err.Error())
			assert.Equal(t, tt.wantPermanent, consumererror.IsPermanent(err))
		})
	}
}

// The connector is created only over the pipelines its config names.
func TestCreateChecksPipelines(t *testing.T) {
	a := pipeline.NewIDWithName(pipeline.SignalLogs, "a")
	b := pipeline.NewIDWithName(pipeline.SignalLogs, "b")
	router := connector.NewLogsRouter(map[pipeline.ID]consumer.Logs{a: consumertest.NewNop(), b: consumertest.NewNop()})
	cfg := &Config{Pipelines: map[string]SinkPolicy{
		"logs/a":    {WhenFull: "block", MaxBlock: time.Second},
		"logs/typo": {WhenFull: "drop_newest"},
	}}
	require.NoError(t, cfg.Validate())
	set := connectortest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	_, err := NewFactory().CreateLogsToLogs(context.Background(), set, cfg, router)
	require.Error(t, err)
	assert.Equal(t, `pipelines: logs/typo does not list connector "sinks" as a receiver (the pipelines that do: logs/a, logs/b)`+"\n"+
		`pipelines: logs/b receives from connector "sinks" but has no entry (when_full: block or drop_newest)`, err.Error())

	_, err = NewFactory().CreateLogsToLogs(context.Background(), connectortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	assert.ErrorIs(t, err, errNotRouter)
}

// Drops are logged at most once a minute per sink, with the count since.
func TestDropsLoggedOnceAMinute(t *testing.T) {
	obs := newTestPipeline(t, "observability", 0, errors.New("backend down"))
	c := newConnector(t, nil, time.Second, map[*testPipeline]string{obs: "drop_newest"}).(*sinksConnector)
	now := time.Unix(1764331200, 0)
	c.now = func() time.Time { return now }
	s := c.optional[0]
	assert.True(t, c.shouldLog(s, 3))
	assert.Equal(t, int64(3), s.unlogged.Swap(0))
	assert.False(t, c.shouldLog(s, 4))
	now = now.Add(59 * time.Second)
	assert.False(t, c.shouldLog(s, 5))
	now = now.Add(2 * time.Second)
	assert.True(t, c.shouldLog(s, 6))
	assert.Equal(t, int64(15), s.unlogged.Load())
}

type recordingRegistry struct {
	component.StartFunc
	component.ShutdownFunc
	sinks     []sinkhealth.Sink
	incidents []sinkhealth.Incident
}

func (r *recordingRegistry) DeclareSinks(_ component.ID, s []sinkhealth.Sink) { r.sinks = s }
func (r *recordingRegistry) RecordIncident(i sinkhealth.Incident) {
	r.incidents = append(r.incidents, i)
}
func (r *recordingRegistry) Sinks() []sinkhealth.SinkState { return nil }

type registryHost struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h registryHost) GetExtensions() map[component.ID]component.Component { return h.ext }

func hostWith(r *recordingRegistry) component.Host {
	return registryHost{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{
		component.MustNewID("sinkhealth"): r,
	}}
}

// sumBy adds up a counter's points by pipeline.
func sumBy(t *testing.T, tel *componenttest.Telemetry, name string) map[string]int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	require.NoError(t, err, name)
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a %T, want an int64 sum", name, m.Data)
	out := map[string]int64{}
	for _, dp := range sum.DataPoints {
		v, _ := dp.Attributes.Value(attribute.Key("pipeline"))
		out[v.AsString()] += dp.Value
	}
	return out
}

// With `sink` set a drop counts what the sink would have kept: the records
// whose track.routes holds it, and those without track.routes; records
// routed elsewhere are not its loss. Without it every record counts.
func TestDroppedCountsTheRecordsRoutedToTheSink(t *testing.T) {
	for sinkKey, want := range map[string]int64{"": 10, "observability": 5} {
		t.Run("sink="+sinkKey, func(t *testing.T) {
			tel := componenttest.NewTelemetry()
			t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
			obs := newTestPipeline(t, "observability", 1, nil)
			c := newConnectorWith(t, tel, map[*testPipeline]SinkPolicy{obs: {WhenFull: "drop_newest", Sink: sinkKey}})
			obs.fill(t)
			ld := testLogs(10)
			lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
			for i := range 8 {
				routes := lrs.At(i).Attributes().PutEmptySlice(track.AttrRoutes)
				routes.AppendEmpty().SetStr("dashboard")
				if i < 3 {
					routes.AppendEmpty().SetStr("observability")
				}
			}
			require.NoError(t, c.ConsumeLogs(context.Background(), ld))
			assert.Equal(t, map[string]int64{"logs/observability": want}, sumBy(t, tel, "otelcol_connector_sinks_dropped_log_records"),
				"with sink set: 3 routed to observability and 2 without track.routes")
		})
	}
}
