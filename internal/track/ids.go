package track

import (
	"crypto/rand"
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
