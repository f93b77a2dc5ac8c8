package trackreceiver

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

func recordIDs(t *testing.T, all []plog.Logs) []string {
	t.Helper()
	var ids []string
	for _, ld := range all {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					v, ok := lr.Attributes().Get(track.AttrEventID)
					require.True(t, ok)
					ids = append(ids, v.Str())
				}
			}
		}
	}
	return ids
}

// A request resent with the same Idempotency-Key gets the same ids; events
// with their own event_id keep it; another key or no key gives other ids.
func TestIdempotencyKeyGivesStableIDs(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, base := startReceiver(t, sink, startOpts{})
	body := []byte(`[{"event_type":"a","message":"m","timestamp":"2026-11-28T12:00:00Z"},` +
		`{"event_type":"b","message":"m","event_id":"sender-7"},` +
		`{"message":"invalid: no event_type"},` +
		`{"event_type":"d","message":"m"}]`)
	send := func(key string) []string {
		t.Helper()
		sink.Reset()
		h := map[string]string{}
		if key != "" {
			h[idempotencyHeader] = key
		}
		a := do(t, nil, base, request{path: "/v1/track", headers: h, body: body})
		require.Equal(t, http.StatusOK, a.status, a.body)
		return recordIDs(t, sink.AllLogs())
	}
	first := send("req-1")
	require.Len(t, first, 3)
	assert.Equal(t, first, send("req-1"), "a resend gets the same ids")
	assert.Equal(t, first, send(`"req-1"`), "a quoted (structured-field) key is the same key")
	assert.Equal(t, "sender-7", first[1], "a sender's event_id is kept")
	assert.Equal(t, track.RequestEventID("track_event", "req-1", 0, mustTime(t, "2026-11-28T12:00:00Z")), first[0])
	assert.Equal(t, track.RequestEventID("track_event", "req-1", 3, zeroTime), first[2], "index counts the rejected event")

	other := send("req-2")
	assert.NotEqual(t, first[0], other[0])
	assert.Equal(t, "sender-7", other[1])
	none1, none2 := send(""), send("")
	assert.NotEqual(t, none1[0], none2[0], "without a key every send gets fresh ids")
}

func TestIdempotencyKeyInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		vals []string
		want string
	}{
		{"empty", []string{""}, "Idempotency-Key header: expected 1 to 255 printable ASCII characters, got 0 bytes"},
		{"empty quoted", []string{`""`}, "Idempotency-Key header: expected 1 to 255 printable ASCII characters, got 0 bytes"},
		{"too long", []string{strings.Repeat("k", 256)}, "Idempotency-Key header: expected 1 to 255 printable ASCII characters, got 256 bytes"},
		{"not ASCII", []string{"clé"}, "Idempotency-Key header: expected printable ASCII characters, got byte 0xc3 at position 2"},
		{"control", []string{"a\x01b"}, "Idempotency-Key header: expected printable ASCII characters, got byte 0x01 at position 1"},
		{"two headers", []string{"a", "b"}, "Idempotency-Key header: expected one value, got 2 headers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := idempotencyKey(http.Header{idempotencyHeader: tc.vals})
			assert.EqualError(t, err, tc.want)
		})
	}
	for _, ok := range []string{"k", strings.Repeat("k", 255), "8e03978e-40d5-43e8-bc93-6894a57f9324", "with space ~!"} {
		key, err := idempotencyKey(http.Header{idempotencyHeader: {ok}})
		assert.NoError(t, err)
		assert.Equal(t, ok, key)
	}
}

// A bad key is a 400 naming the header, and nothing reaches the pipeline.
func TestIdempotencyKeyRefusedOverHTTP(t *testing.T) {
	sink := new(consumertest.LogsSink)
	_, base := startReceiver(t, sink, startOpts{})
	a := do(t, nil, base, request{path: "/v1/track", headers: map[string]string{idempotencyHeader: "clé"},
		body: []byte(`{"event_type":"a","message":"b"}`)})
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.JSONEq(t, `{"error":"Idempotency-Key header: expected printable ASCII characters, got byte 0xc3 at position 2","accepted":0,"rejected":0,"errors":[]}`, a.body)
	assert.Empty(t, sink.AllLogs())
}

var zeroTime time.Time

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return ts
}

// FuzzIdempotencyKey: the header parser never panics, and what it accepts
// is 1..255 printable ASCII bytes.
func FuzzIdempotencyKey(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "idempotency_keys", "*"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		require.NoError(f, err)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, v string) {
		key, err := idempotencyKey(http.Header{idempotencyHeader: {v}})
		if err != nil {
			if !strings.HasPrefix(err.Error(), idempotencyHeader+" header: expected") {
				t.Fatalf("error %q does not name the header and what was expected", err)
			}
			return
		}
		if len(key) < 1 || len(key) > maxIdempotencyKeyLen {
			t.Fatalf("accepted %d bytes", len(key))
		}
		for i := 0; i < len(key); i++ {
			if key[i] < 0x20 || key[i] > 0x7e {
				t.Fatalf("accepted byte 0x%02x", key[i])
			}
		}
	})
}
