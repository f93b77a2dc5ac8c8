package legacy

import (
	"bytes"
	"time"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// scopeLogs is the one ScopeLogs of resource k, made on first use; events of
// one sender come in runs, so the last one is kept at hand.
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

// emit appends e as a log record of its resource's scope. A value that
// fails only now (a nested one, checked while it is written) drops the
// record again and is returned.
func (d *decoder) emit(e *event, idx int) error {
	lrs := d.scopeLogs(d.resourceOf(e)).LogRecords()
	lr := lrs.AppendEmpty()
	ts := d.setRecord(lr, e)

	attrs := lr.Attributes()
	attrs.EnsureCapacity(e.attrCount() + 2)
	attrs.PutStr(track.AttrSource, e.source)
	attrs.PutStr(track.AttrCategory, e.category)
	attrs.PutStr(track.AttrEventID, d.eventID(e, idx, ts))
	if err := d.putAttrs(attrs, e.attrs); err != nil {
		return d.drop(lrs, err)
	}
	for _, f := range e.flat {
		if err := d.putFlat(attrs, e, f); err != nil {
			return d.drop(lrs, err)
		}
	}
	if err := d.putUnknown(attrs, e); err != nil {
		return d.drop(lrs, err)
	}
	if d.sp.dataWins {
		e.writeShape(attrs)
	}
	return nil
}

// resourceOf is the resource e belongs to; a missing service is the
// format's default.
func (d *decoder) resourceOf(e *event) resKey {
	service := e.service
	if service == "" {
		service = d.sp.info.DefaultService
	}
	return resKey{service: service, host: e.host, pid: e.pid, hasPID: e.hasPID}
}

// setRecord writes the record's own fields (all but attributes) and returns
// its time: the event's, else the observed time.
func (d *decoder) setRecord(lr plog.LogRecord, e *event) pcommon.Timestamp {
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
	return ts
}

// eventID is the sender's event_id, else one derived by d.ids, else a fresh
// ULID at the record's time.
func (d *decoder) eventID(e *event, idx int, ts pcommon.Timestamp) string {
	switch {
	case e.eventID != "":
		return e.eventID
	case d.ids != nil:
		var own time.Time
		if e.hasTS {
			own = ts.AsTime()
		}
		return d.ids(idx, own)
	default:
		return track.NewEventID(ts.AsTime())
	}
}

// attrCount is how many attributes e's record gets at most, the three
// track.* ones included.
func (e *event) attrCount() int {
	n := 3 + len(e.attrs) + len(e.unk)
	for _, f := range e.flat {
		n += f.obj.Len()
	}
	return n
}

// putAttrs writes the attributes the format's build queued.
func (d *decoder) putAttrs(attrs pcommon.Map, queued []attr) error {
	for i := range queued {
		a := &queued[i]
		switch a.kind {
		case kindStr:
			attrs.PutStr(a.key, a.str)
		case kindInt:
			attrs.PutInt(a.key, a.i)
		case kindBool:
			attrs.PutBool(a.key, a.b)
		case kindRaw:
			if err := d.setValue(attrs.PutEmpty(a.key), a.raw); err != nil {
				return prefixField(err, a.name)
			}
		}
	}
	return nil
}

// putFlat writes the keys of a free-form object as attributes; a key the
// record already has keeps its first value.
func (d *decoder) putFlat(attrs pcommon.Map, e *event, f flatObject) error {
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
		return err
	}
	if d.sp.dataWins {
		e.shape.data(f.obj, d.respelled)
	}
	return nil
}

// putUnknown writes the top-level fields the format does not know as
// attributes under their own names.
func (d *decoder) putUnknown(attrs pcommon.Map, e *event) error {
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
			return prefixField(err, key)
		}
		if d.sp.dataWins {
			e.shape.top(key, u.v, d.respelled, &d.buf)
		}
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
