package legacy

import (
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// keyString is k as a string, each byte of an invalid UTF-8 sequence
// replaced by U+FFFD: the rule the JSON writers (pjson, pyjson) follow, so a
// line written back from raw bytes decodes to the same string again.
// (strings.ToValidUTF8 would fold a run of bad bytes into one U+FFFD.)
func keyString(k []byte) string {
	if utf8.Valid(k) {
		return string(k)
	}
	var b strings.Builder
	b.Grow(len(k) + 8)
	for len(k) > 0 {
		r, size := utf8.DecodeRune(k)
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.Write(k[:size])
		}
		k = k[size:]
	}
	return b.String()
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
