package track

import (
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestEventID(t *testing.T) {
	ts := time.Date(2026, 11, 28, 12, 0, 0, 123e6, time.UTC)
	id := RequestEventID("track_event", "req-1", 0, ts)
	require.Len(t, id, 26)
	u, err := ulid.ParseStrict(id)
	require.NoError(t, err, "a derived id is a valid ULID")
	assert.Equal(t, uint64(ts.UnixMilli()), u.Time(), "the time part is the event's time")

	assert.Equal(t, id, RequestEventID("track_event", "req-1", 0, ts), "the same request gives the same id")
	for name, other := range map[string]string{
		"index":  RequestEventID("track_event", "req-1", 1, ts),
		"key":    RequestEventID("track_event", "req-2", 0, ts),
		"format": RequestEventID("json_events", "req-1", 0, ts),
		"time":   RequestEventID("track_event", "req-1", 0, ts.Add(time.Millisecond)),
	} {
		assert.NotEqual(t, id, other, "a different %s gives a different id", name)
	}
	// Length prefixes: moving a character between parts changes the id.
	assert.NotEqual(t, RequestEventID("ab", "c", 0, ts), RequestEventID("a", "bc", 0, ts))

	noTime := RequestEventID("track_event", "req-1", 0, time.Time{})
	u, err = ulid.ParseStrict(noTime)
	require.NoError(t, err)
	assert.Zero(t, u.Time(), "an event without a time gets time part 0, the same on every send")
}

func TestDerivedIDsSortByTime(t *testing.T) {
	base := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	prev := ""
	for i := range 100 {
		id := LineEventID("file", int64(1000-i), base.Add(time.Duration(i)*time.Millisecond))
		assert.Greater(t, id, prev, "ids of later events sort later")
		prev = id
	}
	minted := NewEventID(base.Add(time.Second))
	assert.Greater(t, minted, prev, "derived and minted ids share one order")
}

func TestLineEventID(t *testing.T) {
	ts := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	id := LineEventID("abc", 42, ts)
	assert.Equal(t, id, LineEventID("abc", 42, ts))
	assert.NotEqual(t, id, LineEventID("abc", 43, ts))
	assert.NotEqual(t, id, LineEventID("abd", 42, ts))
	assert.NotEqual(t, id, RequestEventID("abc", "42", 0, ts), "line and request ids never meet")
}

func TestDerivedIDTimeClamped(t *testing.T) {
	for _, ts := range []time.Time{time.Unix(-5, 0), time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		_, err := ulid.ParseStrict(LineEventID("f", 0, ts))
		assert.NoError(t, err, "time %v", ts)
	}
}
