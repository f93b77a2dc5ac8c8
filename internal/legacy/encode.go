package legacy

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/pjson"
	"github.com/unitrack/unitrack/internal/track"
)

// defaultJSONEventsService is the service.name a json_events line without a
// "service" field decodes to; AppendJSONEvent leaves it out for that value.
const defaultJSONEventsService = "agent-runner"

// AppendJSONEvent appends rec as one legacy json_events line (with a trailing
// '\n') to dst and returns the extended buffer. It works for any record,
// legacy or OTLP-native:
//
//	ts        Timestamp (else ObservedTimestamp) in epoch seconds, with up to 9
//	          decimals and no trailing zeros
//	level     SeverityText when it is a severity word that agrees with
//	          SeverityNumber (or the number is unset), else
//	          LevelWord(SeverityNumber): the line always reads back
//	          with the record's severity
//	event     EventName ("log" when empty, so the line can be read back)
//	component attribute track.component, when present
//	msg       Body as a string
//	data      every other attribute, track.* routing ones included
//	pid, host resource process.pid and host.name, when present
//	service   resource service.name, unless it is agent-runner (the default)
//	trace_id, span_id  when set
//
// plus, at top level, the fields a decoded json_events line had outside the
// contract (listed in track.AttrLegacyTopLevel). Decoding a json_events line with Decode
// and encoding it again gives back the same fields, with the track.*
// attributes (source, category, event_id) added inside data.
func AppendJSONEvent(dst []byte, res pcommon.Resource, lr plog.LogRecord) []byte {
	ts := lr.Timestamp()
	if ts == 0 {
		ts = lr.ObservedTimestamp()
	}
	dst = append(dst, `{"ts":`...)
	dst = appendEpochSeconds(dst, uint64(ts))

	dst = append(dst, `,"level":`...)
	dst = pjson.AppendString(dst, levelOf(lr))

	dst = append(dst, `,"event":`...)
	name := lr.EventName()
	if name == "" {
		name = "log"
	}
	dst = pjson.AppendString(dst, name)

	attrs := lr.Attributes()
	if c, ok := attrs.Get(track.AttrComponent); ok {
		dst = append(dst, `,"component":`...)
		dst = pjson.AppendValue(dst, c)
	}

	dst = append(dst, `,"msg":`...)
	dst = pjson.AppendString(dst, lr.Body().AsString())

	top, hasTop := attrs.Get(track.AttrLegacyTopLevel)
	var topNames pcommon.Slice
	if hasTop && top.Type() == pcommon.ValueTypeSlice {
		topNames = top.Slice()
	} else {
		hasTop = false
	}
	isTop := func(k string) bool {
		if !hasTop {
			return false
		}
		for i := 0; i < topNames.Len(); i++ {
			if topNames.At(i).Str() == k {
				return true
			}
		}
		return false
	}

	dst = append(dst, `,"data":{`...)
	first := true
	for k, v := range attrs.All() {
		if k == track.AttrComponent || k == track.AttrLegacyTopLevel || isTop(k) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = pjson.AppendString(dst, k)
		dst = append(dst, ':')
		dst = pjson.AppendValue(dst, v)
	}
	dst = append(dst, '}')

	ra := res.Attributes()
	if pid, ok := ra.Get(track.AttrProcessPID); ok {
		dst = append(dst, `,"pid":`...)
		dst = pjson.AppendValue(dst, pid)
	}
	if host, ok := ra.Get(track.AttrHostName); ok {
		dst = append(dst, `,"host":`...)
		dst = pjson.AppendValue(dst, host)
	}
	if svc, ok := ra.Get(track.AttrServiceName); ok && svc.AsString() != defaultJSONEventsService {
		dst = append(dst, `,"service":`...)
		dst = pjson.AppendValue(dst, svc)
	}
	if tid := lr.TraceID(); !tid.IsEmpty() {
		dst = append(dst, `,"trace_id":`...)
		dst = pjson.AppendString(dst, tid.String())
	}
	if sid := lr.SpanID(); !sid.IsEmpty() {
		dst = append(dst, `,"span_id":`...)
		dst = pjson.AppendString(dst, sid.String())
	}
	if hasTop {
		for i := 0; i < topNames.Len(); i++ {
			k := topNames.At(i).Str()
			v, ok := attrs.Get(k)
			if !ok || k == track.AttrComponent {
				continue
			}
			dst = append(dst, ',')
			dst = pjson.AppendString(dst, k)
			dst = append(dst, ':')
			dst = pjson.AppendValue(dst, v)
		}
	}
	return append(dst, '}', '\n')
}

// levelOf is the line's level: the record's own word when a json_events
// reader understands it and it says what SeverityNumber says (legacy records
// keep "warning", "Fatal" as sent), else the legacy word for the number (an
// OTLP SDK's "Information" or a word that contradicts the number).
func levelOf(lr plog.LogRecord) string {
	text, num := lr.SeverityText(), lr.SeverityNumber()
	if text != "" {
		if n, ok := track.SeverityFromWord(text); ok && (num == plog.SeverityNumberUnspecified || track.SeverityLabel(n) == track.SeverityLabel(num)) {
			return text
		}
	}
	return LevelWord(num)
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
