package eventlogexporter // import "github.com/unitrack/unitrack/exporter/eventlogexporter"

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// rotatingFile appends whole lines to one file and rotates it by size to
// <path>.1 .. <path>.<maxBackups>, newest first. It is not safe for concurrent
// use; the exporter serializes calls.
type rotatingFile struct {
	path       string
	maxBytes   int64 // 0: never rotate
	maxBackups int

	f     *os.File
	info  os.FileInfo // of f, to notice the path being replaced under us
	size  int64
	dirty bool // written since the last sync

	onRotate func()
}

func newRotatingFile(path string, maxBytes int64, maxBackups int) *rotatingFile {
	return &rotatingFile{path: path, maxBytes: maxBytes, maxBackups: maxBackups}
}

// open opens (or creates) the file for appending. A file that does not end in
// a newline (a torn last line after a crash or power loss) is cut back to its
// last whole line: the torn line is unreadable to every json_events reader,
// and its batch was never confirmed with fsync: batch, so it is written again.
func (r *rotatingFile) open() error {
	if err := os.MkdirAll(filepath.Dir(r.path), 0o755); err != nil {
		return fmt.Errorf("create directory of %s: %w", r.path, err)
	}
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", r.path, err)
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("stat %s: %w", r.path, err)
	}
	r.f, r.info, r.size, r.dirty = f, info, info.Size(), false
	if r.size == 0 {
		return nil
	}
	whole, err := endOfLastLine(r.path, r.size)
	if err != nil {
		return err
	}
	if whole == r.size {
		return nil
	}
	if err := f.Truncate(whole); err != nil {
		return fmt.Errorf("cut the torn last line of %s: %w", r.path, err)
	}
	r.size = whole
	return f.Sync()
}

// endOfLastLine is the offset just after the last '\n' in the first size
// bytes of the file (0 when there is none).
func endOfLastLine(path string, size int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	var buf [4096]byte
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("read %s: %w", path, err)
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// reopenIfReplaced reopens the path when something else (logrotate, an
// operator) moved or deleted the file we hold, and follows a truncation.
func (r *rotatingFile) reopenIfReplaced() error {
	if r.f == nil {
		return r.open()
	}
	info, err := os.Stat(r.path)
	if err == nil && os.SameFile(info, r.info) {
		// Truncated in place (copytruncate): follow, so rotation and the
		// cut-back of a failed write use the real size.
		if info.Size() < r.size {
			r.size = info.Size()
		}
		return nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("stat %s: %w", r.path, err)
	}
	if err := r.closeFile(); err != nil {
		return err
	}
	return r.open()
}

// writeLines appends buf, whose lines end at the offsets in ends, rotating
// between lines whenever the next line would take the file past maxBytes. A
// line longer than maxBytes gets a file of its own; lines are never split.
func (r *rotatingFile) writeLines(buf []byte, ends []int) error {
	if err := r.reopenIfReplaced(); err != nil {
		return err
	}
	start, prev := 0, 0
	for _, end := range ends {
		if r.maxBytes > 0 && r.size+int64(end-start) > r.maxBytes && r.size+int64(prev-start) > 0 {
			if err := r.writeChunk(buf[start:prev]); err != nil {
				return err
			}
			if err := r.rotate(); err != nil {
				return err
			}
			start = prev
		}
		prev = end
	}
	return r.writeChunk(buf[start:prev])
}

// writeChunk appends b. On a failed or short write the file is cut back to
// where it was, so a retried batch never leaves half a line behind.
func (r *rotatingFile) writeChunk(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	n, err := r.f.Write(b)
	if err != nil {
		if n > 0 {
			_ = r.f.Truncate(r.size)
		}
		return fmt.Errorf("write %s: %w", r.path, err)
	}
	r.size += int64(n)
	r.dirty = true
	return nil
}

func (r *rotatingFile) sync() error {
	if r.f == nil || !r.dirty {
		return nil
	}
	if err := r.f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", r.path, err)
	}
	r.dirty = false
	return nil
}

// rotate syncs and closes the current file, shifts the backups
// (<path>.N is deleted, .i becomes .i+1), renames the file to <path>.1, syncs
// the directory so the renames survive a crash, and opens a new file.
func (r *rotatingFile) rotate() error {
	if err := r.closeFile(); err != nil {
		return err
	}
	backup := func(i int) string { return r.path + "." + strconv.Itoa(i) }
	if err := os.Remove(backup(r.maxBackups)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotate: remove oldest backup: %w", err)
	}
	for i := r.maxBackups - 1; i >= 1; i-- {
		if err := os.Rename(backup(i), backup(i+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotate: %w", err)
		}
	}
	if err := os.Rename(r.path, backup(1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotate: %w", err)
	}
	syncDir(filepath.Dir(r.path))
	if r.onRotate != nil {
		r.onRotate()
	}
	return r.open()
}

func (r *rotatingFile) closeFile() error {
	if r.f == nil {
		return nil
	}
	err := r.sync()
	if cerr := r.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", r.path, cerr)
	}
	r.f, r.info, r.dirty = nil, nil, false
	return err
}

func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
