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
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/exporter/eventlogexporter/internal/metadata"
	"github.com/unitrack/unitrack/internal/legacy"
)

var (
	errNotStarted = errors.New("the eventlog exporter is not started")
	errNotOpen    = errors.New("the event log file is not open")
)

// lineBuf is the encoding buffer of one push, pooled across pushes.
type lineBuf struct {
	buf  []byte
	ends []int
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
	if err := e.file.open(); err != nil {
		e.failLocked(err)
		e.logger.Warn("The event log file cannot be opened; it is retried on every push while the queue buffers",
			zap.String("path", e.cfg.Path), zap.Error(err))
	}
	if e.cfg.Fsync == FsyncInterval {
		e.stopSync = make(chan struct{})
		e.syncDone.Add(1)
		go e.syncLoop(e.cfg.FsyncInterval)
	}
	e.logger.Info("Writing the JSON event log",
		zap.String("path", e.cfg.Path), zap.String("fsync", e.cfg.Fsync),
		zap.Int("max_megabytes", e.cfg.MaxMegabytes), zap.Int("max_backups", e.cfg.MaxBackups))
	return nil
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
	e.tb.Shutdown()
	return err
}

// pushLogs renders every record as one json_events line, appends the lines
// and, with fsync "batch", syncs before returning: success means on disk.
// Errors are retryable (exporterhelper retries them); a failed write leaves
// no partial line behind.
func (e *eventlogExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	lb := lineBufs.Get().(*lineBuf)
	defer func() {
		if cap(lb.buf) <= maxPooledBuf {
			lineBufs.Put(lb)
		}
	}()
	lb.buf, lb.ends = encodeLogs(lb.buf[:0], lb.ends[:0], ld)
	buf, ends := lb.buf, lb.ends
	if len(ends) == 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.started {
		return errNotStarted
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
	if e.failing {
		e.failing = false
		componentstatus.ReportStatus(e.host, componentstatus.NewEvent(componentstatus.StatusOK))
		e.logger.Info("The event log is written again", zap.String("path", e.cfg.Path))
	}
	e.tb.ExporterEventlogLinesWritten.Add(ctx, int64(len(ends)))
	return nil
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

// encodeLogs appends one json_events line per record to buf and the offset of
// each line's end to ends.
func encodeLogs(buf []byte, ends []int, ld plog.Logs) ([]byte, []int) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				buf = legacy.AppendJSONEvent(buf, rl.Resource(), lrs.At(k))
				ends = append(ends, len(buf))
			}
		}
	}
	return buf, ends
}
