package trackreceiver // import "github.com/unitrack/unitrack/receiver/trackreceiver"

import (
	"fmt"
	"net/http"
	"time"

	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/track"
)

// idempotencyHeader names the request header from which the ids of events
// without their own event_id are derived, so that a resent request is
// recognised by every sink (docs/legacy-formats.md, "Event ids").
const idempotencyHeader = "Idempotency-Key"

// maxIdempotencyKeyLen bounds the key: it is hashed per event, and a sender's
// UUID or request hash fits many times over.
const maxIdempotencyKeyLen = 255

// idempotencyKey returns the request's Idempotency-Key, "" when it has none.
// The value is taken as sent, or unquoted when it is a quoted string (the
// IETF draft makes it a structured-field string); it must be 1 to
// maxIdempotencyKeyLen printable ASCII characters.
func idempotencyKey(h http.Header) (string, error) {
	vals := h.Values(idempotencyHeader)
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", fmt.Errorf("%s header: expected one value, got %d headers", idempotencyHeader, len(vals))
	}
	key := vals[0]
	if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
		key = key[1 : len(key)-1]
	}
	if key == "" || len(key) > maxIdempotencyKeyLen {
		return "", fmt.Errorf("%s header: expected 1 to %d printable ASCII characters, got %d bytes",
			idempotencyHeader, maxIdempotencyKeyLen, len(key))
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c > 0x7e {
			return "", fmt.Errorf("%s header: expected printable ASCII characters, got byte 0x%02x at position %d",
				idempotencyHeader, c, i)
		}
	}
	return key, nil
}

// requestIDs derives the ids of a keyed request's events without their own.
func requestIDs(format legacy.Format, key string) legacy.IDFunc {
	if key == "" {
		return nil
	}
	return func(index int, t time.Time) string {
		return track.RequestEventID(string(format), key, index, t)
	}
}
