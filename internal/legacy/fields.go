package legacy

import (
	"strings"

	"github.com/valyala/fastjson"
)

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
