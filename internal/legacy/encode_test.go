package legacy

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// decodeOne decodes a body that must hold exactly one valid event.
func decodeOne(t *testing.T, f Format, body string) (pcommon.Resource, plog.LogRecord) {
	t.Helper()
	logs, errs, err := Decode(f, []byte(body), observedAt)
	require.NoError(t, err)
	require.Empty(t, errs)
	require.Equal(t, 1, logs.LogRecordCount())
	rl := logs.ResourceLogs().At(0)
	return rl.Resource(), rl.ScopeLogs().At(0).LogRecords().At(0)
}

// TestJSONEventsRoundTrip: a json_events line comes back with the same
// values, keys in the same order and Python's spelling; the track.*
// attributes the decoder and the routing add stay out of it; encoding the
// decoded output again gives the same bytes.
func TestJSONEventsRoundTrip(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{
			name: "contract example",
			line: `{"ts": 1764331200.123, "level": "ERROR", "event": "task_failed", "component": "background_tasks", "msg": "Task nightly_summary failed", "data": {"task": "nightly_summary"}, "pid": 4121, "host": "box1"}`,
			want: `{"ts": 1764331200.123, "level": "ERROR", "event": "task_failed", "component": "background_tasks", "msg": "Task nightly_summary failed", "data": {"task": "nightly_summary"}, "pid": 4121, "host": "box1"}`,
		},
		{
			name: "every value type and integral double",
			line: `{"ts":1764331200,"level":"warning","event":"e","msg":"m","data":{"s":"x","i":-3,"d":2.5,"one":1.0,"b":false,"n":null,"l":[1,"a",[true]],"m":{"k":{"z":0.001}},"big":1e300,"esc":"q\"\\\n\t\u0001<>&\u2028é"},"pid":1,"host":"h"}`,
			want: `{"ts": 1764331200, "level": "warning", "event": "e", "msg": "m", "data": {"s": "x", "i": -3, "d": 2.5, "one": 1.0, "b": false, "n": null, "l": [1, "a", [true]], "m": {"k": {"z": 0.001}}, "big": 1e300, "esc": "q\"\\\n\t\u0001<>&\u2028\u00e9"}, "pid": 1, "host": "h"}`,
		},
		{
			name: "unknown top-level fields stay at top level, in order",
			line: `{"ts":1764331200.000000001,"level":"INFO","event":"e","extra":"x","msg":"m","data":{"a":1},"obj":{"k":[1]},"num":7}`,
			want: `{"ts": 1764331200.000000001, "level": "INFO", "event": "e", "extra": "x", "msg": "m", "data": {"a": 1}, "obj": {"k": [1]}, "num": 7}`,
		},
		{
			name: "a line written for another format keeps its track attributes",
			line: `{"ts":1764331200.5,"level":"CRITICAL","event":"mcp.circuit_breaker.opened","msg":"open","data":{"track.source":"circuit_breaker","track.category":"mcp","track.event_id":"01JDX3K9Q8ZJ5V7M2N4P6R8T0W","track.routes":["eventlog"]},"service":"dashboard","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331"}`,
			want: `{"ts": 1764331200.5, "level": "CRITICAL", "event": "mcp.circuit_breaker.opened", "msg": "open", "data": {"track.source": "circuit_breaker", "track.category": "mcp", "track.event_id": "01JDX3K9Q8ZJ5V7M2N4P6R8T0W", "track.routes": ["eventlog"]}, "service": "dashboard", "trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "b7ad6b7169203331"}`,
		},
		{
			name: "defaults are not filled in",
			line: `{"ts":1764331200,"event":"started"}`,
			want: `{"ts": 1764331200, "event": "started"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, lr := decodeOne(t, JSONEvents, tt.line)
			lr.Attributes().PutEmptySlice(track.AttrRoutes).AppendEmpty().SetStr("eventlog")
			out := AppendJSONEvent(nil, res, lr)
			require.True(t, json.Valid(out), "output is JSON: %s", out)
			assert.Equal(t, tt.want+"\n", string(out))

			var want, got any
			require.NoError(t, json.Unmarshal([]byte(tt.line), &want))
			require.NoError(t, json.Unmarshal(out, &got))
			assert.Equal(t, want, got, "same values")

			res2, lr2 := decodeOne(t, JSONEvents, string(out))
			assert.Equal(t, string(out), string(AppendJSONEvent(nil, res2, lr2)), "fixed point")
		})
	}
}

func TestJSONEventsRoundTripKeepsTypes(t *testing.T) {
	line := `{"ts":1764331200,"event":"e","data":{"one":1.0,"two":2,"big":1e300}}`
	res, lr := decodeOne(t, JSONEvents, line)
	out := AppendJSONEvent(nil, res, lr)
	_, lr2 := decodeOne(t, JSONEvents, string(out))
	for _, k := range []string{"one", "two", "big"} {
		a, _ := lr.Attributes().Get(k)
		b, _ := lr2.Attributes().Get(k)
		assert.Equal(t, a.Type(), b.Type(), "type of %s after %s", k, out)
		assert.Equal(t, a.AsRaw(), b.AsRaw())
	}
}

func TestAppendJSONEventOTLPNative(t *testing.T) {
	res := pcommon.NewResource()
	res.Attributes().PutStr("service.name", "sdk-app")
	res.Attributes().PutInt("process.pid", 99)
	lr := plog.NewLogRecord()
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Unix(1764331200, 250_000_000)))
	lr.SetSeverityNumber(plog.SeverityNumberFatal2)
	lr.Body().SetEmptyMap().PutStr("k", "v")
	lr.Attributes().PutStr("track.routes", "x")
	lr.Attributes().PutDouble("nan", math.NaN())
	lr.Attributes().PutDouble("inf", math.Inf(-1))
	lr.Attributes().PutEmptyBytes("raw").FromRaw([]byte{0xff, 0})
	lr.Attributes().PutStr("bad utf8", "a\xffb")

	out := AppendJSONEvent([]byte("prefix"), res, lr)
	require.True(t, json.Valid(out[len("prefix"):]), "%s", out)
	assert.Equal(t, `prefix{"ts": 1764331200.25, "level": "CRITICAL", "event": "log", "msg": "{\"k\":\"v\"}", "data": {"track.routes": "x", "nan": "NaN", "inf": "-Inf", "raw": "/wA=", "bad utf8": "a\ufffdb"}, "pid": 99, "service": "sdk-app"}`+"\n", string(out))
}

func TestLevelWord(t *testing.T) {
	for n, want := range map[plog.SeverityNumber]string{
		0: "INFO", 1: "TRACE", 4: "TRACE", 5: "DEBUG", 9: "INFO", 12: "INFO", 13: "WARNING",
		17: "ERROR", 20: "ERROR", 21: "CRITICAL", 24: "CRITICAL",
	} {
		assert.Equal(t, want, LevelWord(n), "severity %d", n)
	}
}

// Records of other formats (and OTLP) are written with the upper-case word.
// An OTLP record's SeverityText is free text ("Information" from .NET, "W"
// from some bridges) and may disagree with its SeverityNumber: the line's
// level must still be a legacy word that reads back with the record's
// severity, or old readers (and the eventlog receiver) reject the line.
func TestAppendJSONEventLevelReadsBack(t *testing.T) {
	tests := []struct {
		text      string
		num       plog.SeverityNumber
		wantLevel string
	}{
		{"Information", plog.SeverityNumberInfo, "INFO"},
		{"W", plog.SeverityNumberWarn, "WARNING"},
		{"", plog.SeverityNumberError2, "ERROR"},
		{"INFO", plog.SeverityNumberError, "ERROR"}, // the number wins over a contradicting word
		{"warning", plog.SeverityNumberWarn, "WARNING"},
		{"ERROR", plog.SeverityNumberUnspecified, "ERROR"},
		{"error", plog.SeverityNumberUnspecified, "ERROR"},
		{"Fatal", plog.SeverityNumberFatal, "CRITICAL"},
		{"debug", plog.SeverityNumberDebug, "DEBUG"},
	}
	for _, tt := range tests {
		res := pcommon.NewResource()
		lr := plog.NewLogRecord()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Unix(1764331200, 0)))
		lr.SetEventName("e")
		lr.SetSeverityText(tt.text)
		lr.SetSeverityNumber(tt.num)
		out := AppendJSONEvent(nil, res, lr)
		var line struct {
			Level string `json:"level"`
		}
		require.NoError(t, json.Unmarshal(out, &line), "%s", out)
		assert.Equal(t, tt.wantLevel, line.Level, "text %q, number %d", tt.text, tt.num)
		_, again := decodeOne(t, JSONEvents, string(out))
		want := tt.num
		if want == plog.SeverityNumberUnspecified {
			want = plog.SeverityNumberError
		}
		assert.Equal(t, LevelWord(want), LevelWord(again.SeverityNumber()), "severity through %s", out)
	}
}
