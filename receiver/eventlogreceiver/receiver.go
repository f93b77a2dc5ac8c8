package eventlogreceiver // import "github.com/unitrack/unitrack/receiver/eventlogreceiver"

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/attrs"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/operator"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/internal/storageclient"
	"github.com/unitrack/unitrack/receiver/eventlogreceiver/internal/metadata"
)

const transport = "file"

type eventlogReceiver struct {
	cfg      *Config
	set      receiver.Settings
	logger   *zap.Logger
	next     consumer.Logs
	obsrecv  *receiverhelper.ObsReport
	tb       *metadata.TelemetryBuilder
	manager  *fileconsumer.Manager
	client   storage.Client
	now      func() time.Time
	keepPath bool // the user asked for log.file.path on records
	keepName bool // the user asked for log.file.name on records
}

func newEventlogReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*eventlogReceiver, error) {
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              transport,
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	r := &eventlogReceiver{
		cfg:      cfg,
		set:      set,
		logger:   set.Logger,
		next:     next,
		obsrecv:  obsrecv,
		tb:       tb,
		now:      time.Now,
		keepPath: cfg.IncludeFilePath,
		keepName: cfg.IncludeFileName,
	}
	fc := cfg.Config
	// The path is always resolved so that a malformed line can be logged with
	// its file; it only goes on records when include_file_path asks for it.
	fc.IncludeFilePath = true
	fc.Exclude = cleanGlobs(fc.Exclude)
	r.manager, err = fc.Build(set.TelemetrySettings, r.emit)
	if err != nil {
		tb.Shutdown()
		return nil, fmt.Errorf("build file consumer: %w", err)
	}
	return r, nil
}

func (r *eventlogReceiver) Start(ctx context.Context, host component.Host) error {
	client, err := storageclient.Open(ctx, host, r.cfg.Storage, component.KindReceiver, r.set.ID, "")
	if err != nil {
		return err
	}
	r.client = client
	var persister operator.Persister
	if client != nil {
		persister = client
	}
	if err := r.manager.Start(persister); err != nil {
		return fmt.Errorf("start file consumer: %w", err)
	}
	r.logger.Info("Tailing JSON event log files",
		zap.Strings("include", r.cfg.Include),
		zap.String("start_at", r.cfg.StartAt),
		zap.Bool("checkpoints", client != nil))
	return nil
}

func (r *eventlogReceiver) Shutdown(ctx context.Context) error {
	// Stop saves the final offsets, so the storage client is closed after it.
	err := r.manager.Stop()
	if r.client != nil {
		err = errors.Join(err, r.client.Close(ctx))
		r.client = nil
	}
	r.tb.Shutdown()
	r.logger.Info("Stopped tailing JSON event log files")
	return err
}

// emit is fileconsumer's callback for up to 100 lines of one file. It returns
// only when the batch was delivered, refused for good, or ctx was cancelled;
// fileconsumer checkpoints the lines past the batch only in the first two
// cases, so a batch interrupted by shutdown or a crash is read again.
func (r *eventlogReceiver) emit(ctx context.Context, tokens [][]byte, fileAttrs map[string]any, lastRecordNumber int64, offsets []int64) error {
	firstLine := lastRecordNumber - int64(len(tokens)) + 1
	ids := lineIDs{offsets: offsets}
	fileID, err := fileIDOf(fileAttrs, tokens, offsets, int(r.cfg.FingerprintSize))
	if err != nil {
		// Fresh ids for this batch; the next batch tries again.
		r.logger.Debug("No file identity for derived event ids", zap.Any("file", fileAttrs[attrs.LogFilePath]), zap.Error(err))
	}
	ids.fileID = fileID
	logs, bad := decodeLines(tokens, firstLine, ids, r.now(), r.recordAttrs(fileAttrs))
	if len(bad) > 0 {
		path, _ := fileAttrs[attrs.LogFilePath].(string)
		r.tb.ReceiverEventlogMalformedLines.Add(ctx, int64(len(bad)))
		for _, b := range bad {
			r.logger.Warn("Skipping malformed event log line",
				zap.String("file", path), zap.Int64("line", b.Line), zap.Error(b.Err))
		}
	}
	n := logs.LogRecordCount()
	if n == 0 {
		return nil
	}
	return r.deliver(ctx, logs, n)
}

func (r *eventlogReceiver) deliver(ctx context.Context, logs plog.Logs, n int) error {
	retry := r.cfg.RetryConfig
	wait := retry.InitialInterval
	start := time.Now()
	for {
		obsCtx := r.obsrecv.StartLogsOp(ctx)
		err := r.next.ConsumeLogs(obsCtx, logs)
		r.obsrecv.EndLogsOp(obsCtx, metadata.Type.String(), n, err)
		if err == nil {
			return nil
		}
		if consumererror.IsPermanent(err) {
			r.tb.ReceiverEventlogDroppedRecords.Add(ctx, int64(n))
			r.logger.Error("Next consumer refused event log records for good; dropping them",
				zap.Int("records", n), zap.Error(err))
			return nil
		}
		if !retry.Enabled || (retry.MaxElapsedTime > 0 && time.Since(start)+wait > retry.MaxElapsedTime) {
			r.tb.ReceiverEventlogDroppedRecords.Add(ctx, int64(n))
			r.logger.Error("Next consumer kept refusing event log records; dropping them",
				zap.Int("records", n), zap.Duration("retried_for", time.Since(start)), zap.Error(err))
			return nil
		}
		r.logger.Debug("Next consumer refused event log records; retrying",
			zap.Int("records", n), zap.Duration("in", wait), zap.Error(err))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		mult := retry.Multiplier
		if mult < 1 {
			mult = 1
		}
		wait = min(time.Duration(float64(wait)*mult), retry.MaxInterval)
	}
}

// cleanGlobs cleans exclude patterns as fileconsumer's glob cleans the paths
// it finds ("./var/x.gz" is found as "var/x.gz"), so that an exclude written
// like its include ("./var/*.gz") matches.
func cleanGlobs(globs []string) []string {
	out := make([]string, len(globs))
	for i, g := range globs {
		out[i] = filepath.Clean(g)
	}
	return out
}

// recordAttrs is the subset of fileconsumer's file attributes the user asked
// to have on every record.
func (r *eventlogReceiver) recordAttrs(fileAttrs map[string]any) map[string]any {
	if len(fileAttrs) == 0 || (len(fileAttrs) == 1 && !r.keepPath) {
		return nil
	}
	out := make(map[string]any, len(fileAttrs))
	for k, v := range fileAttrs {
		switch {
		case k == attrs.LogFilePath && !r.keepPath:
		case k == attrs.LogFileName && !r.keepName:
		case strings.HasPrefix(k, "log.file."):
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
