package blogexporter

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/unitrack/unitrack/internal/blogfiles"
)

const (
	tmpPrefix  = ".tmp-"
	indexFile  = blogfiles.IndexFile
	feedFile   = blogfiles.FeedFile
	digestFile = ".digest-state.json"
)

// blogDir does every file operation of the blog through an os.Root, so no
// name, whatever it holds, reaches outside the directory (no "..", no
// absolute path, no symlink out).
type blogDir struct {
	root *os.Root
}

func openBlogDir(path string) (*blogDir, error) {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("create blog directory: %w", err)
	}
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, fmt.Errorf("open blog directory: %w", err)
	}
	return &blogDir{root: root}, nil
}

func (d *blogDir) close() error {
	return d.root.Close()
}

// safeName reports whether name is one the blog writes: a post file, the
// index, the feed or its own state file.
func safeName(name string) bool {
	return name == digestFile || blogfiles.Servable(name)
}

// writeFile replaces name atomically: the data goes to a temporary file in
// the same directory, is fsynced, and is renamed over name. A crash at any
// point leaves either the old or the new file, never a torn one.
func (d *blogDir) writeFile(name string, data []byte) error {
	tmp, err := d.writeTemp(name, data, true)
	if err != nil {
		return err
	}
	if err := d.root.Rename(tmp, name); err != nil {
		_ = d.root.Remove(tmp)
		return fmt.Errorf("rename %s: %w", name, err)
	}
	return nil
}

// namedData is one file of a batch write.
type namedData struct {
	name string
	data []byte
}

// writeFiles replaces every file of batch atomically, as writeFile does,
// at the cost of one file-system sync instead of one fsync a file: the
// temporary files are written, the file system is synced once (syncFS),
// then they are renamed in batch order (a page never lands before its
// Markdown). A crash before the sync leaves only temporary files, removed
// on start. Where syncFS is missing, or with perFile set, every temporary
// file is fsynced itself (the way writeFile does). errs[i] is the error of
// batch[i].
func (d *blogDir) writeFiles(batch []namedData, perFile bool) []error {
	errs := make([]error, len(batch))
	tmps := make([]string, len(batch))
	fsync := perFile || !haveSyncFS
	for i, f := range batch {
		tmps[i], errs[i] = d.writeTemp(f.name, f.data, fsync)
	}
	if !fsync {
		if err := d.syncFS(); err != nil {
			for i := range batch {
				if errs[i] == nil {
					_ = d.root.Remove(tmps[i])
					errs[i] = err
				}
			}
			return errs
		}
	}
	for i, f := range batch {
		if errs[i] != nil {
			continue
		}
		if err := d.root.Rename(tmps[i], f.name); err != nil {
			_ = d.root.Remove(tmps[i])
			errs[i] = fmt.Errorf("rename %s: %w", f.name, err)
		}
	}
	return errs
}

func (d *blogDir) syncFS() error {
	f, err := d.root.Open(".")
	if err != nil {
		return fmt.Errorf("sync blog file system: %w", err)
	}
	defer f.Close()
	if err := syncFS(f); err != nil {
		return fmt.Errorf("sync blog file system: %w", err)
	}
	return nil
}

// writeTemp writes data to a new temporary file for name, fsynced when fsync.
func (d *blogDir) writeTemp(name string, data []byte, fsync bool) (tmp string, err error) {
	if !safeName(name) {
		return "", fmt.Errorf("refusing to write %q: not a blog file name", name)
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp = tmpPrefix + hex.EncodeToString(rnd[:]) + "-" + name
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			_ = d.root.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	if fsync {
		if err = f.Sync(); err != nil {
			_ = f.Close()
			return "", fmt.Errorf("sync %s: %w", name, err)
		}
	}
	if err = f.Close(); err != nil {
		return "", fmt.Errorf("close %s: %w", name, err)
	}
	return tmp, nil
}

// syncDir makes the renames durable.
func (d *blogDir) syncDir() error {
	f, err := d.root.Open(".")
	if err != nil {
		return fmt.Errorf("sync blog directory: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync blog directory: %w", err)
	}
	return nil
}

func (d *blogDir) readFile(name string) ([]byte, error) {
	return d.root.ReadFile(name)
}

// remove deletes name; a missing file is not an error.
func (d *blogDir) remove(name string) error {
	if !safeName(name) && !strings.HasPrefix(name, tmpPrefix) {
		return fmt.Errorf("refusing to remove %q: not a blog file name", name)
	}
	if err := d.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	return nil
}

// names lists the regular files of the directory.
func (d *blogDir) names() ([]string, error) {
	f, err := d.root.Open(".")
	if err != nil {
		return nil, fmt.Errorf("list blog directory: %w", err)
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("list blog directory: %w", err)
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Type().IsRegular() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
