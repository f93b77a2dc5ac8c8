package eventlogexporter // import "github.com/unitrack/unitrack/exporter/eventlogexporter"

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/unitrack/unitrack/internal/legacy"
)

// seedChunk is how much of a file is read at a time, backwards, to seed the
// window of recent ids; seedMaxBytes bounds what is read in all (a file of
// lines without ids would otherwise be read whole at every start).
const (
	seedChunk    = 1 << 20
	seedMaxBytes = 128 << 20
)

// idWindow is what seedWindow fills: a recentids.Window in the exporter, a
// recentids.Set (whose ids can be listed) in tests.
type idWindow interface {
	Add(id string) bool
	Has(id string) bool
	Len() int
	Cap() int
}

// seedWindow fills w, oldest first, with the ids of the last lines written,
// so that a batch replayed right after a restart is recognised: first from
// the id log (every line's id, in the order written: idlog.go), then the ids
// the event log's own lines carry that the id log lacks. Those are the last
// batch's when the process died between its two writes, and, while the id
// log is young (the first start with one, or after it was removed), those of
// the lines written before it. The event log is read back from the current
// file, then from its first backup when the file was just rotated; lines
// without an id are passed over. At most maxBytes are read of each log.
func seedWindow(w idWindow, path string, maxBytes int64) error {
	var newestFirst []string
	idLogErr := tailIDs(idLogFiles(path), maxBytes, idLogLineID, func(id string) bool {
		newestFirst = append(newestFirst, id)
		return len(newestFirst) < w.Cap()
	})
	addOldestFirst(w, newestFirst)
	// A full window from the id log holds every line older than the first
	// of the event log's ids it knows. (An id log that cannot be read
	// leaves the window to the event log alone, as before there was one.)
	full, free := w.Len() >= w.Cap(), w.Cap()-w.Len()
	newestFirst = newestFirst[:0]
	err := tailIDs([]string{path, path + ".1"}, maxBytes, jsonLineID, func(id string) bool {
		if w.Has(id) {
			return !full
		}
		newestFirst = append(newestFirst, id)
		return len(newestFirst) < w.Cap() && (full || len(newestFirst) < free)
	})
	addOldestFirst(w, newestFirst)
	return errors.Join(idLogErr, err)
}

func addOldestFirst(w idWindow, newestFirst []string) {
	for i := len(newestFirst) - 1; i >= 0; i-- {
		w.Add(newestFirst[i])
	}
}

// jsonLineID is the id of an event log line, as the decoder takes it.
func jsonLineID(line []byte) (string, bool) { return legacy.JSONEventID(bytes.TrimSpace(line)) }

// tailIDs runs idsFromTail over the files in turn (newest first) until visit
// stops it or maxBytes were read in all.
func tailIDs(paths []string, maxBytes int64, idOf func([]byte) (string, bool), visit func(string) bool) error {
	for _, p := range paths {
		if maxBytes <= 0 {
			return nil
		}
		read, stopped, err := idsFromTail(p, maxBytes, seedChunk, idOf, visit)
		if err != nil || stopped {
			return err
		}
		maxBytes -= read
	}
	return nil
}

// idsFromTail calls visit with the id (idOf, given the line with its
// newline) of each line of the file that has one, last line first, reading
// the file backwards chunkSize bytes at a time, until visit returns false or
// maxBytes were read. It returns how many bytes it read and whether visit
// stopped it. A missing file has no ids.
func idsFromTail(path string, maxBytes int64, chunkSize int, idOf func([]byte) (string, bool), visit func(string) bool) (read int64, stopped bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read the ids of %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, false, fmt.Errorf("read the ids of %s: %w", path, err)
	}
	each := func(line []byte) bool {
		if id, ok := idOf(line); ok && !visit(id) {
			stopped = true
		}
		return !stopped
	}
	end := info.Size()
	var carry []byte // the start of a line whose beginning is in an earlier chunk
	buf := make([]byte, chunkSize)
	for end > 0 && !stopped && read < maxBytes {
		start := max(end-int64(chunkSize), 0)
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
			return read, false, fmt.Errorf("read the ids of %s: %w", path, err)
		}
		read += int64(len(chunk))
		data := append(append(make([]byte, 0, len(chunk)+len(carry)), chunk...), carry...)
		// data's first line may be cut; keep it for the next chunk.
		for {
			i := bytes.LastIndexByte(data[:max(len(data)-1, 0)], '\n')
			if i < 0 || !each(data[i+1:]) {
				break
			}
			data = data[:i+1]
		}
		carry = data
		end = start
		if end == 0 && !stopped {
			each(carry)
		}
	}
	return read, stopped, nil
}
