package legacy

import (
	"bytes"
	"encoding/hex"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// Slots of the fields every format shares; each format's own fields follow.
const (
	slotService = iota
	slotHost
	slotPID
	slotEventID
	slotTraceID
	slotSpanID
	nCommon
)

const maxSlots = 24

var commonFields = []string{"service", "host", "pid", "event_id", "trace_id", "span_id"}

// spec is one format's decoding: which top-level fields it knows and how it
// builds a record from them.
type spec struct {
	info  FormatInfo
	slots map[string]int
	build func(e *event) // reports problems with e.fail
	// dataWins: the free-form object carries the record's own attributes
	// (json_events), so its track.* keys are taken as they are.
	dataWins bool
}

func newSpec(f Format, build func(e *event), fields ...string) *spec {
	info, _ := Lookup(f)
	sp := &spec{info: info, slots: map[string]int{}, build: build}
	for i, name := range commonFields {
		sp.slots[name] = i
	}
	for i, name := range fields {
		sp.slots[name] = nCommon + i
	}
	if len(sp.slots) > maxSlots {
		panic("legacy: too many fields for " + string(f))
	}
	return sp
}

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

// str returns the string in slot, "" when absent. A non-string is an error.
func (e *event) str(slot int, field string) string {
	v := e.known[slot]
	if v == nil {
		return ""
	}
	if v.Type() != fastjson.TypeString {
		e.failField(field, "a string", v)
		return ""
	}
	return e.d.stringOf(v)
}

// reqStr is str for a required field: missing or empty is an error.
func (e *event) reqStr(slot int, field string) string {
	v := e.known[slot]
	if v == nil {
		e.errs = append(e.errs, &FieldError{Field: field, Expected: "a non-empty string"})
		return ""
	}
	if v.Type() != fastjson.TypeString {
		e.failField(field, "a non-empty string", v)
		return ""
	}
	s := e.d.stringOf(v)
	if s == "" {
		e.errs = append(e.errs, &FieldError{Field: field, Expected: "a non-empty string", Got: `""`})
	}
	return s
}

// idStr accepts a string or an integer (ids that some senders send as numbers).
func (e *event) idStr(slot int, field string) string {
	v := e.known[slot]
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		return e.d.stringOf(v)
	case fastjson.TypeNumber:
		raw := rawNumber(v, &e.d.buf)
		if isJSONInt(raw) {
			return string(raw)
		}
	}
	e.failField(field, "a string or an integer", v)
	return ""
}

// enum returns the lower-cased value of slot if it is one of allowed.
func (e *event) enum(slot int, field string, required bool, allowed ...string) string {
	v := e.known[slot]
	expected := "one of " + strings.Join(allowed, ", ")
	if v == nil {
		if required {
			e.errs = append(e.errs, &FieldError{Field: field, Expected: expected})
		}
		return ""
	}
	if v.Type() == fastjson.TypeString {
		sb, _ := v.StringBytes()
		for _, a := range allowed {
			if len(sb) == len(a) && strings.EqualFold(string(sb), a) {
				return a
			}
		}
	}
	e.failField(field, expected, v)
	return ""
}

// number checks that slot holds a JSON number and queues it as attribute key
// (keeping integer or double as sent). It returns the value as a float and
// whether it was present and valid.
func (e *event) number(slot int, field, key string) (float64, bool) {
	v := e.known[slot]
	if v == nil {
		return 0, false
	}
	if v.Type() != fastjson.TypeNumber {
		e.failField(field, "a number", v)
		return 0, false
	}
	raw := rawNumber(v, &e.d.buf)
	i, f, isInt, ok := parseNumber(raw)
	if !ok {
		e.failField(field, "a JSON number", v)
		return 0, false
	}
	if isInt {
		e.putInt(key, i)
		return float64(i), true
	}
	e.attrs = append(e.attrs, attr{key: key, kind: kindRaw, raw: v, name: field})
	return f, true
}

// object returns the object in slot, nil when absent; another type is an error.
func (e *event) object(slot int, field string) *fastjson.Object {
	v := e.known[slot]
	if v == nil {
		return nil
	}
	o, err := v.Object()
	if err != nil {
		e.failField(field, "an object", v)
		return nil
	}
	if o.Len() > MaxObjectKeys {
		e.fail(tooManyKeys(field, o))
		return nil
	}
	return o
}

// time sets the record time from slot when present and valid.
func (e *event) time(slot int, field string) bool {
	v := e.known[slot]
	if v == nil {
		return false
	}
	ns, ok := parseTime(v, &e.d.buf)
	if !ok {
		e.failField(field, timeExpected, v)
		return false
	}
	// 0 is "unset" in OTLP: the epoch itself counts as no time.
	e.ts, e.hasTS = ns, ns != 0
	return true
}

// keepUnused puts a known field that the format did not consume back as an
// attribute under its own name.
func (e *event) keepUnused(slot int, field string) {
	if v := e.known[slot]; v != nil {
		e.putRaw(field, field, v)
	}
}

// decoder holds the output of one Decode call.
type decoder struct {
	sp       *spec
	observed pcommon.Timestamp
	obsTime  time.Time
	logs     plog.Logs
	errs     []EventError
	groups   map[resKey]plog.ScopeLogs
	lastKey  resKey
	lastSL   plog.ScopeLogs
	hasLast  bool
	ev       event
	buf      []byte
	removed  bool
	strs     map[string]string // interned strings, kept while pooled
	// respelled: setValue met a number that json.dumps would spell
	// differently (json_events only).
	respelled bool
	ids       IDFunc // derives ids of events without one; nil mints
}

type resKey struct {
	service, host string
	pid           int64
	hasPID        bool
}

var decoderPool = sync.Pool{New: func() any {
	d := &decoder{}
	d.ev.d = d
	return d
}}

func newDecoder(sp *spec, observed time.Time) *decoder {
	d := decoderPool.Get().(*decoder)
	d.sp = sp
	d.observed = pcommon.NewTimestampFromTime(observed)
	d.obsTime = observed
	d.logs = plog.NewLogs()
	d.errs = nil
	d.hasLast, d.removed = false, false
	return d
}

// finish returns the results and gives the decoder back to the pool.
func (d *decoder) finish() (plog.Logs, []EventError, error) {
	if d.removed {
		d.logs.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
			return rl.ScopeLogs().At(0).LogRecords().Len() == 0
		})
	}
	logs, errs := d.logs, d.errs
	d.release()
	return logs, errs, nil
}

// release drops every reference to the output and the parsed body.
func (d *decoder) release() {
	d.logs, d.errs, d.lastSL, d.hasLast = plog.Logs{}, nil, plog.ScopeLogs{}, false
	d.ids = nil
	clear(d.groups)
	d.ev.reset()
	d.sp = nil
	decoderPool.Put(d)
}

func (d *decoder) event(idx int, v *fastjson.Value) {
	obj, err := v.Object()
	if err != nil {
		d.errs = append(d.errs, EventError{Index: idx, Err: &FieldError{Expected: "each event to be a JSON object", Got: describe(v, &d.buf)}})
		return
	}
	if obj.Len() > MaxObjectKeys {
		d.errs = append(d.errs, EventError{Index: idx, Err: tooManyKeys("", obj)})
		return
	}
	e := &d.ev
	e.reset()
	slots := d.sp.slots
	obj.Visit(func(k []byte, val *fastjson.Value) {
		if d.sp.dataWins {
			e.shape.keys = append(e.shape.keys, d.intern(k))
		}
		if slot, ok := slots[string(k)]; ok {
			if val.Type() == fastjson.TypeNull {
				e.known[slot] = nil
				if d.sp.dataWins {
					e.shape.raw(d.intern(k), "null")
				}
			} else {
				e.known[slot] = val
			}
			return
		}
		e.unk = append(e.unk, unknownField{key: k, v: val})
	})

	e.source = string(d.sp.info.Format)
	e.service = e.str(slotService, "service")
	e.host = e.str(slotHost, "host")
	if v := e.known[slotPID]; v != nil {
		e.pid, e.hasPID = parsePID(v, &d.buf)
		if !e.hasPID {
			e.failField("pid", "an integer process id", v)
		}
	}
	e.eventID = e.idStr(slotEventID, "event_id")
	if v := e.known[slotTraceID]; v != nil {
		if _, ok := hexID(v, e.traceID[:]); !ok {
			e.failField("trace_id", "32 hex digits", v)
		}
	}
	if v := e.known[slotSpanID]; v != nil {
		if _, ok := hexID(v, e.spanID[:]); !ok {
			e.failField("span_id", "16 hex digits", v)
		}
	}
	d.sp.build(e)
	if len(e.errs) > 0 {
		d.errs = append(d.errs, EventError{Index: idx, Err: joinErrs(e.errs)})
		return
	}
	if err := d.emit(e, idx); err != nil {
		d.errs = append(d.errs, EventError{Index: idx, Err: err})
	}
}

func (d *decoder) scopeLogs(k resKey) plog.ScopeLogs {
	if d.hasLast && d.lastKey == k {
		return d.lastSL
	}
	sl, ok := d.groups[k]
	if !ok {
		rl := d.logs.ResourceLogs().AppendEmpty()
		ra := rl.Resource().Attributes()
		ra.EnsureCapacity(3)
		ra.PutStr(track.AttrServiceName, k.service)
		if k.host != "" {
			ra.PutStr(track.AttrHostName, k.host)
		}
		if k.hasPID {
			ra.PutInt(track.AttrProcessPID, k.pid)
		}
		sl = rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName(ScopeName)
		if d.groups == nil {
			d.groups = make(map[resKey]plog.ScopeLogs, 2)
		}
		d.groups[k] = sl
	}
	d.lastKey, d.lastSL, d.hasLast = k, sl, true
	return sl
}

func (d *decoder) emit(e *event, idx int) error {
	service := e.service
	if service == "" {
		service = d.sp.info.DefaultService
	}
	sl := d.scopeLogs(resKey{service: service, host: e.host, pid: e.pid, hasPID: e.hasPID})
	lrs := sl.LogRecords()
	lr := lrs.AppendEmpty()
	lr.SetObservedTimestamp(d.observed)
	ts := d.observed
	if e.hasTS {
		ts = pcommon.Timestamp(e.ts)
	}
	lr.SetTimestamp(ts)
	lr.SetEventName(e.name)
	lr.SetSeverityNumber(e.sevNum)
	lr.SetSeverityText(e.sevText)
	lr.Body().SetStr(e.body)
	if !e.traceID.IsEmpty() {
		lr.SetTraceID(e.traceID)
	}
	if !e.spanID.IsEmpty() {
		lr.SetSpanID(e.spanID)
	}
	eventID := e.eventID
	switch {
	case eventID != "":
	case d.ids != nil:
		var own time.Time
		if e.hasTS {
			own = ts.AsTime()
		}
		eventID = d.ids(idx, own)
	default:
		eventID = track.NewEventID(ts.AsTime())
	}

	attrs := lr.Attributes()
	n := 3 + len(e.attrs) + len(e.unk)
	for _, f := range e.flat {
		n += f.obj.Len()
	}
	attrs.EnsureCapacity(n + 2)
	attrs.PutStr(track.AttrSource, e.source)
	attrs.PutStr(track.AttrCategory, e.category)
	attrs.PutStr(track.AttrEventID, eventID)
	for i := range e.attrs {
		a := &e.attrs[i]
		switch a.kind {
		case kindStr:
			attrs.PutStr(a.key, a.str)
		case kindInt:
			attrs.PutInt(a.key, a.i)
		case kindBool:
			attrs.PutBool(a.key, a.b)
		case kindRaw:
			if err := d.setValue(attrs.PutEmpty(a.key), a.raw); err != nil {
				return d.drop(lrs, prefixField(err, a.name))
			}
		}
	}
	for _, f := range e.flat {
		var err error
		d.respelled = false
		f.obj.Visit(func(k []byte, v *fastjson.Value) {
			if err != nil {
				return
			}
			name := d.intern(k)
			key := name
			if f.prefix != "" {
				key = f.prefix + name
			}
			dst, exists := attrs.GetOrPutEmpty(key)
			if d.sp.dataWins {
				e.shape.dataKey(key, exists)
			}
			if exists {
				return
			}
			if err = d.setValue(dst, v); err != nil {
				err = prefixField(prefixField(err, name), f.field)
			}
		})
		if err != nil {
			return d.drop(lrs, err)
		}
		if d.sp.dataWins {
			e.shape.data(f.obj, d.respelled)
		}
	}
	for i, u := range e.unk {
		key := d.intern(u.key)
		dst, exists := attrs.GetOrPutEmpty(key)
		if exists {
			// A key repeated at the top level keeps its first value (and is
			// written back with it); only a clash with data keeps its text.
			if d.sp.dataWins && !repeatsUnknown(e.unk[:i], u.key) {
				e.shape.topCollides(key, u.v, &d.buf)
			}
			continue
		}
		d.respelled = false
		if err := d.setValue(dst, u.v); err != nil {
			return d.drop(lrs, prefixField(err, key))
		}
		if d.sp.dataWins {
			e.shape.top(key, u.v, d.respelled, &d.buf)
		}
	}
	if d.sp.dataWins {
		e.writeShape(attrs)
	}
	return nil
}

// repeatsUnknown reports whether key is one of the unknown top-level fields
// before it (a line with a duplicate key; json.dumps never writes one).
func repeatsUnknown(before []unknownField, key []byte) bool {
	for _, u := range before {
		if bytes.Equal(u.key, key) {
			return true
		}
	}
	return false
}

// drop removes the record being written (the last one) after a late error.
func (d *decoder) drop(lrs plog.LogRecordSlice, err error) error {
	n := lrs.Len()
	i := 0
	lrs.RemoveIf(func(plog.LogRecord) bool {
		i++
		return i == n
	})
	if n == 1 {
		d.removed = true
	}
	return err
}

// setValue writes a JSON value as a pcommon value: strings, integers (int),
// other numbers (double), booleans, null (empty), objects (map), arrays (slice).
// Errors are *FieldError with the path below v; callers prefix it.
func (d *decoder) setValue(dst pcommon.Value, v *fastjson.Value) error {
	switch v.Type() {
	case fastjson.TypeString:
		dst.SetStr(d.stringOf(v))
	case fastjson.TypeNumber:
		raw := rawNumber(v, &d.buf)
		i, f, isInt, ok := parseNumber(raw)
		if !ok {
			return &FieldError{Expected: "a JSON number", Got: "number " + trunc(string(raw))}
		}
		if isInt {
			dst.SetInt(i)
		} else {
			dst.SetDouble(f)
		}
		if d.sp.dataWins && !d.respelled && !spelledAsPython(raw, i, f, isInt) {
			d.respelled = true
		}
	case fastjson.TypeTrue:
		dst.SetBool(true)
	case fastjson.TypeFalse:
		dst.SetBool(false)
	case fastjson.TypeNull:
		// stays empty
	case fastjson.TypeObject:
		o, _ := v.Object()
		if o.Len() > MaxObjectKeys {
			return tooManyKeys("", o)
		}
		m := dst.SetEmptyMap()
		m.EnsureCapacity(o.Len())
		var err error
		o.Visit(func(k []byte, ev *fastjson.Value) {
			if err != nil {
				return
			}
			key := d.intern(k)
			if err = d.setValue(m.PutEmpty(key), ev); err != nil {
				err = prefixField(err, key)
			}
		})
		return err
	case fastjson.TypeArray:
		arr, _ := v.Array()
		s := dst.SetEmptySlice()
		s.EnsureCapacity(len(arr))
		for i, ev := range arr {
			if err := d.setValue(s.AppendEmpty(), ev); err != nil {
				return prefixField(err, "["+itoa(i)+"]")
			}
		}
	}
	return nil
}

// MaxObjectKeys bounds the keys of one JSON object (an event or a value in
// it): pcommon maps look keys up linearly, so a huge object would cost
// quadratic time.
const MaxObjectKeys = 1000

func tooManyKeys(field string, o *fastjson.Object) error {
	return &FieldError{Field: field, Expected: "an object with at most " + itoa(MaxObjectKeys) + " keys", Got: itoa(o.Len()) + " keys"}
}

// prefixField puts p in front of the path of a *FieldError.
func prefixField(err error, p string) error {
	fe, ok := err.(*FieldError)
	if !ok {
		return err
	}
	switch {
	case fe.Field == "":
		fe.Field = p
	case fe.Field[0] == '[':
		fe.Field = p + fe.Field
	case p != "" && p[0] == '[':
		fe.Field = p + "." + fe.Field
	default:
		fe.Field = p + "." + fe.Field
	}
	return err
}

func itoa(i int) string {
	var b [20]byte
	return string(appendInt(b[:0], int64(i)))
}

func appendInt(b []byte, i int64) []byte {
	if i < 0 {
		b = append(b, '-')
		i = -i
	}
	var tmp [20]byte
	n := len(tmp)
	for {
		n--
		tmp[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return append(b, tmp[n:]...)
}

func keyString(k []byte) string {
	if utf8.Valid(k) {
		return string(k)
	}
	return strings.ToValidUTF8(string(k), "\uFFFD")
}

// stringOf is the string value of v with invalid UTF-8 replaced.
func (d *decoder) stringOf(v *fastjson.Value) string {
	sb, _ := v.StringBytes()
	return d.intern(sb)
}

const (
	maxInternLen     = 48
	maxInternEntries = 4096
)

// intern returns b as a string, sharing one copy of the short strings that
// repeat from event to event (keys, categories, server names) so that a batch
// allocates them once.
func (d *decoder) intern(b []byte) string {
	if len(b) > maxInternLen {
		return keyString(b)
	}
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	if d.strs == nil {
		d.strs = make(map[string]string, 64)
	} else if len(d.strs) >= maxInternEntries {
		clear(d.strs)
	}
	s := keyString(b)
	d.strs[s] = s
	return s
}

func rawNumber(v *fastjson.Value, buf *[]byte) []byte {
	*buf = v.MarshalTo((*buf)[:0])
	return *buf
}

func parsePID(v *fastjson.Value, buf *[]byte) (int64, bool) {
	var raw []byte
	switch v.Type() {
	case fastjson.TypeNumber:
		raw = rawNumber(v, buf)
	case fastjson.TypeString:
		raw, _ = v.StringBytes()
	default:
		return 0, false
	}
	if !isJSONInt(raw) || raw[0] == '-' {
		return 0, false
	}
	i, _, isInt, ok := parseNumber(raw)
	return i, ok && isInt
}

// hexID decodes a hex string into dst (whose length is the id's). An empty
// string counts as absent.
func hexID(v *fastjson.Value, dst []byte) (set, ok bool) {
	if v.Type() != fastjson.TypeString {
		return false, false
	}
	sb, _ := v.StringBytes()
	if len(sb) == 0 {
		return false, true
	}
	if len(sb) != 2*len(dst) {
		return false, false
	}
	if _, err := hex.Decode(dst, sb); err != nil {
		return false, false
	}
	return true, true
}

// describe renders what was sent, for error messages.
func describe(v *fastjson.Value, buf *[]byte) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		sb, _ := v.StringBytes()
		return quoteTrunc(string(sb))
	case fastjson.TypeNumber:
		return "number " + trunc(string(rawNumber(v, buf)))
	case fastjson.TypeObject:
		return "an object"
	case fastjson.TypeArray:
		return "an array"
	default:
		return v.Type().String()
	}
}

func trunc(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func quoteTrunc(s string) string {
	if len(s) > 64 {
		s = strings.ToValidUTF8(s[:64], "") + "..."
	}
	return `"` + strings.ToValidUTF8(strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s), "\uFFFD") + `"`
}

type multiErr []error

func (m multiErr) Error() string {
	var b strings.Builder
	for i, e := range m {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

func (m multiErr) Unwrap() []error { return m }

func joinErrs(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return multiErr(append([]error(nil), errs...))
}
