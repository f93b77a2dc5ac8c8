package eventlogexporter // import "github.com/unitrack/unitrack/exporter/eventlogexporter"

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The id log is the event log's sidecar: the event id of every line written,
// one a line, in the order written. A json_events line goes out byte for byte
// as it came, so a line that came without an event_id of its own (its id
// derived from the tailed file and offset, or from an Idempotency-Key)
// carries no id in the event log; after a restart seedWindow finds it here.
//
// The ids of a batch are appended after its lines were written (and synced
// with fsync: batch), so an id is never in the id log before its line is in
// the event log: a crash between the two writes can only leave the ids of
// that one batch out (the batch may be written twice), never make a
// replayed line be taken for one already written. The id log is not synced
// on its own: after a power loss it can lack its last ids, with the same
// effect.

// idLogBytesPerID is the share of the id log one id of the window gets: the
// id log rotates (one backup kept) at dedup_window × this many bytes, so its
// two files hold the last dedup_window ids as long as ids are shorter.
const idLogBytesPerID = 64

// idLogPath is the id log of the event log at path: hidden beside it, so
// that a glob of the event log's files (events.jsonl*) does not take it in.
func idLogPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".ids")
}

// idLogFiles are the id log's files, newest first.
func idLogFiles(path string) []string {
	p := idLogPath(path)
	return []string{p, p + ".1"}
}

type idLog struct {
	file *rotatingFile
	buf  []byte
	ends []int
}

func newIDLog(eventLogPath string, window int) *idLog {
	return &idLog{file: newRotatingFile(idLogPath(eventLogPath), int64(window)*idLogBytesPerID, 1)}
}

// append writes ids, one a line; it opens the file first when needed. An id
// holding a line break is left out: the id log could not give it back.
func (l *idLog) append(ids []string) error {
	l.buf, l.ends = l.buf[:0], l.ends[:0]
	for _, id := range ids {
		if strings.IndexByte(id, '\n') >= 0 {
			continue
		}
		l.buf = append(append(l.buf, id...), '\n')
		l.ends = append(l.ends, len(l.buf))
	}
	if len(l.ends) == 0 {
		return nil
	}
	return l.file.writeLines(l.buf, l.ends)
}

func (l *idLog) close() error { return l.file.closeFile() }

// idLogLineID is the id an id log line holds; a last line without its
// newline is a write cut short and holds none.
func idLogLineID(line []byte) (string, bool) {
	if len(line) < 2 || line[len(line)-1] != '\n' {
		return "", false
	}
	return string(line[:len(line)-1]), true
}

// removeStaleIDLog removes the id log of an event log that is gone (neither
// the file nor its first backup exists): its ids name lines nobody has, and
// an event sent again on purpose must not be taken for one of them.
func removeStaleIDLog(path string) error {
	for _, p := range []string{path, path + ".1"} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	var errs []error
	for _, p := range idLogFiles(path) {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
