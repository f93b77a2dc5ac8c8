package legacy

import (
	"strings"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// get returns the value of f, nil when it was absent or null.
func (e *event) get(f field) *fastjson.Value { return e.known[f.slot] }

// has reports whether f was sent (and not null).
func (e *event) has(f field) bool { return e.known[f.slot] != nil }

// str returns the string in f, "" when absent. A non-string is an error.
func (e *event) str(f field) string {
	v := e.get(f)
	if v == nil {
		return ""
	}
	if v.Type() != fastjson.TypeString {
		e.failField(f.name, "a string", v)
		return ""
	}
	return e.d.stringOf(v)
}

// reqStr is str for a required field: missing or empty is an error.
func (e *event) reqStr(f field) string {
	v := e.get(f)
	if v == nil {
		e.errs = append(e.errs, &FieldError{Field: f.name, Expected: "a non-empty string"})
		return ""
	}
	if v.Type() != fastjson.TypeString {
		e.failField(f.name, "a non-empty string", v)
		return ""
	}
	s := e.d.stringOf(v)
	if s == "" {
		e.errs = append(e.errs, &FieldError{Field: f.name, Expected: "a non-empty string", Got: `""`})
	}
	return s
}

// idStr accepts a string or an integer (ids that some senders send as numbers).
func (e *event) idStr(f field) string {
	v := e.get(f)
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
	e.failField(f.name, "a string or an integer", v)
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

// enum returns the word of en that f holds (matched case-insensitively),
// the zero enumWord when it is absent or not one of them.
func (e *event) enum(f field, required bool, en *enum) enumWord {
	v := e.get(f)
	if v == nil {
		if required {
			e.errs = append(e.errs, &FieldError{Field: f.name, Expected: en.expected})
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
	e.failField(f.name, en.expected, v)
	return enumWord{}
}

// severityWord sets the record's severity from a level word in f (kept
// as sent), or to info spelled def when the field is absent.
func (e *event) severityWord(f field, def string) {
	e.sevText, e.sevNum = def, plog.SeverityNumberInfo
	v := e.get(f)
	if v == nil {
		return
	}
	word := e.str(f)
	if v.Type() != fastjson.TypeString {
		return
	}
	if n, ok := track.SeverityFromWord(word); ok {
		e.sevNum, e.sevText = n, word
	} else {
		e.failField(f.name, track.SeverityWordsExpected, v)
	}
}

// optStr is str for a field that becomes attribute key when it is sent.
func (e *event) optStr(f field, key string) string {
	s := e.str(f)
	if e.has(f) {
		e.putStr(key, s)
	}
	return s
}

// number checks that f holds a JSON number and queues it as attribute key
// (keeping integer or double as sent). It returns the value as a float and
// whether it was present and valid.
func (e *event) number(f field, key string) (float64, bool) {
	v := e.get(f)
	if v == nil {
		return 0, false
	}
	if v.Type() != fastjson.TypeNumber {
		e.failField(f.name, "a number", v)
		return 0, false
	}
	raw := rawNumber(v, &e.d.buf)
	i, x, isInt, ok := parseNumber(raw)
	if !ok {
		e.failField(f.name, "a JSON number", v)
		return 0, false
	}
	if isInt {
		e.putInt(key, i)
		return float64(i), true
	}
	e.attrs = append(e.attrs, attr{key: key, kind: kindRaw, raw: v, name: f.name})
	return x, true
}

// object returns the object in f, nil when absent; another type is an error.
func (e *event) object(f field) *fastjson.Object {
	v := e.get(f)
	if v == nil {
		return nil
	}
	o, err := v.Object()
	if err != nil {
		e.failField(f.name, "an object", v)
		return nil
	}
	if o.Len() > MaxObjectKeys {
		e.fail(tooManyKeys(f.name, o))
		return nil
	}
	return o
}

// time sets the record time from f when present and valid.
func (e *event) time(f field) bool {
	v := e.get(f)
	if v == nil {
		return false
	}
	ns, ok := parseTime(v, &e.d.buf)
	if !ok {
		e.failField(f.name, timeExpected, v)
		return false
	}
	// 0 is "unset" in OTLP: the epoch itself counts as no time.
	e.ts, e.hasTS = ns, ns != 0
	return true
}

// keepUnused puts a known field that the format did not consume back as an
// attribute under its own name.
func (e *event) keepUnused(f field) {
	if v := e.get(f); v != nil {
		e.putRaw(f.name, f.name, v)
	}
}

// severity sets a severity that the format derives (from an enum word), with
// its upper-case level word as the text.
func (e *event) severity(n plog.SeverityNumber) {
	e.sevNum = n
	e.sevText = LevelWord(n)
}

// timeFrom sets the time from the first present of fs; the others
// stay attributes under their own names.
func (e *event) timeFrom(fs ...field) {
	used := false
	for _, f := range fs {
		if !e.has(f) {
			continue
		}
		if !used {
			used = true
			e.time(f)
			continue
		}
		e.keepUnused(f)
	}
}

// kind reads the required enum field that says what happened: the record's
// name is prefix and the word, its severity the word's.
func (e *event) kind(f field, prefix string, en *enum) string {
	w := e.enum(f, true, en)
	e.name = prefix + w.word
	e.severity(w.sev)
	return w.word
}

// tags queues track.tags from an array (kept as sent).
func (e *event) tags(f field) {
	v := e.get(f)
	if v == nil {
		return
	}
	if v.Type() != fastjson.TypeArray {
		e.failField(f.name, "an array of strings", v)
		return
	}
	e.putRaw(track.AttrTags, f.name, v)
}

// flatten reads the free-form object in f, whose keys (after prefix) become
// attributes.
func (e *event) flatten(f field, prefix string) {
	if o := e.object(f); o != nil {
		e.flat = append(e.flat, flatObject{field: f.name, prefix: prefix, obj: o})
	}
}
