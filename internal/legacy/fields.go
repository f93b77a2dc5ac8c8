package legacy

import (
	"strings"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
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

// enumWord is one word an enum field allows and the severity it gives the
// record (unset for enums that set none).
type enumWord struct {
	word string
	sev  plog.SeverityNumber
}

// enum is the words of one enum field, as a table.
type enum struct {
	words    []enumWord
	expected string // "one of a, b", for errors
}

func newEnum(words ...enumWord) *enum {
	names := make([]string, len(words))
	for i, w := range words {
		names[i] = w.word
	}
	return &enum{words: words, expected: "one of " + strings.Join(names, ", ")}
}

// enum returns the word of en that slot holds (matched case-insensitively),
// the zero enumWord when it is absent or not one of them.
func (e *event) enum(slot int, field string, required bool, en *enum) enumWord {
	v := e.known[slot]
	if v == nil {
		if required {
			e.errs = append(e.errs, &FieldError{Field: field, Expected: en.expected})
		}
		return enumWord{}
	}
	if v.Type() == fastjson.TypeString {
		sb, _ := v.StringBytes()
		for _, w := range en.words {
			if len(sb) == len(w.word) && strings.EqualFold(string(sb), w.word) {
				return w
			}
		}
	}
	e.failField(field, en.expected, v)
	return enumWord{}
}

// severityWord sets the record's severity from a level word in slot (kept
// as sent), or to info spelled def when the field is absent.
func (e *event) severityWord(slot int, field, def string) {
	e.sevText, e.sevNum = def, plog.SeverityNumberInfo
	v := e.known[slot]
	if v == nil {
		return
	}
	word := e.str(slot, field)
	if v.Type() != fastjson.TypeString {
		return
	}
	if n, ok := track.SeverityFromWord(word); ok {
		e.sevNum, e.sevText = n, word
	} else {
		e.failField(field, track.SeverityWordsExpected, v)
	}
}

// optStr is str for a field that becomes attribute key when it is sent.
func (e *event) optStr(slot int, field, key string) string {
	s := e.str(slot, field)
	if e.known[slot] != nil {
		e.putStr(key, s)
	}
	return s
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

// severity sets a severity that the format derives (from an enum word), with
// its upper-case level word as the text.
func (e *event) severity(n plog.SeverityNumber) {
	e.sevNum = n
	e.sevText = LevelWord(n)
}

// timeFrom sets the time from the first present of slots; the others
// stay attributes under their own names.
func (e *event) timeFrom(slots []int, fields []string) {
	used := false
	for i, s := range slots {
		if e.known[s] == nil {
			continue
		}
		if !used {
			used = true
			e.time(s, fields[i])
			continue
		}
		e.keepUnused(s, fields[i])
	}
}

// kind reads the required enum field that says what happened: the record's
// name is prefix and the word, its severity the word's.
func (e *event) kind(slot int, field, prefix string, en *enum) string {
	w := e.enum(slot, field, true, en)
	e.name = prefix + w.word
	e.severity(w.sev)
	return w.word
}

// tags queues track.tags from an array (kept as sent).
func (e *event) tags(slot int) {
	v := e.known[slot]
	if v == nil {
		return
	}
	if v.Type() != fastjson.TypeArray {
		e.failField("tags", "an array of strings", v)
		return
	}
	e.putRaw(track.AttrTags, "tags", v)
}
