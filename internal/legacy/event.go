package legacy

import (
	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

type unknownField struct {
	key []byte // valid until the parser is reused
	v   *fastjson.Value
}

// flatObject is a free-form object whose keys become attributes.
type flatObject struct {
	field  string // its name, for errors
	prefix string // prepended to each key (anomaly.)
	obj    *fastjson.Object
}

type attrKind uint8

const (
	kindStr attrKind = iota
	kindInt
	kindBool
	kindRaw
)

type attr struct {
	key  string
	kind attrKind
	str  string
	i    int64
	b    bool
	raw  *fastjson.Value
	name string // the field's name as sent, for errors of raw values
}

// event is the decoding state of one event; the decoder reuses it.
type event struct {
	d     *decoder
	known [maxSlots]*fastjson.Value
	unk   []unknownField
	errs  []error
	attrs []attr
	flat  []flatObject
	shape lineShape // json_events only: what re-spelling the line needs

	service, host string
	pid           int64
	hasPID        bool

	name     string
	body     string
	sevNum   plog.SeverityNumber
	sevText  string
	ts       int64
	hasTS    bool
	category string
	source   string
	eventID  string
	traceID  pcommon.TraceID
	spanID   pcommon.SpanID
}

func (e *event) reset() {
	e.known = [maxSlots]*fastjson.Value{}
	e.unk = e.unk[:0]
	e.errs = e.errs[:0]
	e.attrs = e.attrs[:0]
	e.flat = e.flat[:0]
	e.service, e.host, e.pid, e.hasPID = "", "", 0, false
	e.name, e.body, e.sevNum, e.sevText = "", "", 0, ""
	e.ts, e.hasTS, e.category, e.source, e.eventID = 0, false, "", "", ""
	e.traceID, e.spanID = pcommon.TraceID{}, pcommon.SpanID{}
	e.shape.reset()
}

func (e *event) fail(err error) { e.errs = append(e.errs, err) }

func (e *event) failField(field, expected string, got *fastjson.Value) {
	e.errs = append(e.errs, &FieldError{Field: field, Expected: expected, Got: describe(got, &e.d.buf)})
}

func (e *event) putStr(key, v string) {
	e.attrs = append(e.attrs, attr{key: key, kind: kindStr, str: v})
}
func (e *event) putInt(key string, v int64) {
	e.attrs = append(e.attrs, attr{key: key, kind: kindInt, i: v})
}
func (e *event) putBool(key string, v bool) {
	e.attrs = append(e.attrs, attr{key: key, kind: kindBool, b: v})
}
func (e *event) putRaw(key, field string, v *fastjson.Value) {
	e.attrs = append(e.attrs, attr{key: key, kind: kindRaw, raw: v, name: field})
}
