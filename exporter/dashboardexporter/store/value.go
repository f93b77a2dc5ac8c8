package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// appendValue writes v as JSON in a form that decodeValue reads back with the
// same types: doubles always carry a decimal point or exponent, so 3.0 stays a
// double and 3 stays an int. Non-finite doubles and bytes become strings.
func appendValue(dst []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return appendString(dst, v.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(dst, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		return appendDouble(dst, v.Double())
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(dst, v.Bool())
	case pcommon.ValueTypeMap:
		return appendMap(dst, v.Map())
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		dst = append(dst, '[')
		for i := 0; i < s.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, s.At(i))
		}
		return append(dst, ']')
	case pcommon.ValueTypeBytes:
		return appendString(dst, base64.StdEncoding.EncodeToString(v.Bytes().AsRaw()))
	default:
		return append(dst, "null"...)
	}
}

func appendMap(dst []byte, m pcommon.Map) []byte {
	dst = append(dst, '{')
	first := true
	for k, v := range m.All() {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendValue(dst, v)
	}
	return append(dst, '}')
}

func appendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Inf"`...)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
	if bytes.IndexAny(dst[start:], ".eEn") < 0 {
		dst = append(dst, ".0"...)
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// <, > and & are escaped so that the stored JSON is safe in any context.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
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

// decodeMap reads an object written by appendMap into m.
func decodeMap(data string, m pcommon.Map) error {
	if data == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("expected a JSON object, got %v", tok)
	}
	return decodeObject(dec, m)
}

// decodeValueString reads one value written by appendValue into v.
func decodeValueString(data string, v pcommon.Value) error {
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	return decodeInto(dec, v)
}

func decodeObject(dec *json.Decoder, m pcommon.Map) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		k, ok := tok.(string)
		if !ok {
			return fmt.Errorf("expected an object key, got %v", tok)
		}
		if err := decodeInto(dec, m.PutEmpty(k)); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return err
}

func decodeInto(dec *json.Decoder, v pcommon.Value) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case nil:
		// Empty value.
	case string:
		v.SetStr(t)
	case bool:
		v.SetBool(t)
	case json.Number:
		s := t.String()
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				v.SetInt(i)
				return nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		v.SetDouble(f)
	case json.Delim:
		switch t {
		case '{':
			return decodeObject(dec, v.SetEmptyMap())
		case '[':
			s := v.SetEmptySlice()
			for dec.More() {
				if err := decodeInto(dec, s.AppendEmpty()); err != nil {
					return err
				}
			}
			_, err := dec.Token() // ']'
			return err
		default:
			return fmt.Errorf("unexpected %v", t)
		}
	}
	return nil
}

// appendText writes the scalar values of v, space separated, for full-text
// indexing.
func appendText(dst []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		for _, e := range v.Map().All() {
			dst = appendText(dst, e)
		}
		return dst
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			dst = appendText(dst, s.At(i))
		}
		return dst
	case pcommon.ValueTypeBytes, pcommon.ValueTypeEmpty, pcommon.ValueTypeDouble:
		// Measurements are filtered on, not searched for; their many
		// distinct values would only grow the index.
		return dst
	case pcommon.ValueTypeStr:
		if len(dst) > 0 {
			dst = append(dst, ' ')
		}
		return append(dst, v.Str()...)
	default:
		if len(dst) > 0 {
			dst = append(dst, ' ')
		}
		return append(dst, v.AsString()...)
	}
}
