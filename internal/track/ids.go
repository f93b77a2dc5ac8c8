package track

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

var (
	entropyMu sync.Mutex
	// Monotonic entropy keeps ids minted in the same millisecond ordered.
	entropy = ulid.Monotonic(rand.Reader, 0)
)

// NewEventID returns a new unique, time-ordered event id (a 26-character ULID)
// for an event that did not bring its own.
func NewEventID(t time.Time) string {
	entropyMu.Lock()
	defer entropyMu.Unlock()
	return ulid.MustNew(ulid.Timestamp(t), entropy).String()
}

// Seeds of derived ids: a different prefix per origin keeps a request's ids
// apart from a file's even if their other parts happened to be equal.
const (
	seedRequest = "unitrack/request/v1"
	seedLine    = "unitrack/line/v1"
)

// RequestEventID is the id of the event at index (its 0-based position in
// the body) of a request posted to a format's path with an Idempotency-Key,
// when the event brought no id of its own. A resent request gets the same
// ids. t is the event's own time; the zero time when it has none (the
// observed time would differ between the sends).
func RequestEventID(format, idempotencyKey string, index int, t time.Time) string {
	return derivedEventID(t, seedRequest, format, idempotencyKey, strconv.Itoa(index))
}

// LineEventID is the id of the line starting at byte offset of the tailed
// file whose identity is fileID (see the eventlog receiver), when the line
// brought no id of its own. Reading the line again gives the same id.
func LineEventID(fileID string, offset int64, t time.Time) string {
	return derivedEventID(t, seedLine, fileID, strconv.FormatInt(offset, 10))
}

// derivedEventID is a ULID in shape: its 48-bit time part is t in
// milliseconds (clamped to what a ULID holds; 0 for the zero time), so
// derived ids sort by time among minted ones; its 80-bit random part is the
// start of SHA-256 over the seed parts, each length-prefixed so that no two
// different part lists hash alike.
func derivedEventID(t time.Time, parts ...string) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write([]byte(p))
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	var id ulid.ULID
	_ = id.SetTime(ulidTime(t))
	_ = id.SetEntropy(sum[:10])
	return id.String()
}

func ulidTime(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	ms := t.UnixMilli()
	switch {
	case ms < 0:
		return 0
	case uint64(ms) > ulid.MaxTime():
		return ulid.MaxTime()
	}
	return uint64(ms)
}
