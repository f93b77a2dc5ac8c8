package legacy

import (
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
)

// EventError is the reason one event of a body was rejected.
type EventError struct {
	// Index is the event's 0-based position in the body: the array element,
	// or the NDJSON line counting only non-blank lines.
	Index int
	Err   error
}

func (e EventError) Error() string { return fmt.Sprintf("index %d: %v", e.Index, e.Err) }

func (e EventError) Unwrap() error { return e.Err }

// FieldError says which field of an event is wrong and what was expected.
type FieldError struct {
	// Field is the field's name as sent, dotted for nested keys (metadata.x).
	Field string
	// Expected describes what the contract wants, e.g. "one of a, b".
	Expected string
	// Got describes what was sent; empty when the field is missing.
	Got string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("expected %s, got %s", e.Expected, e.Got)
	}
	if e.Got == "" {
		return fmt.Sprintf("field %q: expected %s, got nothing (the field is required)", e.Field, e.Expected)
	}
	return fmt.Sprintf("field %q: expected %s, got %s", e.Field, e.Expected, e.Got)
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
