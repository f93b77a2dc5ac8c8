package eventlogreceiver // import "github.com/unitrack/unitrack/receiver/eventlogreceiver"

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/attrs"

	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/track"
)

// attrFileID is where a file's identity is kept in fileconsumer's per-file
// attributes: fileconsumer checkpoints them with the file's offset and keeps
// them when it finds the file under a new name, so the identity is worked
// out once per file and survives restarts and renames. It is never put on
// records (recordAttrs copies only log.file.* keys).
const attrFileID = "unitrack.file_id"

// lineIDs derives the ids of the lines of one emit that bring no event_id:
// the file's identity and each line's byte offset, so that a line read again
// (after a crash before the checkpoint, or a copy of the file) gets the same
// id. The zero value mints fresh ids.
type lineIDs struct {
	fileID  string
	offsets []int64 // offsets[i] is where token i starts in the file
}

func (l lineIDs) forToken(i int) legacy.IDFunc {
	if l.fileID == "" || i >= len(l.offsets) {
		return nil
	}
	off := l.offsets[i]
	return func(_ int, t time.Time) string { return track.LineEventID(l.fileID, off, t) }
}

// fileIdentity is a file's identity: a hash of its first line, up to
// fingerprintSize bytes. That is what fileconsumer's fingerprint (the first
// fingerprint_size bytes) is while it cannot change: the first line is
// written once, while the fingerprint grows with a young file.
func fileIdentity(head []byte, fingerprintSize int) (string, bool) {
	if len(head) > fingerprintSize {
		head = head[:fingerprintSize]
	}
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	} else if len(head) < fingerprintSize {
		return "", false // the first line is not complete yet
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return "", false
	}
	sum := sha256.Sum256(head)
	return hex.EncodeToString(sum[:16]), true
}

var errFileMoved = errors.New("the file at the path is no longer the one being read")

// fileIDOf returns the identity of the file an emit came from, working it
// out (and keeping it in fileAttrs) the first time. The path names the file
// as fileconsumer found it in this poll; the file's bytes at the first
// token's offset are compared with the token, so a file rotated away in the
// meantime is not mistaken for the new one at its path.
func fileIDOf(fileAttrs map[string]any, tokens [][]byte, offsets []int64, fingerprintSize int) (string, error) {
	if id, ok := fileAttrs[attrFileID].(string); ok && id != "" {
		return id, nil
	}
	path, _ := fileAttrs[attrs.LogFilePath].(string)
	if path == "" || len(tokens) == 0 || len(offsets) < 2 {
		return "", errors.New("no file path or offsets from fileconsumer")
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, fingerprintSize)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	id, ok := fileIdentity(head[:n], fingerprintSize)
	if !ok {
		return "", errors.New("the file's first line is not complete")
	}
	span := offsets[1] - offsets[0]
	if span < int64(len(tokens[0])) || span > 1<<26 {
		return "", fmt.Errorf("unexpected offsets %d..%d", offsets[0], offsets[1])
	}
	at := make([]byte, span)
	if _, err := f.ReadAt(at, offsets[0]); err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if !bytes.Contains(at, tokens[0]) {
		return "", errFileMoved
	}
	fileAttrs[attrFileID] = id
	return id, nil
}
