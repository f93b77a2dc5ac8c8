package eventlogreceiver

import (
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// spoolConfig is the eventlog/spool receiver of otelcol.yaml: sealed spool
// files of the Python client, read from their first line and deleted at their
// end (fileconsumer's delete_after_read; its feature gate
// filelog.allowFileDeletion is beta, on by default, in v0.165.1).
func spoolConfig(dir string) *Config {
	cfg := testConfig(dir)
	cfg.Include = []string{filepath.Join(dir, "unitrack-spool-*.jsonl")}
	cfg.StartAt = "beginning"
	cfg.DeleteAfterRead = true
	cfg.Storage = &fileStorageID
	return cfg
}

func requireGone(t *testing.T, paths ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, p := range paths {
		for {
			_, err := os.Stat(p)
			if errors.Is(err, os.ErrNotExist) {
				break
			}
			require.Truef(t, time.Now().Before(deadline), "%s still there after 30s (err %v)", p, err)
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestSpoolFilesWrittenWhileDownAreReadOnceAndDeleted(t *testing.T) {
	dir := t.TempDir()
	host := newStorageHost(t, t.TempDir())
	// Sealed while the collector was down: there is no checkpoint for them.
	a := filepath.Join(dir, "unitrack-spool-h-1-aa-00001.jsonl")
	b := filepath.Join(dir, "unitrack-spool-h-2-bb-00001.jsonl")
	appendLines(t, a, seqLines("a", 0, 120)...)
	appendLines(t, b, seqLines("b", 0, 40)...)
	// Still being written: not matched, never read half-way.
	part := filepath.Join(dir, "unitrack-spool-h-3-cc-00001.part")
	appendLines(t, part, seqLines("c", 0, 30)...)

	sink := newIDSink()
	stop := startReceiver(t, nopSettings(), spoolConfig(dir), sink, host)
	sink.waitTotal(t, 160)
	requireGone(t, a, b)

	// Its writer seals it by renaming: read whole, then deleted.
	sealed := filepath.Join(dir, "unitrack-spool-h-3-cc-00001.jsonl")
	require.NoError(t, os.Rename(part, sealed))
	sink.waitTotal(t, 190)
	requireGone(t, sealed)

	// Down again: a file sealed meanwhile is read after the restart, once.
	stop()
	d := filepath.Join(dir, "unitrack-spool-h-4-dd-00001.jsonl")
	appendLines(t, d, seqLines("d", 0, 25)...)
	startReceiver(t, nopSettings(), spoolConfig(dir), sink, host)
	sink.waitTotal(t, 215)
	requireGone(t, d)
	// The files read are gone, so nothing of them can be read again; a
	// sealed sentinel file arrives in a poll after any that read them.
	sentinel := filepath.Join(dir, "unitrack-spool-h-5-ee-00001")
	appendLines(t, sentinel+".part", eventLine(barrierPrefix+"spool", 0))
	require.NoError(t, os.Rename(sentinel+".part", sentinel+".jsonl"))
	sink.waitBarriers(t, barrierPrefix+"spool")
	requireGone(t, sentinel+".jsonl")
	want := append(append(append(seqIDs("a", 0, 120), seqIDs("b", 0, 40)...), seqIDs("c", 0, 30)...), seqIDs("d", 0, 25)...)
	sink.requireExactly(t, want)
}

func TestSpoolFileIsKeptWhileTheConsumerRefusesIt(t *testing.T) {
	dir := t.TempDir()
	host := newStorageHost(t, t.TempDir())
	path := filepath.Join(dir, "unitrack-spool-h-1-aa-00001.jsonl")
	appendLines(t, path, seqLines("r", 0, 50)...)

	sink := newIDSink()
	var accept atomic.Bool
	var refused atomic.Int64
	sink.fail = func() error {
		if !accept.Load() {
			refused.Add(1)
			return errors.New("memory limiter: refused for now")
		}
		return nil
	}
	startReceiver(t, nopSettings(), spoolConfig(dir), sink, host)
	// Refused batches are retried and the file is not deleted meanwhile:
	// the file is still there after the batch was refused and retried
	// several times.
	require.Eventually(t, func() bool { return refused.Load() >= 5 }, 30*time.Second, 10*time.Millisecond)
	_, err := os.Stat(path)
	require.NoError(t, err, "the spool file was deleted before its lines were accepted")
	accept.Store(true)
	sink.waitTotal(t, 50)
	requireGone(t, path)
	sink.requireExactly(t, seqIDs("r", 0, 50))
}

// The default otelcol.yaml writes its excludes like its include, relative to
// the working directory ("./var/legacy/..."); fileconsumer finds the files as
// "var/legacy/...", so the excludes are cleaned the same way.
func TestRelativeExcludesMatchRelativeIncludes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.MkdirAll("var/legacy", 0o755))
	appendLines(t, "var/legacy/events.jsonl", seqLines("e", 0, 10)...)
	appendLines(t, "var/legacy/unitrack-spool-h-1-aa-00001.jsonl", seqLines("s", 0, 10)...)
	appendLines(t, "var/legacy/events.jsonl.1.gz", "\x1f\x8b not a text line\n")

	cfg := testConfig(dir)
	cfg.Include = []string{"./var/legacy/*.jsonl*"}
	cfg.Exclude = []string{"./var/legacy/*.gz", "./var/legacy/unitrack-spool-*"}
	core, logs := observer.New(zapcore.WarnLevel)
	set := nopSettings()
	set.Logger = zap.New(core)
	sink := newIDSink()
	startReceiver(t, set, cfg, sink, nil)
	sink.waitTotal(t, 10)
	// The excluded files would have been read in the same poll as
	// events.jsonl's first lines, so before the sentinel appended after them.
	sink.settle(t, "var/legacy/events.jsonl")
	sink.requireExactly(t, seqIDs("e", 0, 10))
	require.Zero(t, logs.FilterMessage("Skipping malformed event log line").Len(), "the .gz file was read")
}
