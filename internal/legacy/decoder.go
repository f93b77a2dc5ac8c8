package legacy

import (
	"sync"
	"time"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

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

// event decodes the event at idx of the body: its fields into slots, the
// fields every format shares, the format's own build, then the record.
// Problems found before the record is written are reported together.
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
	d.sortFields(e, obj)
	e.source = string(d.sp.info.Format)
	e.readCommon()
	d.sp.build(e)
	if len(e.errs) > 0 {
		d.errs = append(d.errs, EventError{Index: idx, Err: joinErrs(e.errs)})
		return
	}
	if err := d.emit(e, idx); err != nil {
		d.errs = append(d.errs, EventError{Index: idx, Err: err})
	}
}

// sortFields puts each top-level field of obj in its format's slot, or with
// the unknown ones. A null known field counts as absent.
func (d *decoder) sortFields(e *event, obj *fastjson.Object) {
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
}

// readCommon reads the fields every format shares (commonFields).
func (e *event) readCommon() {
	e.service = e.str(fieldService)
	e.host = e.str(fieldHost)
	if v := e.get(fieldPID); v != nil {
		e.pid, e.hasPID = parsePID(v, &e.d.buf)
		if !e.hasPID {
			e.failField(fieldPID.name, "an integer process id", v)
		}
	}
	e.eventID = e.idStr(fieldEventID)
	e.hexID(fieldTraceID, e.traceID[:], "32 hex digits")
	e.hexID(fieldSpanID, e.spanID[:], "16 hex digits")
}

// hexID reads the id in f into dst.
func (e *event) hexID(f field, dst []byte, expected string) {
	if v := e.get(f); v != nil {
		if _, ok := hexID(v, dst); !ok {
			e.failField(f.name, expected, v)
		}
	}
}
