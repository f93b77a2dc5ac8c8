package legacy

import (
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

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
