package legacy

import (
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/pyjson"
	"github.com/unitrack/unitrack/internal/track"
)

// defaultJSONEventsService is the service.name a json_events line without a
// "service" field decodes to; AppendJSONEvent leaves it out for that value.
const defaultJSONEventsService = "agent-runner"

// contractKeys are the top-level json_events fields (the common ones and
// jsFields: the json_events spec's slots, set by init) that the encoder
// spells from the record itself; any other top-level key of a line is an
// attribute.
var contractKeys map[string]int

// AppendJSONEvent appends rec as one legacy json_events line (with a trailing
// '\n') to dst and returns the extended buffer, in the style of the legacy
// Python writer (json.dumps defaults: ", " and ": " separators, ensure_ascii,
// Python's float repr). It works for any record, legacy or OTLP-native.
//
// A record decoded from a json_events line is written back as the line it
// came from: its keys in their order, ts and
// level as sent, data without the track.* attributes unitrack added, and the
// text of the values listed in track.legacy.raw. A line that json.dumps
// wrote comes out as the same bytes.
//
// Any other record is written as
//
//	{"ts": 1764331200.123, "level": "ERROR", "event": ..., "component": ...,
//	 "msg": ..., "data": {...}, "pid": ..., "host": ..., "service": ...,
//	 "trace_id": ..., "span_id": ...}
//
// ts is Timestamp (else ObservedTimestamp) in epoch seconds, as Python's
// repr of the float when that reads back to the same nanosecond, else with
// every decimal it needs; level the upper-case word of SeverityNumber (TRACE,
// DEBUG, INFO, WARNING, ERROR, CRITICAL); event the EventName ("log" when
// empty, so the line can be read back); component the attribute
// track.component; msg the body as a string; data every other attribute, the
// track.* ones (source, category, event_id, routes) included; pid, host from
// the resource when present; service unless it is agent-runner; trace_id,
// span_id when set.
func AppendJSONEvent(dst []byte, res pcommon.Resource, lr plog.LogRecord) []byte {
	if fromJSONEventsLine(lr.Attributes()) {
		return appendAsSent(dst, res, lr)
	}
	w := lineWriter{dst: append(dst, '{')}
	w.key("ts")
	w.dst = appendTS(w.dst, recordTime(lr))
	w.key("level")
	w.dst = pyjson.AppendString(w.dst, levelWord(lr))
	w.field(res, lr, "event", pcommon.Slice{})
	w.field(res, lr, "component", pcommon.Slice{})
	w.field(res, lr, "msg", pcommon.Slice{})
	w.key("data")
	w.dst = append(w.dst, '{')
	n := 0
	for k, v := range lr.Attributes().All() {
		if k == track.AttrComponent || strings.HasPrefix(k, track.AttrLegacyPrefix) {
			continue
		}
		w.dst = appendMember(w.dst, n, k, v)
		n++
	}
	w.dst = append(w.dst, '}')
	for _, k := range [...]string{"pid", "host", "service", "trace_id", "span_id"} {
		w.field(res, lr, k, pcommon.Slice{})
	}
	return append(w.dst, '}', '\n')
}

// fromJSONEventsLine reports whether a record was decoded from a json_events
// line: its source says so, or it carries the line's shape (a line whose data
// names another track.source, such as one this encoder wrote for a
// dashboard event, always has data in track.legacy.raw).
func fromJSONEventsLine(attrs pcommon.Map) bool {
	if src, ok := attrs.Get(track.AttrSource); ok && src.Type() == pcommon.ValueTypeStr && src.Str() == string(JSONEvents) {
		return true
	}
	if _, ok := attrs.Get(track.AttrLegacyRaw); ok {
		return true
	}
	_, ok := attrs.Get(track.AttrLegacyKeys)
	return ok
}

// appendAsSent writes a record decoded from a json_events line as that line.
func appendAsSent(dst []byte, res pcommon.Resource, lr plog.LogRecord) []byte {
	attrs := lr.Attributes()
	var raw pcommon.Map
	if v, ok := attrs.Get(track.AttrLegacyRaw); ok && v.Type() == pcommon.ValueTypeMap {
		raw = v.Map()
	}
	w := lineWriter{dst: append(dst, '{'), raw: raw}
	keys, hasKeys := attrs.Get(track.AttrLegacyKeys)
	if !hasKeys || keys.Type() != pcommon.ValueTypeSlice {
		for _, k := range [...]string{"ts", "level", "event", "component", "msg", "data", "pid", "host", "service", "trace_id", "span_id"} {
			w.field(res, lr, k, pcommon.Slice{})
		}
		return append(w.dst, '}', '\n')
	}
	ks := keys.Slice()
	for i := 0; i < ks.Len(); i++ {
		if k := ks.At(i); k.Type() == pcommon.ValueTypeStr {
			w.field(res, lr, k.Str(), ks)
		}
	}
	return append(w.dst, '}', '\n')
}

// lineWriter writes the members of one line's top-level object.
type lineWriter struct {
	dst []byte
	n   int
	raw pcommon.Map // track.legacy.raw, zero when absent
}

func (w *lineWriter) key(k string) {
	if w.n > 0 {
		w.dst = append(w.dst, ", "...)
	}
	w.n++
	w.dst = pyjson.AppendString(w.dst, k)
	w.dst = append(w.dst, ": "...)
}

// field writes top-level member k from the record (or, for a json_events
// line, from track.legacy.raw); a member the record does not have is left
// out. topKeys is the line's key list when it has one.
func (w *lineWriter) field(res pcommon.Resource, lr plog.LogRecord, k string, topKeys pcommon.Slice) {
	if w.raw != (pcommon.Map{}) {
		if v, ok := w.raw.Get(k); ok && v.Type() == pcommon.ValueTypeStr && validJSON(v.Str()) {
			w.key(k)
			w.dst = append(w.dst, v.Str()...)
			return
		}
	}
	attrs := lr.Attributes()
	ra := res.Attributes()
	switch k {
	case "ts":
		w.key(k)
		w.dst = appendTS(w.dst, recordTime(lr))
	case "level":
		w.key(k)
		w.dst = pyjson.AppendString(w.dst, levelOf(lr))
	case "event":
		name := lr.EventName()
		if name == "" {
			name = "log"
		}
		w.key(k)
		w.dst = pyjson.AppendString(w.dst, name)
	case "component":
		w.attr(k, attrs, track.AttrComponent)
	case "msg":
		w.key(k)
		w.dst = pyjson.AppendString(w.dst, lr.Body().AsString())
	case "data":
		w.key(k)
		w.dst = appendSentData(w.dst, attrs, topKeys)
	case "pid":
		w.attr(k, ra, track.AttrProcessPID)
	case "host":
		w.attr(k, ra, track.AttrHostName)
	case "service":
		if v, ok := ra.Get(track.AttrServiceName); ok && (topKeys != (pcommon.Slice{}) || v.AsString() != defaultJSONEventsService) {
			w.key(k)
			w.dst = pyjson.AppendValue(w.dst, v)
		}
	case "trace_id":
		if id := lr.TraceID(); !id.IsEmpty() {
			w.key(k)
			w.dst = pyjson.AppendString(w.dst, id.String())
		}
	case "span_id":
		if id := lr.SpanID(); !id.IsEmpty() {
			w.key(k)
			w.dst = pyjson.AppendString(w.dst, id.String())
		}
	case "event_id":
		w.attr(k, attrs, track.AttrEventID)
	default:
		w.attr(k, attrs, k)
	}
}

func (w *lineWriter) attr(k string, m pcommon.Map, attr string) {
	if v, ok := m.Get(attr); ok {
		w.key(k)
		w.dst = pyjson.AppendValue(w.dst, v)
	}
}

// appendSentData writes the data object of a json_events line: the
// attributes in their order, without the track.* ones (which unitrack added:
// data that had its own is in track.legacy.raw) and without the line's
// unknown top-level fields.
func appendSentData(dst []byte, attrs pcommon.Map, topKeys pcommon.Slice) []byte {
	dst = append(dst, '{')
	n := 0
	for k, v := range attrs.All() {
		if strings.HasPrefix(k, "track.") || isTopLevel(k, topKeys) {
			continue
		}
		dst = appendMember(dst, n, k, v)
		n++
	}
	return append(dst, '}')
}

// isTopLevel reports whether attribute k holds an unknown top-level field of
// the line.
func isTopLevel(k string, topKeys pcommon.Slice) bool {
	if topKeys == (pcommon.Slice{}) {
		return false
	}
	if _, known := contractKeys[k]; known {
		return false
	}
	for i := 0; i < topKeys.Len(); i++ {
		if v := topKeys.At(i); v.Type() == pcommon.ValueTypeStr && v.Str() == k {
			return true
		}
	}
	return false
}

func appendMember(dst []byte, n int, k string, v pcommon.Value) []byte {
	if n > 0 {
		dst = append(dst, ", "...)
	}
	dst = pyjson.AppendString(dst, k)
	dst = append(dst, ": "...)
	return pyjson.AppendValue(dst, v)
}

// validJSON guards the text of track.legacy.raw, which anything in a
// pipeline could have set, before it goes into a line.
func validJSON(s string) bool {
	return s != "" && fastjson.Validate(s) == nil
}

func recordTime(lr plog.LogRecord) uint64 {
	if ts := lr.Timestamp(); ts != 0 {
		return uint64(ts)
	}
	return uint64(lr.ObservedTimestamp())
}

// levelOf is the level of a json_events line: the record's own word when a
// json_events reader understands it and it says what SeverityNumber says
// (a line's "warning" or "Fatal" stays as sent), else the legacy word for
// the number.
func levelOf(lr plog.LogRecord) string {
	text, num := lr.SeverityText(), lr.SeverityNumber()
	if text != "" {
		if n, ok := track.SeverityFromWord(text); ok && (num == plog.SeverityNumberUnspecified || track.SeverityLabel(n) == track.SeverityLabel(num)) {
			return text
		}
	}
	return LevelWord(num)
}

// levelWord is the upper-case legacy word of a record's severity: its
// number, else its text when the number is unset.
func levelWord(lr plog.LogRecord) string {
	num := lr.SeverityNumber()
	if num == plog.SeverityNumberUnspecified {
		if n, ok := track.SeverityFromWord(lr.SeverityText()); ok {
			num = n
		}
	}
	return LevelWord(num)
}

// appendTS writes epoch nanoseconds as seconds the way the legacy writer's
// time.time() comes out of json.dumps (1764331200.123, 1764331200.0) when
// that float reads back to the same nanosecond, else as the exact decimal
// with up to 9 places (1764331200.123456789): a time is never rounded.
func appendTS(dst []byte, ns uint64) []byte {
	var exact [32]byte
	dec := appendEpochSeconds(exact[:0], ns)
	if f, err := strconv.ParseFloat(string(dec), 64); err == nil {
		start := len(dst)
		dst = pyjson.AppendFloat(dst, f)
		if back, ok := epochNanos(dst[start:]); ok && uint64(back) == ns { //nolint:gosec // back >= 0
			return dst
		}
		dst = dst[:start]
	}
	dst = append(dst, dec...)
	if ns%1e9 == 0 {
		dst = append(dst, '.', '0')
	}
	return dst
}

// appendEpochSeconds writes nanoseconds as seconds with a fraction of up to 9
// digits, trailing zeros removed: 1764331200.123, 1764331200.
func appendEpochSeconds(dst []byte, ns uint64) []byte {
	dst = strconv.AppendUint(dst, ns/1e9, 10)
	frac := ns % 1e9
	if frac == 0 {
		return dst
	}
	var digits [9]byte
	for i := 8; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 9
	for n > 0 && digits[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, digits[:n]...)
}
