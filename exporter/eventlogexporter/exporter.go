package eventlogexporter // import "github.com/unitrack/unitrack/exporter/eventlogexporter"

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/exporter/eventlogexporter/internal/metadata"
	"github.com/unitrack/unitrack/internal/legacy"
)

var errNotStarted = errors.New("event log file is not open")

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

	mu   sync.Mutex
	file *rotatingFile
	open bool

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

func (e *eventlogExporter) start(_ context.Context, _ component.Host) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.file.open(); err != nil {
		return err
	}
	e.open = true
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
	e.open = false
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
	if !e.open {
		return errNotStarted
	}
	if err := e.file.writeLines(buf, ends); err != nil {
		return err
	}
	if e.cfg.Fsync == FsyncBatch {
		if err := e.file.sync(); err != nil {
			return err
		}
	}
	e.tb.ExporterEventlogLinesWritten.Add(ctx, int64(len(ends)))
	return nil
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
