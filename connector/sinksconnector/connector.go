package sinksconnector // import "github.com/unitrack/unitrack/connector/sinksconnector"

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/connector/sinksconnector/internal/metadata"
	"github.com/unitrack/unitrack/internal/routing"
	"github.com/unitrack/unitrack/internal/sinkhealth"
)

const (
	// firstWait and maxWait pace the retries of a blocked offer: a queue
	// frees space as fast as its consumers export, so start short.
	firstWait = 5 * time.Millisecond
	maxWait   = 250 * time.Millisecond
	// logEvery is the most a sink logs its drops or refusals.
	logEvery = time.Minute
)

// sink is one pipeline the connector feeds.
type sink struct {
	id      pipeline.ID
	policy  SinkPolicy
	next    consumer.Logs
	mutates bool
	attrs   metric.MeasurementOption
	// name is the sink its pipeline's select keeps (empty: no select, the
	// pipeline takes everything): a drop counts what it would have kept.
	name string

	// lastLog (unix nanoseconds) and unlogged rate-limit the Warn lines.
	lastLog  atomic.Int64
	unlogged atomic.Int64
}

type sinksConnector struct {
	id     component.ID
	logger *zap.Logger
	tb     *metadata.TelemetryBuilder
	// required are the block sinks, offered first; optional the drop_newest ones.
	required []*sink
	optional []*sink
	registry atomic.Value // sinkhealth.Recorder, set at Start when the extension is there
	now      func() time.Time
}

var errNotRouter = errors.New("the sinks connector needs the collector's per-pipeline router")

func newSinksConnector(set connector.Settings, cfg *Config, next consumer.Logs) (*sinksConnector, error) {
	router, ok := next.(connector.LogsRouterAndConsumer)
	if !ok {
		return nil, errNotRouter
	}
	fed := router.PipelineIDs()
	fedNames := make([]string, len(fed))
	for i, id := range fed {
		fedNames[i] = id.String()
	}
	slices.Sort(fedNames)
	var errs []error
	for _, name := range sortedKeys(cfg.Pipelines) {
		if !slices.Contains(fedNames, name) {
			errs = append(errs, fmt.Errorf("pipelines: %s does not list connector %q as a receiver (the pipelines that do: %s)",
				name, set.ID, strings.Join(fedNames, ", ")))
		}
	}
	for _, name := range fedNames {
		if _, ok := cfg.Pipelines[name]; !ok {
			errs = append(errs, fmt.Errorf("pipelines: %s receives from connector %q but has no entry (when_full: block or drop_newest)", name, set.ID))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	c := &sinksConnector{id: set.ID, logger: set.Logger, tb: tb, now: time.Now}
	for _, id := range fed {
		cons, err := router.Consumer(id)
		if err != nil {
			return nil, fmt.Errorf("pipeline %s: %w", id, err)
		}
		s := &sink{
			id:      id,
			policy:  cfg.Pipelines[id.String()],
			next:    cons,
			mutates: cons.Capabilities().MutatesData,
			attrs:   metric.WithAttributeSet(attribute.NewSet(attribute.String("pipeline", id.String()))),
			name:    cfg.Pipelines[id.String()].Sink,
		}
		if s.policy.WhenFull == sinkhealth.WhenFullBlock {
			c.required = append(c.required, s)
		} else {
			c.optional = append(c.optional, s)
		}
	}
	byName := func(a, b *sink) int { return strings.Compare(a.id.String(), b.id.String()) }
	slices.SortFunc(c.required, byName)
	slices.SortFunc(c.optional, byName)
	return c, nil
}

func (c *sinksConnector) Start(_ context.Context, host component.Host) error {
	reg, ok := sinkhealth.Find(host)
	if !ok {
		return nil
	}
	sinks := make([]sinkhealth.Sink, 0, len(c.required)+len(c.optional))
	for _, s := range slices.Concat(c.required, c.optional) {
		sinks = append(sinks, sinkhealth.Sink{Pipeline: s.id.String(), WhenFull: s.policy.WhenFull})
	}
	reg.DeclareSinks(c.id, sinks)
	c.registry.Store(sinkhealth.Recorder(reg))
	c.logger.Info("Sink health reported to the sinkhealth extension", zap.Int("sinks", len(sinks)))
	return nil
}

func (c *sinksConnector) Shutdown(context.Context) error {
	c.tb.Shutdown()
	return nil
}

func (c *sinksConnector) Capabilities() consumer.Capabilities {
	// Each mutating pipeline gets its own copy.
	return consumer.Capabilities{MutatesData: false}
}

// ConsumeLogs offers ld to every must-not-drop sink (in parallel) and, only
// once all of them hold it, to the optional ones. A refusal therefore means
// no optional sink stored the request either, and an optional sink never
// causes a refusal.
func (c *sinksConnector) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if err := c.each(ctx, c.required, ld, c.offerBlocking); err != nil {
		return err
	}
	_ = c.each(ctx, c.optional, ld, c.offerOrDrop)
	return nil
}

// each runs offer for every sink concurrently and joins the errors. The
// result is permanent only when every error is: a sender must retry if any
// sink may still take the data.
func (c *sinksConnector) each(ctx context.Context, sinks []*sink, ld plog.Logs, offer func(context.Context, *sink, plog.Logs) error) error {
	switch len(sinks) {
	case 0:
		return nil
	case 1:
		return offer(ctx, sinks[0], ld)
	}
	errs := make([]error, len(sinks))
	var wg sync.WaitGroup
	for i, s := range sinks[1:] {
		wg.Go(func() { errs[i+1] = offer(ctx, s, ld) })
	}
	errs[0] = offer(ctx, sinks[0], ld)
	wg.Wait()
	var permanent, retryable []error
	for _, err := range errs {
		switch {
		case err == nil:
		case consumererror.IsPermanent(err):
			permanent = append(permanent, err)
		default:
			retryable = append(retryable, err)
		}
	}
	if len(retryable) > 0 {
		// The permanent ones are named, not wrapped, so the sum stays retryable.
		for _, p := range permanent {
			retryable = append(retryable, errors.New(p.Error()))
		}
		return errors.Join(retryable...)
	}
	return errors.Join(permanent...)
}

// routed counts the records of ld the sink's select would keep: those whose
// track.routes holds its name, and those without track.routes (counting
// them never hides a loss). Without a name every record counts.
func (s *sink) routed(ld plog.Logs) int {
	if s.name == "" {
		return ld.LogRecordCount()
	}
	n := 0
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if has, routed := routing.Holds(lr.Attributes(), s.name); has || !routed {
					n++
				}
			}
		}
	}
	return n
}

func (s *sink) prepare(ld plog.Logs) plog.Logs {
	if !s.mutates {
		return ld
	}
	cp := plog.NewLogs()
	ld.CopyTo(cp)
	return cp
}

// offerBlocking retries a retryable refusal (a full sending queue, a failed
// synchronous export) for up to max_block, then refuses the request.
func (c *sinksConnector) offerBlocking(ctx context.Context, s *sink, ld plog.Logs) error {
	var deadline time.Time
	wait := firstWait
	for {
		err := s.next.ConsumeLogs(ctx, s.prepare(ld))
		if err == nil {
			return nil
		}
		if consumererror.IsPermanent(err) {
			return fmt.Errorf("sink pipeline %s: %w", s.id, err)
		}
		now := c.now()
		if deadline.IsZero() {
			deadline = now.Add(s.policy.MaxBlock)
			c.tb.ConnectorSinksBlockedRequests.Add(ctx, 1, s.attrs)
		}
		remaining := deadline.Sub(now)
		if remaining <= 0 {
			return c.refuse(ctx, s, ld.LogRecordCount(), err)
		}
		t := time.NewTimer(min(wait, remaining))
		select {
		case <-ctx.Done():
			t.Stop()
			return c.refuse(ctx, s, ld.LogRecordCount(), errors.Join(err, ctx.Err()))
		case <-t.C:
		}
		wait = min(2*wait, maxWait)
	}
}

func (c *sinksConnector) refuse(ctx context.Context, s *sink, n int, err error) error {
	c.tb.ConnectorSinksRefusedLogRecords.Add(ctx, int64(n), s.attrs)
	c.record(s, sinkhealth.KindRefused, n, err)
	if c.shouldLog(s, n) {
		c.logger.Warn("A must-not-drop sink did not take a request in time; the sender was refused and will retry",
			zap.String("pipeline", s.id.String()), zap.Duration("max_block", s.policy.MaxBlock),
			zap.Int64("records_since_last_message", s.unlogged.Swap(0)), zap.Error(err))
	}
	return fmt.Errorf("sink pipeline %s did not take the data within %s: %w", s.id, s.policy.MaxBlock, err)
}

// offerOrDrop offers once; a refusal drops the request for this sink only.
func (c *sinksConnector) offerOrDrop(ctx context.Context, s *sink, ld plog.Logs) error {
	err := s.next.ConsumeLogs(ctx, s.prepare(ld))
	if err == nil {
		return nil
	}
	n := s.routed(ld)
	c.tb.ConnectorSinksDroppedLogRecords.Add(ctx, int64(n), s.attrs)
	c.record(s, sinkhealth.KindDropped, n, err)
	if c.shouldLog(s, n) {
		c.logger.Warn("An optional sink did not take a request; its newest records were dropped",
			zap.String("pipeline", s.id.String()),
			zap.Int64("records_since_last_message", s.unlogged.Swap(0)), zap.Error(err))
	}
	return nil
}

func (c *sinksConnector) record(s *sink, kind string, n int, err error) {
	if reg, ok := c.registry.Load().(sinkhealth.Recorder); ok {
		reg.RecordIncident(sinkhealth.Incident{Pipeline: s.id.String(), Kind: kind, Records: n, Err: err, Time: c.now()})
	}
}

// shouldLog counts n and says whether a minute passed since the sink's last line.
func (c *sinksConnector) shouldLog(s *sink, n int) bool {
	s.unlogged.Add(int64(n))
	now := c.now().UnixNano()
	last := s.lastLog.Load()
	if last != 0 && now-last < int64(logEvery) {
		return false
	}
	return s.lastLog.CompareAndSwap(last, now)
}
