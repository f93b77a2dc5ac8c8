package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// decodeMap reads an object written by pjson.AppendMap into m.
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

// decodeValueString reads one value written by pjson.AppendValue into v.
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
