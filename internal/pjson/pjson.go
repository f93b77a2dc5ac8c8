// Package pjson writes pdata values as JSON without reflection, so that they
// read back with the same types; the dashboard's store writes events with it.
// Its walk over values (Style) is shared with internal/pyjson, the
// json_events encoder's writer, which spells the leaves as json.dumps does.
package pjson

import (
	"math"
	"strconv"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// compact is this package's style: no spaces, doubles that read back as
// doubles.
var compact = &Style{String: AppendString, Double: AppendDouble}

// AppendValue writes v as JSON in a form that reads back with the same types:
// integers stay integers, doubles always carry a decimal point or exponent
// (3.0 stays a double), maps and slices nest; NaN and infinities, which JSON
// cannot hold, become the strings "NaN", "+Inf", "-Inf"; bytes become base64.
func AppendValue(dst []byte, v pcommon.Value) []byte { return compact.AppendValue(dst, v) }

// AppendMap writes m as a JSON object, in the map's order.
func AppendMap(dst []byte, m pcommon.Map) []byte { return compact.AppendMap(dst, m) }

// AppendDouble writes a double so that it reads back as a double: integral
// values get ".0"; NaN and infinities, which JSON cannot hold, become strings.
func AppendDouble(dst []byte, f float64) []byte {
	if out, ok := AppendNonFinite(dst, f); ok {
		return out
	}
	start := len(dst)
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	for _, c := range dst[start:] {
		if c == '.' || c == 'e' {
			return dst
		}
	}
	return append(dst, '.', '0')
}

const hexDigits = "0123456789abcdef"

// AppendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = AppendASCIIEscape(dst, c, false)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
