package anomalyconnector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/connector/anomalyconnector/internal/metadata"
	"github.com/unitrack/unitrack/internal/storageclient"
)

const (
	// maxPending bounds the records waiting for the routing pipeline.
	maxPending = 1000
	// persistInterval bounds the baseline learning a crash loses; episodes
	// are saved as soon as their record is sent.
	persistInterval = 30 * time.Second
	// storageTimeout bounds one read or write of the state.
	storageTimeout = 5 * time.Second
)

// anomalyConnector observes the intake stream (ConsumeLogs never fails, so
// it cannot make a receiver retry) and sends its records into the routing
// pipeline from its own goroutine, which also closes buckets and checks for
// silences on a ticker.
type anomalyConnector struct {
	cfg    *Config
	set    connector.Settings
	logger *zap.Logger
	next   consumer.Logs
	tb     *metadata.TelemetryBuilder
	now    func() time.Time
	tick   time.Duration

	mu      sync.Mutex
	det     *detector
	pending []finding

	client      storage.Client
	lastPersist time.Time
	wake        chan struct{}
	stop        chan struct{}
	done        chan struct{}
}

var _ connector.Logs = (*anomalyConnector)(nil)

func newAnomalyConnector(cfg *Config, set connector.Settings, next consumer.Logs) (*anomalyConnector, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	return &anomalyConnector{
		cfg: cfg, set: set, logger: set.Logger, next: next, tb: tb,
		now:  time.Now,
		tick: resolutionOf(cfg.Bucket),
		det:  newDetector(cfg),
		wake: make(chan struct{}, 1),
	}, nil
}

func (c *anomalyConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (c *anomalyConnector) Start(ctx context.Context, host component.Host) error {
	client, err := storageclient.Open(ctx, host, c.cfg.Storage, component.KindConnector, c.set.ID, "")
	if err != nil {
		return err
	}
	c.client = client
	restored := 0
	if client != nil {
		restored = c.load(ctx)
	}
	c.stop = make(chan struct{})
	c.done = make(chan struct{})
	go c.loop()
	c.logger.Info("Anomaly connector started",
		zap.Duration("bucket", c.cfg.Bucket),
		zap.Bool("error_rate", c.cfg.ErrorRate.Enabled),
		zap.Bool("silence", c.cfg.Silence.Enabled),
		zap.Bool("new_error_names", c.cfg.NewErrorNames.Enabled),
		zap.Bool("persistent", client != nil),
		zap.Int("series_restored", restored))
	return nil
}

// load restores the baselines; an unreadable state is reported and replaced
// (the detectors warm up again) rather than failing start-up.
func (c *anomalyConnector) load(ctx context.Context) int {
	ctx, cancel := context.WithTimeout(ctx, storageTimeout)
	defer cancel()
	b, err := c.client.Get(ctx, stateKey)
	if err != nil {
		c.logger.Warn("Cannot read the anomaly baselines; warming up again", zap.Error(err))
		return 0
	}
	if b == nil {
		return 0
	}
	st, err := decodeState(b)
	if err != nil {
		c.logger.Warn("Ignoring unreadable anomaly baselines; warming up again", zap.Error(err))
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.det.restore(st, c.now()) {
		c.logger.Warn("Error-rate baselines were learned with another bucket width and are dropped",
			zap.Duration("was", st.Bucket), zap.Duration("bucket", c.cfg.Bucket))
	}
	return len(c.det.rates) + len(c.det.sources) + len(c.det.names)
}

func (c *anomalyConnector) Shutdown(ctx context.Context) error {
	if c.stop == nil {
		return nil
	}
	close(c.stop)
	<-c.done
	c.stop = nil
	// Downstream is still running while a connector shuts down: send what
	// is pending once, then save the state.
	c.step(ctx)
	var err error
	if c.client != nil {
		err = errors.Join(c.persist(ctx), c.client.Close(ctx))
		c.client = nil
	}
	c.tb.Shutdown()
	c.logger.Info("Anomaly connector stopped")
	return err
}

func (c *anomalyConnector) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	c.mu.Lock()
	now := c.now()
	before := len(c.pending)
	for _, rl := range ld.ResourceLogs().All() {
		res := rl.Resource()
		for _, sl := range rl.ScopeLogs().All() {
			scope := sl.Scope().Name()
			for _, lr := range sl.LogRecords().All() {
				c.pending = c.det.observe(observe(lr, res, scope), now, c.pending)
			}
		}
	}
	found := len(c.pending) > before
	c.mu.Unlock()
	if found {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

func (c *anomalyConnector) loop() {
	defer close(c.done)
	t := time.NewTicker(c.tick)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.wake:
		}
		c.step(context.Background())
	}
}

// step closes buckets, checks silences, sends what is pending and saves
// the state when it is due.
func (c *anomalyConnector) step(ctx context.Context) {
	c.mu.Lock()
	now := c.now()
	c.pending = c.det.advance(now, c.pending)
	batch := c.pending
	c.pending = nil
	dirty := c.det.dirty
	if n := c.det.refused; n > 0 {
		c.det.refused = 0
		c.tb.ConnectorAnomalySeriesRefused.Add(ctx, n)
	}
	c.mu.Unlock()

	sent := false
	if len(batch) > 0 {
		sent = c.send(ctx, batch)
	}
	if c.client != nil && (sent || dirty && now.Sub(c.lastPersist) >= persistInterval) {
		if err := c.persist(ctx); err != nil {
			c.logger.Warn("Cannot save the anomaly baselines; retried later", zap.Error(err))
		}
	}
}

// send hands the records to the routing pipeline. A retryable failure
// keeps them for the next step; a permanent one drops them.
func (c *anomalyConnector) send(ctx context.Context, batch []finding) bool {
	ld := plog.NewLogs()
	appendRecords(ld, batch, c.cfg.Bucket)
	err := c.next.ConsumeLogs(ctx, ld)
	if err == nil {
		for _, f := range batch {
			status := "detected"
			if f.Resolved {
				status = "resolved"
			}
			c.tb.ConnectorAnomalyRecordsEmitted.Add(ctx, 1, metric.WithAttributes(
				attribute.String("kind", f.Kind), attribute.String("status", status)))
			c.logger.Info("Anomaly", zap.String("kind", f.Kind), zap.String("status", status),
				zap.String("service", f.Service), zap.String("metric", metricName(f)),
				zap.Float64("value", f.Value), zap.Float64("baseline", f.Baseline))
		}
		return true
	}
	if consumererror.IsPermanent(err) {
		c.tb.ConnectorAnomalyRecordsDropped.Add(ctx, int64(len(batch)))
		c.logger.Error("The routing pipeline refused anomaly records; they are dropped",
			zap.Int("records", len(batch)), zap.Error(err))
		return false
	}
	c.logger.Warn("Cannot send anomaly records yet; retried", zap.Int("records", len(batch)), zap.Error(err))
	c.mu.Lock()
	c.pending = append(batch, c.pending...)
	if over := len(c.pending) - maxPending; over > 0 {
		c.pending = c.pending[over:]
		c.tb.ConnectorAnomalyRecordsDropped.Add(ctx, int64(over))
		c.logger.Error("Too many anomaly records pending; the oldest are dropped", zap.Int("dropped", over))
	}
	c.mu.Unlock()
	return false
}

func (c *anomalyConnector) persist(ctx context.Context) error {
	c.mu.Lock()
	b, err := c.det.snapshot()
	c.det.dirty = false
	now := c.now()
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode anomaly state: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, storageTimeout)
	defer cancel()
	if err := c.client.Set(ctx, stateKey, b); err != nil {
		return fmt.Errorf("save anomaly state: %w", err)
	}
	c.lastPersist = now
	return nil
}
