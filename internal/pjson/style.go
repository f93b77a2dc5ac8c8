package pjson

import (
	"encoding/base64"
	"math"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Style is what two JSON writers of pdata values spell differently: the
// separators, strings and doubles. The walk over values, maps and slices is
// the same for all: this package's compact style and internal/pyjson's
// json.dumps style are two Styles.
type Style struct {
	// Spaced writes ", " and ": " between members and elements, as
	// json.dumps does, instead of "," and ":". (A flag rather than the
	// strings: appending a constant is cheaper than a copy.)
	Spaced bool
	// String writes a string as a JSON string.
	String func(dst []byte, s string) []byte
	// Double writes a double.
	Double func(dst []byte, f float64) []byte
}

// AppendValue writes v: strings and doubles in the style's spelling,
// integers in decimal, maps and slices nested, bytes as base64, an empty
// value as null.
func (st *Style) AppendValue(dst []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return st.appendString(dst, v.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(dst, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		return st.Double(dst, v.Double())
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(dst, v.Bool())
	case pcommon.ValueTypeMap:
		return st.AppendMap(dst, v.Map())
	case pcommon.ValueTypeSlice:
		return st.AppendSlice(dst, v.Slice())
	case pcommon.ValueTypeBytes:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.Bytes().AsRaw())
		return append(dst, '"')
	default:
		return append(dst, "null"...)
	}
}

// AppendMap writes m as a JSON object, in the map's (insertion) order.
func (st *Style) AppendMap(dst []byte, m pcommon.Map) []byte {
	dst = append(dst, '{')
	first := true
	for k, v := range m.All() {
		if !first {
			dst = st.comma(dst)
		}
		first = false
		dst = st.appendString(dst, k)
		if st.Spaced {
			dst = append(dst, ':', ' ')
		} else {
			dst = append(dst, ':')
		}
		dst = st.AppendValue(dst, v)
	}
	return append(dst, '}')
}

// AppendSlice writes s as a JSON array.
func (st *Style) AppendSlice(dst []byte, s pcommon.Slice) []byte {
	dst = append(dst, '[')
	for i := 0; i < s.Len(); i++ {
		if i > 0 {
			dst = st.comma(dst)
		}
		dst = st.AppendValue(dst, s.At(i))
	}
	return append(dst, ']')
}

// appendString writes s with the style's String, except for the common
// string that no style escapes (printable ASCII without " and \), which it
// copies itself: keys and most values, without the cost of the call.
func (st *Style) appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return st.String(dst, s)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func (st *Style) comma(dst []byte) []byte {
	if st.Spaced {
		return append(dst, ',', ' ')
	}
	return append(dst, ',')
}

// AppendASCIIEscape writes the escape of an ASCII byte that a JSON string
// cannot hold as it is (or that a writer chooses to escape, as json.dumps
// does DEL): \" \\ \n \r \t, \b and \f too when bf is set (json.dumps
// writes them so), any other byte as \u00XX in lower-case hex.
func AppendASCIIEscape(dst []byte, c byte, bf bool) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\b':
		if bf {
			return append(dst, '\\', 'b')
		}
	case '\f':
		if bf {
			return append(dst, '\\', 'f')
		}
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// AppendNonFinite writes NaN and the infinities, which JSON cannot hold and
// strict readers (jq, our own receivers) refuse, as the strings "NaN",
// "+Inf", "-Inf". It reports false, writing nothing, for a finite f.
func AppendNonFinite(dst []byte, f float64) ([]byte, bool) {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...), true
	case math.IsInf(f, 1):
		return append(dst, `"+Inf"`...), true
	case math.IsInf(f, -1):
		return append(dst, `"-Inf"`...), true
	}
	return dst, false
}
