package pjson

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`quote " and \ backslash`, `"quote \" and \\ backslash"`},
		{"line\nbreak\ttab\rcr", `"line\nbreak\ttab\rcr"`},
		{"\x00\x1f", `"\u0000\u001f"`},
		{"a\xffb", `"a\ufffdb"`},
		{"sep\u2028\u2029", `"sep\u2028\u2029"`},
		{"<b>&</b> ünï", `"<b>&</b> ünï"`},
	}
	for _, tt := range tests {
		got := string(AppendString(nil, tt.in))
		assert.Equal(t, tt.want, got, "AppendString(%q)", tt.in)
		assert.True(t, json.Valid([]byte(got)), "valid JSON for %q: %s", tt.in, got)
	}
}

func TestAppendDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{3, "3.0"}, {-1.5, "-1.5"}, {0, "0.0"}, {1e21, "1e+21"}, {1e-7, "1e-07"},
		{123456789.125, "123456789.125"}, {math.NaN(), `"NaN"`}, {math.Inf(1), `"+Inf"`}, {math.Inf(-1), `"-Inf"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(AppendDouble(nil, tt.in)), "AppendDouble(%v)", tt.in)
	}
}

func TestAppendMapKeepsTypes(t *testing.T) {
	m := pcommon.NewMap()
	m.PutInt("i", 3)
	m.PutDouble("d", 3)
	m.PutBool("b", true)
	m.PutEmptyBytes("raw").FromRaw([]byte{1, 2})
	m.PutEmpty("nil")
	sl := m.PutEmptyMap("nested").PutEmptySlice("list")
	sl.AppendEmpty().SetStr("x")
	sl.AppendEmpty().SetInt(1)
	out := AppendMap(nil, m)
	require.True(t, json.Valid(out), "%s", out)
	assert.Equal(t, `{"i":3,"d":3.0,"b":true,"raw":"AQI=","nil":null,"nested":{"list":["x",1]}}`, string(out))
}
