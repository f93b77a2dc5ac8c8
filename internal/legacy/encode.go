package legacy

import (
	"encoding/base64"
	"math"
	"strconv"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

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
//	level     SeverityText if set, else LevelWord(SeverityNumber)
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
	level := lr.SeverityText()
	if level == "" {
		level = LevelWord(lr.SeverityNumber())
	}
	dst = appendString(dst, level)

	dst = append(dst, `,"event":`...)
	name := lr.EventName()
	if name == "" {
		name = "log"
	}
	dst = appendString(dst, name)

	attrs := lr.Attributes()
	if c, ok := attrs.Get(track.AttrComponent); ok {
		dst = append(dst, `,"component":`...)
		dst = appendValue(dst, c)
	}

	dst = append(dst, `,"msg":`...)
	dst = appendString(dst, lr.Body().AsString())

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
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendValue(dst, v)
	}
	dst = append(dst, '}')

	ra := res.Attributes()
	if pid, ok := ra.Get(track.AttrProcessPID); ok {
		dst = append(dst, `,"pid":`...)
		dst = appendValue(dst, pid)
	}
	if host, ok := ra.Get(track.AttrHostName); ok {
		dst = append(dst, `,"host":`...)
		dst = appendValue(dst, host)
	}
	if svc, ok := ra.Get(track.AttrServiceName); ok && svc.AsString() != defaultJSONEventsService {
		dst = append(dst, `,"service":`...)
		dst = appendValue(dst, svc)
	}
	if tid := lr.TraceID(); !tid.IsEmpty() {
		dst = append(dst, `,"trace_id":`...)
		dst = appendString(dst, tid.String())
	}
	if sid := lr.SpanID(); !sid.IsEmpty() {
		dst = append(dst, `,"span_id":`...)
		dst = appendString(dst, sid.String())
	}
	if hasTop {
		for i := 0; i < topNames.Len(); i++ {
			k := topNames.At(i).Str()
			v, ok := attrs.Get(k)
			if !ok || k == track.AttrComponent {
				continue
			}
			dst = append(dst, ',')
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendValue(dst, v)
		}
	}
	return append(dst, '}', '\n')
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

func appendValue(dst []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return appendString(dst, v.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(dst, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		return appendFloat(dst, v.Double())
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(dst, v.Bool())
	case pcommon.ValueTypeMap:
		dst = append(dst, '{')
		first := true
		for k, mv := range v.Map().All() {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendValue(dst, mv)
		}
		return append(dst, '}')
	case pcommon.ValueTypeSlice:
		dst = append(dst, '[')
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, s.At(i))
		}
		return append(dst, ']')
	case pcommon.ValueTypeBytes:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.Bytes().AsRaw())
		return append(dst, '"')
	default:
		return append(dst, "null"...)
	}
}

// appendFloat writes a double so that it reads back as a double: integral
// values get ".0"; NaN and infinities, which JSON cannot hold, become strings.
func appendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Inf"`...)
	}
	start := len(dst)
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	for _, c := range dst[start:] {
		if c == '.' || c == 'e' {
			return dst
		}
	}
	return append(dst, '.', '0')
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
