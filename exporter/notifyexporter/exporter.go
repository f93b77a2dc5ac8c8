package notifyexporter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/metadata"
	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/incidents"
	"github.com/unitrack/unitrack/internal/recentids"
)

// attrTarget is the attribute of a queued notification naming its target.
const attrTarget = "notify.target"

// saveInterval bounds how often the grouping state is written when only
// counts changed; state changes that affect who gets paged are written at once.
const saveInterval = time.Second

// backlogRetry is how often notifications a full queue refused are offered
// again; maxBacklog bounds them (the oldest are dropped beyond it).
const (
	backlogRetry = time.Second
	maxBacklog   = 1000
)

// notifyExporter runs the grouping stage in ConsumeLogs and on its own timer,
// and hands notifications to one inner exporterhelper exporter per target,
// whose sending queue (persistent with `storage`) and retry deliver them.
type notifyExporter struct {
	cfg       *Config
	set       exporter.Settings
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	settings  *groupSettings
	targets   []*configuredTarget
	byName    map[string]*configuredTarget

	// now is the clock; tests replace it.
	now func() time.Time

	mu       sync.Mutex
	viewer   viewer
	ev       eventView
	groupers []*grouper
	// backlog holds notifications a queue refused (full), retried every
	// backlogRetry and persisted with the grouping state.
	backlog []target.Notification
	// recent are the ids of the events last counted (dedup_window of them,
	// nil when 0), persisted with the grouping state; recentDirty is set
	// when it changed since the last save.
	recent      *recentids.Set
	recentDirty bool

	store  stateStore
	ledger *ledger
	// incidents is the incident ledger (the incidents extension), nil
	// when it does not run.
	incidents incidents.Recorder
	saveMu    sync.Mutex
	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	// cancel ends a blocked hand-over to a queue (block_on_overflow, or no
	// queue at all) when shutting down.
	cancel  context.CancelFunc
	started bool
}

// configuredTarget is one target of the configuration as the exporter runs
// it: its compiled templates, its groups, its inner exporterhelper exporter
// (queue and retry) and the Target of its type that delivers.
type configuredTarget struct {
	cfg       TargetConfig
	templates *targetTemplates
	grouper   *grouper
	inner     exporter.Logs
	target    target.Target
	attrs     targetAttrs
}

// targetAttrs are the metric attributes of one target, built once.
type targetAttrs struct {
	sentFiring, sentResolved                                      metric.MeasurementOption
	grouped, repeat, unfired, pagedElsewhere, duplicate, silenced metric.MeasurementOption
	failedPermanent, failedRetryable                              metric.MeasurementOption
}

func newTargetAttrs(name string) targetAttrs {
	attr := func(kv attribute.KeyValue) metric.MeasurementOption {
		return metric.WithAttributeSet(attribute.NewSet(kv, attribute.String("target", name)))
	}
	reason := func(r string) metric.MeasurementOption { return attr(attribute.String("reason", r)) }
	return targetAttrs{
		sentFiring:      attr(attribute.String("status", target.StatusFiring)),
		sentResolved:    attr(attribute.String("status", target.StatusResolved)),
		grouped:         reason("grouped"),
		repeat:          reason("repeat"),
		unfired:         reason("unfired"),
		pagedElsewhere:  reason("paged_elsewhere"),
		duplicate:       reason("duplicate"),
		silenced:        reason("silenced"),
		failedPermanent: attr(attribute.Bool("permanent", true)),
		failedRetryable: attr(attribute.Bool("permanent", false)),
	}
}

func newNotifyExporter(ctx context.Context, set exporter.Settings, cfg *Config) (*notifyExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e := &notifyExporter{
		cfg:       cfg,
		set:       set,
		logger:    set.Logger,
		telemetry: tb,
		settings:  newGroupSettings(cfg),
		byName:    map[string]*configuredTarget{},
		now:       time.Now,
		wake:      make(chan struct{}, 1),
	}
	e.viewer.s = e.settings
	if cfg.DedupWindow > 0 {
		e.recent = recentids.New(cfg.DedupWindow)
	}
	for i := range cfg.Targets {
		t, err := e.newTarget(ctx, i)
		if err != nil {
			return nil, err
		}
		e.targets = append(e.targets, t)
		e.byName[t.cfg.Name] = t
		e.groupers = append(e.groupers, t.grouper)
	}
	return e, nil
}

// newTarget builds targets::i: its templates, its type's Target and the
// inner exporter whose queue and retry deliver its notifications.
func (e *notifyExporter) newTarget(ctx context.Context, i int) (*configuredTarget, error) {
	tc := e.cfg.Targets[i]
	tmpl, err := compileTemplates(&tc)
	if err != nil {
		return nil, fmt.Errorf("targets::%d: %w", i, err)
	}
	f, ok := targetTypes.Lookup(tc.Type)
	if !ok {
		return nil, fmt.Errorf("targets::%d::type: %q is not one of %s", i, tc.Type, targetTypes.List())
	}
	minSev, _ := parseSeverity(tc.MinSeverity)
	t := &configuredTarget{
		cfg:       tc,
		templates: tmpl,
		grouper:   newGrouper(tc.Name, minSev, e.settings),
		target:    f.New(tc.settings()),
		attrs:     newTargetAttrs(tc.Name),
	}
	innerSet := e.set
	innerSet.ID = innerID(e.set.ID, tc.Name)
	innerSet.Logger = e.set.Logger.With(zap.String("target", tc.Name))
	t.inner, err = exporterhelper.NewLogs(ctx, innerSet, e.cfg, e.pushFunc(t),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(e.cfg.TimeoutConfig),
		exporterhelper.WithRetry(e.cfg.RetryConfig),
		exporterhelper.WithQueue(unbatched(e.cfg.QueueConfig)),
	)
	if err != nil {
		return nil, fmt.Errorf("targets::%d (%s): %w", i, tc.Name, err)
	}
	return t, nil
}

// unbatched is the sending queue with batching off: every notification is
// one request.
func unbatched(queue configoptional.Optional[exporterhelper.QueueBatchConfig]) configoptional.Optional[exporterhelper.QueueBatchConfig] {
	if !queue.HasValue() {
		return queue
	}
	qc := *queue.Get()
	qc.Batch = configoptional.None[exporterhelper.BatchConfig]()
	return configoptional.Some(qc)
}

// innerID is the component id of a target's inner exporter; its sending
// queue's storage is keyed by it, so it must stay stable across restarts.
func innerID(outer component.ID, targetName string) component.ID {
	return component.NewIDWithName(outer.Type(), outer.Name()+"#"+targetName)
}

func (e *notifyExporter) start(ctx context.Context, host component.Host) error {
	for _, t := range e.targets {
		if err := t.target.Start(ctx, host, e.set.TelemetrySettings); err != nil {
			return fmt.Errorf("target %q: %w", t.cfg.Name, err)
		}
	}
	if err := e.openStores(ctx, host); err != nil {
		return err
	}
	restored, err := e.restoreState(ctx)
	if err != nil {
		return err
	}
	for _, t := range e.targets {
		if err := t.inner.Start(ctx, host); err != nil {
			return fmt.Errorf("target %q: %w", t.cfg.Name, err)
		}
	}
	e.stop, e.done = make(chan struct{}), make(chan struct{})
	runCtx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.started = true
	go e.run(runCtx)
	e.logger.Info("Notify exporter started",
		zap.Int("targets", len(e.targets)),
		zap.Int("restored_groups", restored),
		zap.Bool("state_persisted", e.store != nil))
	return nil
}

// openStores opens the grouping state's store and the ledger of paged
// incidents, and finds the incident ledger (incidents extension) if it runs.
func (e *notifyExporter) openStores(ctx context.Context, host component.Host) error {
	store, err := openStateStore(ctx, e.cfg, host, e.set.ID)
	if err != nil {
		return err
	}
	e.store = store
	if e.ledger, err = openLedger(ctx, e.cfg, host, e.set.ID, e.logger); err != nil {
		return err
	}
	for _, t := range e.targets {
		t.grouper.trackOpened = e.ledger != nil
	}
	if l, ok := incidents.Find(host); ok {
		e.incidents = l
	}
	return nil
}

// restoreState loads the saved grouping state, backlog and ids seen; it
// returns how many groups it restored. A damaged state is discarded.
func (e *notifyExporter) restoreState(ctx context.Context) (int, error) {
	if e.store == nil {
		return 0, nil
	}
	b, err := e.store.load(ctx)
	if err != nil {
		return 0, fmt.Errorf("load grouping state: %w", err)
	}
	e.mu.Lock()
	restored, backlog, seen, err := decodeState(b, e.groupers)
	for _, n := range backlog {
		if _, ok := e.byName[n.Target]; ok {
			e.backlog = append(e.backlog, n)
		}
	}
	if e.recent != nil {
		for _, id := range seen {
			e.recent.Add(id)
		}
	}
	e.mu.Unlock()
	if err != nil {
		// A damaged state must not keep notifications from flowing.
		e.logger.Warn("Grouping state discarded", zap.Error(err))
	}
	return restored, nil
}

func (e *notifyExporter) shutdown(ctx context.Context) error {
	var errs []error
	if e.started {
		close(e.stop)
		e.cancel()
		<-e.done
		e.started = false
		if err := e.saveState(ctx, true); err != nil {
			errs = append(errs, err)
		}
	}
	for _, t := range e.targets {
		if t.inner != nil {
			if err := t.inner.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("target %q: %w", t.cfg.Name, err))
			}
		}
		if err := t.target.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("target %q: %w", t.cfg.Name, err))
		}
	}
	if e.store != nil {
		if err := e.store.close(ctx); err != nil {
			errs = append(errs, err)
		}
		e.store = nil
	}
	if e.ledger != nil {
		if err := e.ledger.close(ctx); err != nil {
			errs = append(errs, err)
		}
		e.ledger = nil
	}
	e.telemetry.Shutdown()
	e.logger.Info("Notify exporter stopped")
	return errors.Join(errs...)
}

// consumeLogs is the grouping stage: incident events only update state (their
// notifications leave from run()); one-shot messages are handed to their
// targets' queues before it returns, so an acknowledged notify() call is in
// the (persistent) queue. An event whose id was counted already is skipped.
// With a state store, the state is saved before success is returned, so an
// event acknowledged to a (persistent) queue upstream is never lost from the
// counts by a crash.
func (e *notifyExporter) consumeLogs(ctx context.Context, ld plog.Logs) error {
	e.mu.Lock()
	f := e.fold(ld, e.now())
	newGroups := e.takeOpened()
	e.mu.Unlock()
	if e.incidents != nil {
		e.recordEvents(ctx, f.events)
	}
	e.adoptPaged(ctx, newGroups)
	e.recordSuppressed(ctx)
	if len(f.oneShots) > 0 {
		e.enqueue(ctx, f.oneShots)
		if err := e.saveState(ctx, true); err != nil {
			e.logger.Warn("Saving grouping state failed", zap.Error(err))
		}
		f.opened = true // wake run(), which retries a refused hand-over
	}
	if f.opened {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
	if err := e.saveState(ctx, false); err != nil {
		// Retried by the caller; the ids already counted are skipped then.
		return err
	}
	return nil
}

// folded is what one batch left behind after the grouping stage.
type folded struct {
	// opened is set when a group opened (run() re-arms its timer).
	opened bool
	// oneShots are the one-shot notifications to hand to the queues now.
	oneShots []target.Notification
	// events are the incident events for the incident ledger.
	events []incidents.Event
}

// fold runs every record of ld through every target's grouper; e.mu is held.
func (e *notifyExporter) fold(ld plog.Logs, now time.Time) folded {
	var f folded
	for _, rl := range ld.ResourceLogs().All() {
		res := rl.Resource()
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				e.foldRecord(&f, lr, res, now)
			}
		}
	}
	e.ev = eventView{}
	return f
}

// foldRecord groups one record, unless its id was counted already.
func (e *notifyExporter) foldRecord(f *folded, lr plog.LogRecord, res pcommon.Resource, now time.Time) {
	e.viewer.view(&e.ev, lr, res, now)
	if e.recent != nil && e.ev.id != "" {
		if !e.recent.Add(e.ev.id) {
			return
		}
		e.recentDirty = true
	}
	if e.ev.kind == incident.OneShot {
		for _, gr := range e.groupers {
			if n, ok := gr.oneShot(&e.ev, now); ok {
				f.oneShots = append(f.oneShots, n)
			}
		}
		return
	}
	if e.incidents != nil {
		f.events = append(f.events, incidentEvent(&e.ev))
	}
	for _, gr := range e.groupers {
		if gr.add(&e.ev, now) {
			f.opened = true
		}
	}
}

// takeOpened returns, per target, the groups opened since the last call,
// when a ledger of paged incidents is to be asked about them; e.mu is held.
func (e *notifyExporter) takeOpened() map[*configuredTarget][]string {
	if e.ledger == nil {
		return nil
	}
	var opened map[*configuredTarget][]string
	for _, t := range e.targets {
		if keys := t.grouper.takeOpened(); len(keys) > 0 {
			if opened == nil {
				opened = map[*configuredTarget][]string{}
			}
			opened[t] = keys
		}
	}
	return opened
}

func (e *notifyExporter) recordSuppressed(ctx context.Context) {
	e.mu.Lock()
	counts := make([]suppressed, len(e.targets))
	for i, t := range e.targets {
		counts[i] = t.grouper.takeSuppressed()
	}
	e.mu.Unlock()
	for i, t := range e.targets {
		c := counts[i]
		if c.grouped > 0 {
			e.telemetry.ExporterNotifyNotificationsSuppressed.Add(ctx, c.grouped, t.attrs.grouped)
		}
		if c.repeat > 0 {
			e.telemetry.ExporterNotifyNotificationsSuppressed.Add(ctx, c.repeat, t.attrs.repeat)
		}
		if c.unfired > 0 {
			e.telemetry.ExporterNotifyNotificationsSuppressed.Add(ctx, c.unfired, t.attrs.unfired)
		}
		if c.duplicate > 0 {
			e.telemetry.ExporterNotifyNotificationsSuppressed.Add(ctx, c.duplicate, t.attrs.duplicate)
		}
	}
}

// adoptPaged looks the groups just opened up in the ledger: a group whose
// incident another collector has paged is taken over as notified, so that
// it never pages again but still sends the resolution.
func (e *notifyExporter) adoptPaged(ctx context.Context, opened map[*configuredTarget][]string) {
	for t, keys := range opened {
		for _, key := range keys {
			entry, ok := e.ledger.paged(ctx, t.cfg.Name, strings.ReplaceAll(key, string(groupKeySep), "|"), e.now())
			if !ok {
				continue
			}
			e.mu.Lock()
			adopted := t.grouper.adopt(key, entry.LastSent)
			e.mu.Unlock()
			if adopted {
				e.telemetry.ExporterNotifyNotificationsSuppressed.Add(ctx, 1, t.attrs.pagedElsewhere)
				e.logger.Info("Incident already paged by another collector; taking it over without paging",
					zap.String("target", t.cfg.Name), zap.String("group", key))
			}
		}
	}
}

// run flushes groups when they are due and saves the state.
func (e *notifyExporter) run(ctx context.Context) {
	defer close(e.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	save := time.NewTicker(saveInterval)
	defer save.Stop()
	for {
		e.mu.Lock()
		var next time.Time
		for _, gr := range e.groupers {
			if d := gr.nextDue(); !d.IsZero() && (next.IsZero() || d.Before(next)) {
				next = d
			}
		}
		now := e.now()
		if len(e.backlog) > 0 && (next.IsZero() || next.After(now.Add(backlogRetry))) {
			next = now.Add(backlogRetry)
		}
		e.mu.Unlock()
		wait := time.Hour
		if !next.IsZero() {
			wait = max(next.Sub(now), 0)
		}
		timer.Reset(wait)
		select {
		case <-e.stop:
			return
		case <-e.wake:
			timer.Stop()
		case <-save.C:
			timer.Stop()
			if err := e.saveState(ctx, false); err != nil {
				e.logger.Warn("Saving grouping state failed", zap.Error(err))
			}
		case <-timer.C:
			e.flushDue(ctx)
		}
	}
}

// flushDue sends every due notification to its target's queue, then saves
// the state so that a restart does not send them again.
func (e *notifyExporter) flushDue(ctx context.Context) {
	e.mu.Lock()
	now := e.now()
	due := e.backlog
	e.backlog = nil
	for _, gr := range e.groupers {
		due = append(due, gr.flush(now)...)
	}
	e.mu.Unlock()
	e.recordSuppressed(ctx)
	e.enqueue(ctx, due)
	if err := e.saveState(ctx, true); err != nil {
		e.logger.Warn("Saving grouping state failed", zap.Error(err))
	}
}

// enqueue hands notifications to their targets' queues; what a queue
// refuses goes to the backlog, offered again every backlogRetry.
func (e *notifyExporter) enqueue(ctx context.Context, due []target.Notification) {
	var refused []target.Notification
	for _, n := range due {
		t := e.byName[n.Target]
		if e.ledger != nil && e.ledger.pagedElsewhere(ctx, n, e.now()) {
			e.telemetry.ExporterNotifyNotificationsSuppressed.Add(ctx, 1, t.attrs.pagedElsewhere)
			e.logger.Info("Incident already paged by another collector; not paging again",
				zap.String("target", n.Target), zap.String("group", n.GroupKey))
			continue
		}
		if e.incidents != nil && e.silenced(ctx, t, &n) {
			continue
		}
		if err := t.inner.ConsumeLogs(ctx, notificationLogs(n)); err != nil {
			e.telemetry.ExporterNotifyNotificationsFailed.Add(ctx, 1, t.attrs.failedRetryable)
			e.logger.Warn("Notification could not be queued; will offer it again",
				zap.String("target", n.Target), zap.String("status", n.Status), zap.String("group", n.GroupKey), zap.Error(err))
			refused = append(refused, n)
		}
	}
	if len(refused) > 0 {
		e.mu.Lock()
		e.backlog = append(refused, e.backlog...)
		if over := len(e.backlog) - maxBacklog; over > 0 {
			for _, n := range e.backlog[:over] {
				e.telemetry.ExporterNotifyNotificationsFailed.Add(ctx, 1, e.byName[n.Target].attrs.failedPermanent)
			}
			e.logger.Error("Notification backlog full; oldest dropped", zap.Int("dropped", over))
			e.backlog = slices.Clone(e.backlog[over:])
		}
		e.mu.Unlock()
	}
}

// saveState writes the grouping state if it changed (or always when force).
func (e *notifyExporter) saveState(ctx context.Context, force bool) error {
	if e.store == nil {
		return nil
	}
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	e.mu.Lock()
	dirty := e.recentDirty
	for _, gr := range e.groupers {
		dirty = dirty || gr.dirty
		gr.dirty = false
	}
	e.recentDirty = false
	if !dirty && !force {
		e.mu.Unlock()
		return nil
	}
	var seen []string
	if e.recent != nil {
		seen = e.recent.IDs()
	}
	b, err := encodeState(e.groupers, e.backlog, seen)
	e.mu.Unlock()
	if err == nil {
		err = e.store.save(ctx, b)
		if err != nil {
			err = fmt.Errorf("save grouping state: %w", err)
		}
	} else {
		err = fmt.Errorf("encode grouping state: %w", err)
	}
	if err != nil {
		// What was not saved is saved by the next attempt.
		e.mu.Lock()
		e.recentDirty = true
		e.mu.Unlock()
	}
	return err
}
