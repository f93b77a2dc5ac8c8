// Package pyjson writes pdata values as Python's json.dumps does with its
// default settings (", " and ": " separators, ensure_ascii, float repr), the
// style of the legacy JSON event log that old scripts grep.
package pyjson

import (
	"strconv"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/unitrack/unitrack/internal/pjson"
)

// dumps is json.dumps' style, on the walk internal/pjson shares.
var dumps = &pjson.Style{Spaced: true, String: AppendString, Double: AppendFloat}

// AppendValue writes v in json.dumps style. Integers are decimal, doubles are
// Python's repr (1.0, 1e-05, 1764331200.123); NaN and infinities, which
// strict JSON readers (jq, our own receivers) refuse, become the strings
// "NaN", "+Inf", "-Inf" as in internal/pjson; bytes become base64; an empty
// value is null.
func AppendValue(dst []byte, v pcommon.Value) []byte { return dumps.AppendValue(dst, v) }

// AppendMap writes m as a JSON object in the map's (insertion) order.
func AppendMap(dst []byte, m pcommon.Map) []byte { return dumps.AppendMap(dst, m) }

// AppendSlice writes s as a JSON array.
func AppendSlice(dst []byte, s pcommon.Slice) []byte { return dumps.AppendSlice(dst, s) }

// AppendFloat writes f as Python's repr(float) does: the shortest digits
// that read back as f, in fixed notation with at least one decimal
// (1.0, 0.0001, 1234567890123456.0) when the decimal exponent is in
// [-4, 16), else in exponent notation with a signed exponent of at least two
// digits and no ".0" (1e-05, 1e+16, 1.5e+300). Non-finite values are written
// as strings, see AppendValue.
func AppendFloat(dst []byte, f float64) []byte {
	if out, ok := pjson.AppendNonFinite(dst, f); ok {
		return out
	}
	// 'e' with the shortest precision gives d[.ddd]e±XX: the digits and the
	// exponent, which are what repr lays out.
	var tmp [32]byte
	b := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	if b[0] == '-' {
		dst = append(dst, '-')
		b = b[1:]
	}
	e := 0
	for e < len(b) && b[e] != 'e' {
		e++
	}
	var digits [24]byte
	nd := 0
	for _, c := range b[:e] {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	exp := 0
	neg := b[e+1] == '-'
	for _, c := range b[e+2:] {
		exp = exp*10 + int(c-'0')
	}
	if neg {
		exp = -exp
	}
	d := digits[:nd]
	switch {
	case exp < -4 || exp >= 16:
		dst = append(dst, d[0])
		if nd > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	case exp < 0:
		dst = append(dst, '0', '.')
		for i := 0; i < -exp-1; i++ {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	case nd <= exp+1:
		dst = append(dst, d...)
		for i := 0; i < exp+1-nd; i++ {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	default:
		dst = append(dst, d[:exp+1]...)
		dst = append(dst, '.')
		return append(dst, d[exp+1:]...)
	}
}

const hexDigits = "0123456789abcdef"

// AppendString writes s as json.dumps with ensure_ascii does: printable ASCII
// as is, \" \\ \n \r \t \b \f, every other character (DEL and all non-ASCII
// included) as \uXXXX in lower-case hex, characters beyond the BMP as a
// surrogate pair. Invalid UTF-8, which a Python str cannot hold, becomes
// \ufffd.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		if c < utf8.RuneSelf {
			dst = pjson.AppendASCIIEscape(dst, c, true)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		// RuneError from invalid bytes and a real U+FFFD both write \ufffd.
		if r >= 0x10000 {
			r -= 0x10000
			dst = appendU(dst, 0xd800+(r>>10))
			dst = appendU(dst, 0xdc00+(r&0x3ff))
		} else {
			dst = appendU(dst, r)
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
