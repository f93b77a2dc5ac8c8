package notifyexporter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/metadata"
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
	targets   []*target
	byName    map[string]*target

	// now is the clock; tests replace it.
	now func() time.Time

	mu       sync.Mutex
	viewer   viewer
	ev       eventView
	groupers []*grouper
	// backlog holds notifications a queue refused (full), retried every
	// backlogRetry and persisted with the grouping state.
	backlog []notification
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

// target is one configured target with its compiled templates, grouping
// state and inner exporter.
type target struct {
	cfg       TargetConfig
	templates *targetTemplates
	grouper   *grouper
	inner     exporter.Logs
	client    *http.Client
	inbox     *inboxFile

	attrsSentFiring   metric.MeasurementOption
	attrsSentResolved metric.MeasurementOption
	attrsGrouped      metric.MeasurementOption
	attrsRepeat       metric.MeasurementOption
	attrsUnfired      metric.MeasurementOption
	attrsPaged        metric.MeasurementOption
	attrsDuplicate    metric.MeasurementOption
	attrsSilenced     metric.MeasurementOption
	attrsFailedPerm   metric.MeasurementOption
	attrsFailedRetry  metric.MeasurementOption
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
		byName:    map[string]*target{},
		now:       time.Now,
		wake:      make(chan struct{}, 1),
	}
	e.viewer.s = e.settings
	if cfg.DedupWindow > 0 {
		e.recent = recentids.New(cfg.DedupWindow)
	}
	queue := cfg.QueueConfig
	if queue.HasValue() {
		qc := *queue.Get()
		qc.Batch = configoptional.None[exporterhelper.BatchConfig]()
		queue = configoptional.Some(qc)
	}
	for i := range cfg.Targets {
		tc := cfg.Targets[i]
		tmpl, err := compileTemplates(&tc)
		if err != nil {
			return nil, fmt.Errorf("targets[%d]: %w", i, err)
		}
		minSev, _ := parseSeverity(tc.MinSeverity)
		attr := func(kv ...attribute.KeyValue) metric.MeasurementOption {
			return metric.WithAttributeSet(attribute.NewSet(append(kv, attribute.String("target", tc.Name))...))
		}
		t := &target{
			cfg:               tc,
			templates:         tmpl,
			grouper:           newGrouper(tc.Name, minSev, e.settings),
			attrsSentFiring:   attr(attribute.String("status", statusFiring)),
			attrsSentResolved: attr(attribute.String("status", statusResolved)),
			attrsGrouped:      attr(attribute.String("reason", "grouped")),
			attrsRepeat:       attr(attribute.String("reason", "repeat")),
			attrsUnfired:      attr(attribute.String("reason", "unfired")),
			attrsPaged:        attr(attribute.String("reason", "paged_elsewhere")),
			attrsDuplicate:    attr(attribute.String("reason", "duplicate")),
			attrsSilenced:     attr(attribute.String("reason", "silenced")),
			attrsFailedPerm:   attr(attribute.Bool("permanent", true)),
			attrsFailedRetry:  attr(attribute.Bool("permanent", false)),
		}
		if tc.Type == typeFile {
			t.inbox = &inboxFile{path: tc.Path}
		}
		innerSet := set
		innerSet.ID = innerID(set.ID, tc.Name)
		innerSet.Logger = set.Logger.With(zap.String("target", tc.Name))
		t.inner, err = exporterhelper.NewLogs(ctx, innerSet, cfg, e.pushFunc(t),
			exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
			exporterhelper.WithTimeout(cfg.TimeoutConfig),
			exporterhelper.WithRetry(cfg.BackOffConfig),
			exporterhelper.WithQueue(queue),
		)
		if err != nil {
			return nil, fmt.Errorf("targets[%d] (%s): %w", i, tc.Name, err)
		}
		e.targets = append(e.targets, t)
		e.byName[tc.Name] = t
		e.groupers = append(e.groupers, t.grouper)
	}
	return e, nil
}

// innerID is the component id of a target's inner exporter; its sending
// queue's storage is keyed by it, so it must stay stable across restarts.
func innerID(outer component.ID, targetName string) component.ID {
	return component.NewIDWithName(outer.Type(), outer.Name()+"#"+targetName)
}

func (e *notifyExporter) start(ctx context.Context, host component.Host) error {
	for _, t := range e.targets {
		if t.inbox != nil {
			if err := t.inbox.open(); err != nil {
				return fmt.Errorf("target %q: open inbox file: %w", t.cfg.Name, err)
			}
			continue
		}
		client, err := t.cfg.ToClient(ctx, host.GetExtensions(), e.set.TelemetrySettings)
		if err != nil {
			return fmt.Errorf("target %q: http client: %w", t.cfg.Name, err)
		}
		t.client = client
	}
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
	restored := 0
	if store != nil {
		b, err := store.load(ctx)
		if err != nil {
			return fmt.Errorf("load grouping state: %w", err)
		}
		var backlog []notification
		var seen []string
		e.mu.Lock()
		restored, backlog, seen, err = decodeState(b, e.groupers)
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
		zap.Bool("state_persisted", store != nil))
	return nil
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
		if t.inbox != nil {
			if err := t.inbox.close(); err != nil {
				errs = append(errs, fmt.Errorf("target %q: close inbox file: %w", t.cfg.Name, err))
			}
		}
		if t.client != nil {
			t.client.CloseIdleConnections()
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
	opened := false
	var oneShots []notification
	var ledgerEvents []incidents.Event
	e.mu.Lock()
	now := e.now()
	for _, rl := range ld.ResourceLogs().All() {
		res := rl.Resource()
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				e.viewer.view(&e.ev, lr, res, now)
				if e.recent != nil && e.ev.id != "" {
					if !e.recent.Add(e.ev.id) {
						continue
					}
					e.recentDirty = true
				}
				if e.incidents != nil && e.ev.kind != incident.OneShot {
					ledgerEvents = append(ledgerEvents, incidentEvent(&e.ev))
				}
				for _, gr := range e.groupers {
					if e.ev.kind == incident.OneShot {
						if n, ok := gr.oneShot(&e.ev, now); ok {
							oneShots = append(oneShots, n)
						}
						continue
					}
					if gr.add(&e.ev, now) {
						opened = true
					}
				}
			}
		}
	}
	e.ev = eventView{}
	var newGroups map[*target][]string
	if e.ledger != nil {
		for _, t := range e.targets {
			if keys := t.grouper.takeOpened(); len(keys) > 0 {
				if newGroups == nil {
					newGroups = map[*target][]string{}
				}
				newGroups[t] = keys
			}
		}
	}
	e.mu.Unlock()
	if e.incidents != nil {
		e.recordEvents(ctx, ledgerEvents)
	}
	e.adoptPaged(ctx, newGroups)
	e.recordSuppressed(ctx)
	if len(oneShots) > 0 {
		e.enqueue(ctx, oneShots)
		if err := e.saveState(ctx, true); err != nil {
			e.logger.Warn("Saving grouping state failed", zap.Error(err))
		}
		opened = true // wake run(), which retries a refused hand-over
	}
	if opened {
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
			e.telemetry.NotifyNotificationsSuppressed.Add(ctx, c.grouped, t.attrsGrouped)
		}
		if c.repeat > 0 {
			e.telemetry.NotifyNotificationsSuppressed.Add(ctx, c.repeat, t.attrsRepeat)
		}
		if c.unfired > 0 {
			e.telemetry.NotifyNotificationsSuppressed.Add(ctx, c.unfired, t.attrsUnfired)
		}
		if c.duplicate > 0 {
			e.telemetry.NotifyNotificationsSuppressed.Add(ctx, c.duplicate, t.attrsDuplicate)
		}
	}
}

// adoptPaged looks the groups just opened up in the ledger: a group whose
// incident another collector has paged is taken over as notified, so that
// it never pages again but still sends the resolution.
func (e *notifyExporter) adoptPaged(ctx context.Context, opened map[*target][]string) {
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
				e.telemetry.NotifyNotificationsSuppressed.Add(ctx, 1, t.attrsPaged)
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
func (e *notifyExporter) enqueue(ctx context.Context, due []notification) {
	var refused []notification
	for _, n := range due {
		t := e.byName[n.Target]
		if e.ledger != nil && e.ledger.pagedElsewhere(ctx, n, e.now()) {
			e.telemetry.NotifyNotificationsSuppressed.Add(ctx, 1, t.attrsPaged)
			e.logger.Info("Incident already paged by another collector; not paging again",
				zap.String("target", n.Target), zap.String("group", n.GroupKey))
			continue
		}
		if e.incidents != nil && e.silenced(ctx, t, &n) {
			continue
		}
		if err := t.inner.ConsumeLogs(ctx, notificationLogs(n)); err != nil {
			e.telemetry.NotifyNotificationsFailed.Add(ctx, 1, t.attrsFailedRetry)
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
				e.telemetry.NotifyNotificationsFailed.Add(ctx, 1, e.byName[n.Target].attrsFailedPerm)
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

// notificationLogs encodes a notification as the one log record its queue holds.
func notificationLogs(n notification) plog.Logs {
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommonTime(n.Time))
	lr.SetEventName("notify." + n.Status)
	lr.Attributes().PutStr(attrTarget, n.Target)
	b, _ := jsonMarshal(n)
	lr.Body().SetEmptyBytes().FromRaw(b)
	return ld
}

// pushFunc delivers queued notifications to one target. It never retries:
// a retryable error goes back to exporterhelper with what is left to send.
func (e *notifyExporter) pushFunc(t *target) consumer.ConsumeLogsFunc {
	return func(ctx context.Context, ld plog.Logs) error {
		var (
			failed  error
			pending plog.Logs
			records int
		)
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					records++
					if failed != nil {
						lr.CopyTo(appendRecord(&pending))
						continue
					}
					n, err := decodeNotification(lr.Body().Bytes().AsRaw())
					if err != nil {
						e.telemetry.NotifyNotificationsFailed.Add(ctx, 1, t.attrsFailedPerm)
						e.logger.Error("Queued notification is unreadable; dropped", zap.String("target", t.cfg.Name), zap.Error(err))
						continue
					}
					title, text, err := e.deliver(ctx, t, n)
					if e.incidents != nil {
						e.recordDelivery(ctx, n, title, text, deliveryStatus(err), err, 0)
					}
					switch {
					case err == nil:
						if e.ledger != nil {
							e.ledger.record(ctx, n, e.now())
						}
						if n.Status == statusResolved {
							e.telemetry.NotifyNotificationsSent.Add(ctx, 1, t.attrsSentResolved)
						} else {
							e.telemetry.NotifyNotificationsSent.Add(ctx, 1, t.attrsSentFiring)
						}
					case consumererror.IsPermanent(err):
						e.telemetry.NotifyNotificationsFailed.Add(ctx, 1, t.attrsFailedPerm)
						e.logger.Error("Notification rejected by target; dropped",
							zap.String("target", t.cfg.Name), zap.String("status", n.Status), zap.String("group", n.GroupKey), zap.Error(err))
					default:
						e.telemetry.NotifyNotificationsFailed.Add(ctx, 1, t.attrsFailedRetry)
						failed = err
						lr.CopyTo(appendRecord(&pending))
					}
				}
			}
		}
		if failed == nil {
			return nil
		}
		if records == 1 {
			return failed
		}
		return consumererror.NewLogs(failed, pending)
	}
}

func appendRecord(ld *plog.Logs) plog.LogRecord {
	if (*ld == plog.Logs{}) {
		*ld = plog.NewLogs()
		ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	}
	return ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().AppendEmpty()
}

// deliver renders and sends one notification.
// It returns the title and text sent.
func (e *notifyExporter) deliver(ctx context.Context, t *target, n notification) (title, text string, err error) {
	upgradeQueued(&n)
	title, text, err = t.templates.render(n)
	if err != nil {
		// A template that ran on the samples can still fail on odd data;
		// the default templates always work.
		e.logger.Warn("Template failed; using the default", zap.String("target", t.cfg.Name), zap.Error(err))
		title, text, _ = defaultTemplates.render(n)
	}
	p, err := buildPayload(t.cfg.Type, n, title, text)
	if err != nil {
		return title, text, consumererror.NewPermanent(err)
	}
	if t.inbox != nil {
		if err := t.inbox.write(p.body); err != nil {
			return title, text, fmt.Errorf("target %q: write inbox file: %w", t.cfg.Name, err)
		}
		return title, text, nil
	}
	if t.client == nil {
		return title, text, fmt.Errorf("target %q: not started", t.cfg.Name)
	}
	return title, text, deliverHTTP(ctx, t.client, t.cfg.Name, t.cfg.Endpoint, p, e.now())
}

// deliveryStatus is the ledger's word for the outcome of one attempt.
func deliveryStatus(err error) string {
	switch {
	case err == nil:
		return incidents.DeliveryDelivered
	case consumererror.IsPermanent(err):
		return incidents.DeliveryFailed
	default:
		return incidents.DeliveryRetrying
	}
}

// upgradeQueued fills the fields a notification queued by an older version
// lacks, so its title is never empty.
func upgradeQueued(n *notification) {
	if n.Kind == "" {
		n.Kind = kindIncident
	}
	if n.Priority == "" {
		n.Priority = severityPriority(plog.SeverityNumber(n.SeverityNumber))
	}
	if n.Headline == "" {
		n.Headline = strings.TrimSpace(n.EventName + " " + n.Subject)
	}
	if n.Narrative == "" {
		n.Narrative = summary(n.Body)
	}
}
