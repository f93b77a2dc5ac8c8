package legacy

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// minimal is one valid event of each format, without an event_id.
var minimal = map[Format]string{
	TrackEvent:      `{"event_type":"x","message":"m"}`,
	JSONEvents:      `{"ts":1764331200.5,"event":"x"}`,
	Dashboard:       `{"type":"error","message":"m"}`,
	HealthMonitor:   `{"check":"ollama","status":"healthy"}`,
	CircuitBreaker:  `{"server":"fs","event":"opened"}`,
	BackgroundTasks: `{"task_name":"t","status":"failed"}`,
	Notification:    `{"title":"t","message":"m"}`,
	Blog:            `{"title":"t","content":"c"}`,
}

func eventIDs(t *testing.T, ld plog.Logs) []string {
	t.Helper()
	var ids []string
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				v, ok := lr.Attributes().Get(track.AttrEventID)
				require.True(t, ok, "every record has %s", track.AttrEventID)
				ids = append(ids, v.Str())
			}
		}
	}
	return ids
}

// Every format keeps the sender's event_id, string or integer, with or
// without an IDFunc; events without one get the IDFunc's id for their index.
func TestSenderEventIDKept(t *testing.T) {
	require.Len(t, minimal, len(Formats))
	observed := time.Date(2026, 11, 28, 12, 30, 0, 0, time.UTC)
	derive := func(i int, _ time.Time) string { return fmt.Sprintf("derived-%d", i) }
	for f, ev := range minimal {
		t.Run(string(f), func(t *testing.T) {
			withID := ev[:len(ev)-1] + `,"event_id":"sender-1"}`
			withInt := ev[:len(ev)-1] + `,"event_id":42}`
			body := "[" + withID + "," + ev + "," + withInt + "," + ev + "]"
			for _, ids := range []IDFunc{nil, derive} {
				ld, errs, err := DecodeWithIDs(f, []byte(body), observed, ids)
				require.NoError(t, err)
				require.Empty(t, errs)
				got := eventIDs(t, ld)
				require.Len(t, got, 4)
				assert.Equal(t, []string{"sender-1", "42"}, []string{got[0], got[2]}, "sender ids kept")
				if ids != nil {
					assert.Contains(t, got, "derived-1")
					assert.Contains(t, got, "derived-3")
				} else {
					assert.NotEqual(t, got[1], got[3], "fresh ULIDs without an IDFunc")
				}
			}
		})
	}
}

// The IDFunc sees the event's own time, and the zero time when it has none.
func TestIDFuncTime(t *testing.T) {
	observed := time.Date(2026, 11, 28, 12, 30, 0, 0, time.UTC)
	var seen []time.Time
	ids := func(_ int, ts time.Time) string { seen = append(seen, ts); return "x" }
	body := `{"event_type":"a","message":"m","timestamp":"2026-11-28T12:00:00Z"}` + "\n" + `{"event_type":"b","message":"m"}`
	_, errs, err := DecodeWithIDs(TrackEvent, []byte(body), observed, ids)
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Len(t, seen, 2)
	assert.Equal(t, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), seen[0].UTC())
	assert.True(t, seen[1].IsZero(), "no own time: zero, not the observed time")
}

// Indexes count rejected events too, so an event's id does not depend on
// whether the events before it were valid.
func TestIDFuncIndexCountsRejected(t *testing.T) {
	var idx []int
	ids := func(i int, _ time.Time) string { idx = append(idx, i); return fmt.Sprint(i) }
	body := `[{"event_type":"a","message":"m"},{"message":"no type"},{"event_type":"c","message":"m"}]`
	_, errs, err := DecodeWithIDs(TrackEvent, []byte(body), time.Now(), ids)
	require.NoError(t, err)
	require.Len(t, errs, 1)
	assert.Equal(t, []int{0, 2}, idx)
}

func TestJSONEventID(t *testing.T) {
	for _, tc := range []struct {
		line string
		id   string
		ok   bool
	}{
		{`{"ts":1,"event":"x","event_id":"top"}`, "top", true},
		{`{"ts":1,"event":"x","event_id":7}`, "7", true},
		{`{"ts":1,"event":"x","data":{"track.event_id":"inner"}}`, "inner", true},
		{`{"ts":1,"event":"x","event_id":"top","data":{"track.event_id":"inner"}}`, "top", true},
		{`{"ts":1,"event":"x","event_id":1.5,"data":{"track.event_id":"inner"}}`, "inner", true},
		{`{"ts":1,"event":"x","data":{"track.event_id":3}}`, "", false},
		{`{"ts":1,"event":"x","event_id":""}`, "", false},
		{`{"ts":1,"event":"x"}`, "", false},
		{`[1]`, "", false},
		{`{"ts":1,`, "", false},
		{``, "", false},
	} {
		id, ok := JSONEventID([]byte(tc.line))
		assert.Equal(t, tc.ok, ok, "%s", tc.line)
		assert.Equal(t, tc.id, id, "%s", tc.line)
	}
}

// FuzzJSONEventID: JSONEventID never panics, and whenever it finds an id in
// a line Decode accepts, it is the id Decode gives the record; a line
// written by AppendJSONEvent always yields its record's id.
func FuzzJSONEventID(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", string(JSONEvents), "*", "input.json"))
	for _, in := range inputs {
		if b, err := os.ReadFile(in); err == nil {
			f.Add(b)
		}
	}
	observed := time.Date(2026, 11, 28, 12, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, line []byte) {
		id, ok := JSONEventID(line)
		ld, errs, err := Decode(JSONEvents, line, observed)
		if err != nil || len(errs) > 0 || ld.LogRecordCount() != 1 {
			return
		}
		rl := ld.ResourceLogs().At(0)
		lr := rl.ScopeLogs().At(0).LogRecords().At(0)
		got, _ := lr.Attributes().Get(track.AttrEventID)
		if ok && got.Str() != id {
			t.Fatalf("JSONEventID %q, Decode %q for %q", id, got.Str(), line)
		}
		// A json_events line is written back as it came (byte for byte):
		// its own id stays, an id minted for a line without one is not added.
		out := AppendJSONEvent(nil, rl.Resource(), lr)
		again, okAgain := JSONEventID(out[:len(out)-1])
		if okAgain != ok || (ok && again != got.Str()) {
			t.Fatalf("encoded line %q: JSONEventID %q %v, want %q %v", out, again, okAgain, id, ok)
		}
	})
}
