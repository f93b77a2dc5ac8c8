package legacy

import (
	"bytes"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/unitrack/unitrack/internal/pyjson"
	"github.com/unitrack/unitrack/internal/track"
)

// lineShape is what a json_events line had that its record cannot otherwise
// say, so that AppendJSONEvent can write the line again byte for byte: the
// top-level key order, and the JSON text of values the record spells
// differently (see track.AttrLegacyKeys and track.AttrLegacyRaw). Python's
// json.dumps is the writer of these lines, so a value is re-spelled in its
// style; only what that style cannot reproduce is kept as text.
type lineShape struct {
	keys    []string // top-level keys, in the line's order
	raws    []rawText
	dataObj *fastjson.Object
	// dataRaw: the data object cannot be rebuilt from the attributes (it has
	// track.* keys, a key an unknown top-level field also uses, or numbers
	// json.dumps would spell otherwise).
	dataRaw bool
}

type rawText struct{ key, text string }

func (s *lineShape) reset() {
	s.keys, s.raws, s.dataObj, s.dataRaw = s.keys[:0], s.raws[:0], nil, false
}

func (s *lineShape) raw(key, text string) {
	for i := range s.raws {
		if s.raws[i].key == key {
			s.raws[i].text = text
			return
		}
	}
	s.raws = append(s.raws, rawText{key, text})
}

// dataKey notes one key of data: track.* keys are the ones unitrack adds, so
// the encoder leaves them out of data unless data is written as sent.
func (s *lineShape) dataKey(key string, collides bool) {
	if collides || strings.HasPrefix(key, "track.") {
		s.dataRaw = true
	}
}

func (s *lineShape) data(o *fastjson.Object, respelled bool) {
	s.dataObj = o
	if respelled {
		s.dataRaw = true
	}
}

// top notes an unknown top-level field stored as attribute key.
func (s *lineShape) top(key string, v *fastjson.Value, respelled bool, buf *[]byte) {
	if respelled || strings.HasPrefix(key, "track.") {
		s.raw(key, string(appendPyJSON(nil, v, buf)))
	}
}

// topCollides notes an unknown top-level field whose name an attribute
// already has (a data key, or a track.* one): it keeps its text, and data,
// whose attribute it is then, is written as sent.
func (s *lineShape) topCollides(key string, v *fastjson.Value, buf *[]byte) {
	s.raw(key, string(appendPyJSON(nil, v, buf)))
	if !strings.HasPrefix(key, "track.") {
		s.dataRaw = true
	}
}

// captureShape notes the contract fields of a json_events line whose text
// the encoder would not write again from the record.
func (e *event) captureShape() {
	d, s := e.d, &e.shape
	if v := e.get(jsTS); v != nil {
		text := appendPyJSON(nil, v, &d.buf)
		var canon [40]byte
		if !e.hasTS || !bytes.Equal(text, appendTS(canon[:0], uint64(e.ts))) { //nolint:gosec // ts >= 0
			s.raw(jsTS.name, string(text))
		}
	}
	if v := e.get(fieldPID); v != nil && e.hasPID {
		var canon [20]byte
		if v.Type() != fastjson.TypeNumber || !bytes.Equal(rawNumber(v, &d.buf), strconv.AppendInt(canon[:0], e.pid, 10)) {
			s.raw(fieldPID.name, string(appendPyJSON(nil, v, &d.buf)))
		}
	}
	if e.has(fieldHost) && e.host == "" {
		s.raw(fieldHost.name, `""`)
	}
	if e.has(fieldService) && e.service == "" {
		s.raw(fieldService.name, `""`)
	}
	for _, id := range [...]struct {
		f   field
		hex []byte
	}{{fieldTraceID, e.traceID[:]}, {fieldSpanID, e.spanID[:]}} {
		v := e.get(id.f)
		if v == nil || v.Type() != fastjson.TypeString {
			continue
		}
		// An all-zero id is no id in OTLP: the record cannot say it.
		if sb, _ := v.StringBytes(); isZero(id.hex) || hex.EncodeToString(id.hex) != string(sb) {
			s.raw(id.f.name, string(appendPyJSON(nil, v, &d.buf)))
		}
	}
	if v := e.get(fieldEventID); v != nil && (v.Type() != fastjson.TypeString || e.eventID == "") {
		s.raw(fieldEventID.name, string(appendPyJSON(nil, v, &d.buf)))
	}
}

// defaultShape reports whether the line's keys are the ones, in the order,
// that AppendJSONEvent writes for the record when it has no key list.
func (e *event) defaultShape() bool {
	var want [11]string
	n := 0
	add := func(k string, present bool) {
		if present {
			want[n] = k
			n++
		}
	}
	add("ts", true)
	add("level", true)
	add("event", true)
	add("component", e.has(jsComponent))
	add("msg", true)
	add("data", true)
	add("pid", e.hasPID)
	add("host", e.host != "")
	add("service", e.service != "" && e.service != defaultJSONEventsService)
	add("trace_id", !e.traceID.IsEmpty())
	add("span_id", !e.spanID.IsEmpty())
	return slices.Equal(want[:n], e.shape.keys)
}

// writeShape puts the line's shape on the record, only where it is needed.
func (e *event) writeShape(attrs pcommon.Map) {
	s := &e.shape
	if s.dataRaw && s.dataObj != nil {
		var b []byte
		s.raw("data", string(appendPyObject(b, s.dataObj, &e.d.buf)))
	}
	if !e.defaultShape() {
		sl := attrs.PutEmptySlice(track.AttrLegacyKeys)
		sl.EnsureCapacity(len(s.keys))
		for _, k := range s.keys {
			sl.AppendEmpty().SetStr(k)
		}
	}
	if len(s.raws) > 0 {
		m := attrs.PutEmptyMap(track.AttrLegacyRaw)
		m.EnsureCapacity(len(s.raws))
		for _, r := range s.raws {
			m.PutStr(r.key, r.text)
		}
	}
}

// spelledAsPython reports whether json.dumps writes the decoded number as
// raw: integers in decimal, doubles as their repr.
func spelledAsPython(raw []byte, i int64, f float64, isInt bool) bool {
	var canon [32]byte
	if isInt {
		return bytes.Equal(raw, strconv.AppendInt(canon[:0], i, 10))
	}
	return bytes.Equal(raw, pyjson.AppendFloat(canon[:0], f))
}

// appendPyJSON writes a parsed JSON value in json.dumps style, numbers
// exactly as sent.
func appendPyJSON(dst []byte, v *fastjson.Value, buf *[]byte) []byte {
	switch v.Type() {
	case fastjson.TypeString:
		sb, _ := v.StringBytes()
		return pyjson.AppendString(dst, string(sb))
	case fastjson.TypeNumber:
		return append(dst, rawNumber(v, buf)...)
	case fastjson.TypeTrue:
		return append(dst, "true"...)
	case fastjson.TypeFalse:
		return append(dst, "false"...)
	case fastjson.TypeObject:
		o, _ := v.Object()
		return appendPyObject(dst, o, buf)
	case fastjson.TypeArray:
		arr, _ := v.Array()
		dst = append(dst, '[')
		for i, ev := range arr {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendPyJSON(dst, ev, buf)
		}
		return append(dst, ']')
	default:
		return append(dst, "null"...)
	}
}

func appendPyObject(dst []byte, o *fastjson.Object, buf *[]byte) []byte {
	dst = append(dst, '{')
	first := true
	o.Visit(func(k []byte, ev *fastjson.Value) {
		if !first {
			dst = append(dst, ", "...)
		}
		first = false
		dst = pyjson.AppendString(dst, string(k))
		dst = append(dst, ": "...)
		dst = appendPyJSON(dst, ev, buf)
	})
	return append(dst, '}')
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
