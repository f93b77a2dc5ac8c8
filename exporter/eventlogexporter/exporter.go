package eventlogexporter // import "github.com/unitrack/unitrack/exporter/eventlogexporter"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/exporter/eventlogexporter/internal/metadata"
	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/recentids"
	"github.com/unitrack/unitrack/internal/track"
)

var (
	errNotStarted = errors.New("the eventlog exporter is not started")
	errNotOpen    = errors.New("the event log file is not open")
)

// lineBuf is the encoding buffer of one push, pooled across pushes.
type lineBuf struct {
	buf  []byte
	ends []int
	ids  []string            // the event id of each line, "" for none
	kept []string            // ids of the lines written, added to the window on success
	dups map[string]struct{} // ids seen earlier in the same push
}

var lineBufs = sync.Pool{New: func() any { return &lineBuf{} }}

// maxPooledBuf keeps one huge batch from pinning its buffer forever.
const maxPooledBuf = 4 << 20

type eventlogExporter struct {
	cfg    *Config
	logger *zap.Logger
	tb     *metadata.TelemetryBuilder

	mu      sync.Mutex
	file    *rotatingFile
	started bool
	host    component.Host
	// failing is true after an error status was reported, until a write works.
	failing bool
	// recent are the ids of the lines last written (dedup_window of them);
	// nil when dedup_window is 0.
	recent *recentids.Window
	// ids is the id log that seeds recent at start (idlog.go); nil when
	// dedup_window is 0. idsFailing is true after a failed append was logged.
	ids        *idLog
	idsFailing bool

	stopSync chan struct{}
	syncDone sync.WaitGroup
}

func newEventlogExporter(set exporter.Settings, cfg *Config) (*eventlogExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	e := &eventlogExporter{
		cfg:    cfg,
		logger: set.Logger,
		tb:     tb,
		file:   newRotatingFile(cfg.Path, int64(cfg.MaxMegabytes)*1024*1024, cfg.MaxBackups),
	}
	e.file.onRotate = func() {
		e.tb.ExporterEventlogRotations.Add(context.Background(), 1)
		e.logger.Info("Rotated the event log file", zap.String("path", cfg.Path))
	}
	return e, nil
}

// start opens the file. A file that cannot be opened yet (its directory not
// writable, its disk not mounted) does not stop the collector: the exporter
// reports a recoverable error and each push tries to open it again, failing
// retryably so exporterhelper's queue keeps the data.
func (e *eventlogExporter) start(_ context.Context, host component.Host) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.host = host
	e.started = true
	if e.cfg.DedupWindow > 0 {
		if err := removeStaleIDLog(e.cfg.Path); err != nil {
			e.logger.Warn("Cannot remove the id log of an event log that is gone", zap.Error(err))
		}
	}
	if err := e.file.open(); err != nil {
		e.failLocked(err)
		e.logger.Warn("The event log file cannot be opened; it is retried on every push while the queue buffers",
			zap.String("path", e.cfg.Path), zap.Error(err))
	}
	if e.cfg.DedupWindow > 0 {
		e.recent = recentids.NewWindow(e.cfg.DedupWindow)
		e.ids = newIDLog(e.cfg.Path, e.cfg.DedupWindow)
		if err := seedWindow(e.recent, e.cfg.Path, seedMaxBytes); err != nil {
			// Only replays right after this start go unrecognised.
			e.logger.Warn("Cannot read the ids of the last lines written", zap.Error(err))
		}
	}
	if e.cfg.Fsync == FsyncInterval {
		e.stopSync = make(chan struct{})
		e.syncDone.Add(1)
		go e.syncLoop(e.cfg.FsyncInterval)
	}
	e.logger.Info("Writing the JSON event log",
		zap.String("path", e.cfg.Path), zap.String("fsync", e.cfg.Fsync),
		zap.Int("max_megabytes", e.cfg.MaxMegabytes), zap.Int("max_backups", e.cfg.MaxBackups),
		zap.Int("dedup_window", e.cfg.DedupWindow), zap.Int("recent_ids_read", e.recentLen()))
	return nil
}

func (e *eventlogExporter) recentLen() int {
	if e.recent == nil {
		return 0
	}
	return e.recent.Len()
}

func (e *eventlogExporter) syncLoop(every time.Duration) {
	defer e.syncDone.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-e.stopSync:
			return
		case <-t.C:
			e.mu.Lock()
			err := e.file.sync()
			e.mu.Unlock()
			if err != nil {
				e.logger.Error("Periodic fsync of the event log failed", zap.Error(err))
			}
		}
	}
}

func (e *eventlogExporter) shutdown(context.Context) error {
	if e.stopSync != nil {
		close(e.stopSync)
		e.syncDone.Wait()
		e.stopSync = nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.started = false
	err := e.file.closeFile()
	if e.ids != nil {
		err = errors.Join(err, e.ids.close())
	}
	e.tb.Shutdown()
	return err
}

// pushLogs renders every record as one json_events line, appends the lines
// and, with fsync "batch", syncs before returning: success means on disk.
// A record whose event id is in the window of recent ids (or earlier in the
// batch) is skipped and counted. Errors are retryable (exporterhelper
// retries them); a failed write leaves no partial line behind and adds no id
// to the window.
func (e *eventlogExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	lb := lineBufs.Get().(*lineBuf)
	defer func() {
		if cap(lb.buf) <= maxPooledBuf {
			lineBufs.Put(lb)
		}
	}()
	lb.buf, lb.ends, lb.ids = encodeLogs(lb.buf[:0], lb.ends[:0], lb.ids[:0], ld)
	if len(lb.ends) == 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.started {
		return errNotStarted
	}
	if skipped := e.dropKnown(lb); skipped > 0 {
		e.tb.ExporterEventlogDuplicatesSkipped.Add(ctx, int64(skipped))
	}
	buf, ends := lb.buf, lb.ends
	if len(ends) == 0 {
		return nil
	}
	if e.file.f == nil {
		if err := e.file.open(); err != nil {
			e.failLocked(err)
			return fmt.Errorf("%w: %w", errNotOpen, err)
		}
	}
	if err := e.file.writeLines(buf, ends); err != nil {
		e.failLocked(err)
		return err
	}
	if e.cfg.Fsync == FsyncBatch {
		if err := e.file.sync(); err != nil {
			e.failLocked(err)
			return err
		}
	}
	if e.recent != nil {
		for _, id := range lb.kept {
			e.recent.Add(id)
		}
		e.appendIDsLocked(lb.kept)
	}
	if e.failing {
		e.failing = false
		componentstatus.ReportStatus(e.host, componentstatus.NewEvent(componentstatus.StatusOK))
		e.logger.Info("The event log is written again", zap.String("path", e.cfg.Path))
	}
	e.tb.ExporterEventlogLinesWritten.Add(ctx, int64(len(ends)))
	return nil
}

// appendIDsLocked writes the ids of the lines just written to the id log.
// A failure there fails no batch (its lines are written): only a replay
// right after the next start may go unrecognised, so it is logged once a run.
func (e *eventlogExporter) appendIDsLocked(ids []string) {
	err := e.ids.append(ids)
	switch {
	case err != nil && !e.idsFailing:
		e.idsFailing = true
		e.logger.Warn("Cannot write the id log; a replay right after the next start may be written twice", zap.Error(err))
	case err == nil && e.idsFailing:
		e.idsFailing = false
		e.logger.Info("The id log is written again")
	}
}

// failLocked reports a recoverable error status; every error is reported
// (the registry shows the latest), only the first one of a run is logged.
func (e *eventlogExporter) failLocked(err error) {
	if e.host != nil {
		componentstatus.ReportStatus(e.host, componentstatus.NewRecoverableErrorEvent(err))
	}
	if !e.failing {
		e.failing = true
		e.logger.Warn("Writing the event log failed; the batch is retried", zap.String("path", e.cfg.Path), zap.Error(err))
	}
}

// dropKnown removes from lb the lines whose id is in the window or repeats
// an earlier line of the batch, keeping the ids of the others in lb.kept. It
// returns how many it removed. The caller holds e.mu.
func (e *eventlogExporter) dropKnown(lb *lineBuf) int {
	lb.kept = lb.kept[:0]
	if e.recent == nil {
		return 0
	}
	if lb.dups == nil {
		lb.dups = make(map[string]struct{}, len(lb.ids))
	}
	defer clear(lb.dups)
	out, outEnds, start, skipped := 0, lb.ends[:0], 0, 0
	for i, end := range lb.ends {
		id := lb.ids[i]
		line := lb.buf[start:end]
		start = end
		if id != "" {
			if _, again := lb.dups[id]; again || e.recent.Has(id) {
				skipped++
				continue
			}
			lb.dups[id] = struct{}{}
			lb.kept = append(lb.kept, id)
		}
		if skipped > 0 {
			copy(lb.buf[out:], line)
		}
		out += len(line)
		outEnds = append(outEnds, out)
	}
	lb.buf, lb.ends = lb.buf[:out], outEnds
	return skipped
}

// encodeLogs appends one json_events line per record to buf, the offset of
// each line's end to ends and its event id to ids.
func encodeLogs(buf []byte, ends []int, ids []string, ld plog.Logs) ([]byte, []int, []string) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				buf = legacy.AppendJSONEvent(buf, rl.Resource(), lr)
				ends = append(ends, len(buf))
				id := ""
				if v, ok := lr.Attributes().Get(track.AttrEventID); ok && v.Type() == pcommon.ValueTypeStr {
					id = v.Str()
				}
				ids = append(ids, id)
			}
		}
	}
	return buf, ends, ids
}
