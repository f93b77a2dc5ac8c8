package store

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/unitrack/unitrack/internal/pjson"
)

func TestValueRoundTrip(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr("s", "<b>\"quoted\"</b>\n\t\u2028 ünï")
	m.PutStr("bad utf8", "a\xffb")
	m.PutInt("i", -42)
	m.PutInt("big", math.MaxInt64)
	m.PutDouble("d", 3)
	m.PutDouble("d2", 1e-300)
	m.PutDouble("nan", math.NaN())
	m.PutBool("b", true)
	m.PutEmpty("empty")
	m.PutEmptyBytes("bytes").FromRaw([]byte{1, 2})
	n := m.PutEmptyMap("nested")
	n.PutStr("k", "v")
	sl := n.PutEmptySlice("list")
	sl.AppendEmpty().SetInt(1)
	sl.AppendEmpty().SetDouble(1.5)
	// Stored as written; the API's json.Marshal escapes <, > and & of this
	// raw JSON on the way out (TestHostileInputStaysData).
	enc := string(pjson.AppendMap(nil, m))
	got := pcommon.NewMap()
	require.NoError(t, decodeMap(enc, got))
	want := map[string]any{
		"s": "<b>\"quoted\"</b>\n\t\u2028 ünï", "bad utf8": "a\ufffdb", "i": int64(-42), "big": int64(math.MaxInt64),
		"d": 3.0, "d2": 1e-300, "nan": "NaN", "b": true, "empty": nil, "bytes": "AQI=",
		"nested": map[string]any{"k": "v", "list": []any{int64(1), 1.5}},
	}
	assert.Equal(t, want, got.AsRaw())
	v, _ := got.Get("d")
	assert.Equal(t, pcommon.ValueTypeDouble, v.Type())
}

func FuzzValueRoundTrip(f *testing.F) {
	for _, s := range []string{"", "plain", "<script>", "\x00\x01", "\xff", "\u2028", `"\`} {
		f.Add(s, int64(7), 2.5)
	}
	f.Fuzz(func(t *testing.T, s string, i int64, d float64) {
		m := pcommon.NewMap()
		m.PutStr(s, s)
		m.PutInt("i", i)
		m.PutDouble("d", d)
		got := pcommon.NewMap()
		if err := decodeMap(string(pjson.AppendMap(nil, m)), got); err != nil {
			t.Fatalf("decode: %v", err)
		}
		gi, _ := got.Get("i")
		if gi.Int() != i {
			t.Fatalf("int %d came back as %v", i, gi.AsRaw())
		}
		gd, _ := got.Get("d")
		if !math.IsNaN(d) && !math.IsInf(d, 0) && (gd.Type() != pcommon.ValueTypeDouble || gd.Double() != d) {
			t.Fatalf("double %v came back as %v", d, gd.AsRaw())
		}
	})
}
