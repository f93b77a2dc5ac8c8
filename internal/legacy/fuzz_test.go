package legacy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// fuzzDecode checks, for any body: Decode does not panic; the counts add up;
// every accepted record encodes to one valid JSON line that decodes again as
// json_events to the same record (a json_events line without an id gets a new
// one) and encodes again to the same bytes.
func fuzzDecode(f *testing.F, format Format) {
	// The golden inputs are seeds too; testdata/fuzz/<FuzzName>/ holds the
	// committed corpus (go test runs both as plain tests).
	inputs, _ := filepath.Glob(filepath.Join("testdata", string(format), "*", "input.json"))
	for _, in := range inputs {
		if b, err := os.ReadFile(in); err == nil {
			f.Add(b)
		}
	}
	observed := time.Date(2026, 11, 28, 12, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		logs, errs, err := Decode(format, body, observed)
		if err != nil {
			if logs.LogRecordCount() != 0 || len(errs) != 0 {
				t.Fatalf("body error %v came with %d records and %d event errors", err, logs.LogRecordCount(), len(errs))
			}
			return
		}
		for _, e := range errs {
			if e.Err == nil || e.Index < 0 {
				t.Fatalf("bad event error %#v", e)
			}
		}
		var line []byte
		for _, rl := range logs.ResourceLogs().All() {
			if rl.ScopeLogs().Len() != 1 || rl.ScopeLogs().At(0).LogRecords().Len() == 0 {
				t.Fatalf("resource without records")
			}
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				// OTLP backends refuse strings that are not UTF-8.
				if !validUTF8(lr.Body()) || !validUTF8Map(lr.Attributes()) || !validUTF8Map(rl.Resource().Attributes()) {
					t.Fatalf("accepted record holds invalid UTF-8: %v", lr.Attributes().AsRaw())
				}
				line = AppendJSONEvent(line[:0], rl.Resource(), lr)
				if !json.Valid(line) {
					t.Fatalf("AppendJSONEvent wrote invalid JSON: %q", line)
				}
				again, aerrs, aerr := Decode(JSONEvents, line, observed)
				if aerr != nil || len(aerrs) != 0 || again.LogRecordCount() != 1 {
					t.Fatalf("re-encoded line %q does not decode: %v %v", line, aerr, aerrs)
				}
				arl := again.ResourceLogs().At(0)
				alr := arl.ScopeLogs().At(0).LogRecords().At(0)
				checkSameRecord(t, lr, alr, line)
				if twice := AppendJSONEvent(nil, arl.Resource(), alr); string(twice) != string(line) {
					t.Fatalf("not a fixed point:\n%s%s", line, twice)
				}
			}
		}
	})
}

func validUTF8(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return utf8.ValidString(v.Str())
	case pcommon.ValueTypeMap:
		return validUTF8Map(v.Map())
	case pcommon.ValueTypeSlice:
		for _, e := range v.Slice().All() {
			if !validUTF8(e) {
				return false
			}
		}
	}
	return true
}

func validUTF8Map(m pcommon.Map) bool {
	for k, v := range m.All() {
		if !utf8.ValidString(k) || !validUTF8(v) {
			return false
		}
	}
	return true
}

func checkSameRecord(t *testing.T, want, got plog.LogRecord, line []byte) {
	t.Helper()
	if want.EventName() != got.EventName() || want.Body().AsString() != got.Body().AsString() ||
		want.SeverityNumber() != got.SeverityNumber() || want.Timestamp() != got.Timestamp() ||
		want.TraceID() != got.TraceID() || want.SpanID() != got.SpanID() {
		t.Fatalf("record changed through %q", line)
	}
	for k, v := range want.Attributes().All() {
		if k == track.AttrEventID && !bytes.Contains(line, []byte(v.Str())) {
			continue // a json_events line without an id gets a new one
		}
		gv, ok := got.Attributes().Get(k)
		if !ok || !gv.Equal(v) {
			t.Fatalf("attribute %q changed through %q: %v -> %v", k, line, v.AsRaw(), gv.AsRaw())
		}
	}
}

func FuzzDecodeTrackEvent(f *testing.F)      { fuzzDecode(f, TrackEvent) }
func FuzzDecodeJSONEvents(f *testing.F)      { fuzzDecode(f, JSONEvents) }
func FuzzDecodeDashboard(f *testing.F)       { fuzzDecode(f, Dashboard) }
func FuzzDecodeHealthMonitor(f *testing.F)   { fuzzDecode(f, HealthMonitor) }
func FuzzDecodeCircuitBreaker(f *testing.F)  { fuzzDecode(f, CircuitBreaker) }
func FuzzDecodeBackgroundTasks(f *testing.F) { fuzzDecode(f, BackgroundTasks) }
func FuzzDecodeNotification(f *testing.F)    { fuzzDecode(f, Notification) }
func FuzzDecodeBlog(f *testing.F)            { fuzzDecode(f, Blog) }
