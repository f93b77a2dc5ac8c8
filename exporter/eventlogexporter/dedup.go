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
	Cap() int
}

// seedWindow fills w with the ids of the last lines of the event log (the
// current file, then its first backup when the current one holds fewer than
// w.Cap() lines with ids), oldest first, so that a batch replayed right after
// a restart is recognised. Lines without an id are passed over. At most
// maxBytes are read.
func seedWindow(w idWindow, path string, maxBytes int64) error {
	var newestFirst []string
	for _, p := range []string{path, path + ".1"} {
		if len(newestFirst) >= w.Cap() || maxBytes <= 0 {
			break
		}
		read, err := idsFromTail(p, w.Cap()-len(newestFirst), maxBytes, seedChunk, &newestFirst)
		if err != nil {
			return err
		}
		maxBytes -= read
	}
	for i := len(newestFirst) - 1; i >= 0; i-- {
		w.Add(newestFirst[i])
	}
	return nil
}

// idsFromTail appends the ids of up to n lines of the file, last line first,
// reading it backwards chunk bytes at a time; it returns how many bytes it
// read. A missing file has no ids.
func idsFromTail(path string, n int, maxBytes int64, chunkSize int, out *[]string) (int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the ids of %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("read the ids of %s: %w", path, err)
	}
	end := info.Size()
	var read int64
	var carry []byte // the start of a line whose beginning is in an earlier chunk
	buf := make([]byte, chunkSize)
	found := 0
	for end > 0 && found < n && read < maxBytes {
		start := max(end-int64(chunkSize), 0)
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
			return read, fmt.Errorf("read the ids of %s: %w", path, err)
		}
		read += int64(len(chunk))
		data := append(append(make([]byte, 0, len(chunk)+len(carry)), chunk...), carry...)
		// data's first line may be cut; keep it for the next chunk.
		for found < n {
			i := bytes.LastIndexByte(data[:max(len(data)-1, 0)], '\n')
			if i < 0 {
				break
			}
			if id, ok := legacy.JSONEventID(bytes.TrimSpace(data[i+1:])); ok {
				*out = append(*out, id)
				found++
			}
			data = data[:i+1]
		}
		carry = data
		end = start
		if end == 0 && found < n {
			if id, ok := legacy.JSONEventID(bytes.TrimSpace(carry)); ok {
				*out = append(*out, id)
			}
		}
	}
	return read, nil
}
