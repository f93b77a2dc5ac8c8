package pyjson

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-2.5, "-2.5"},
		{0.1, "0.1"},
		{1e-05, "1e-05"},
		{0.0001, "0.0001"},
		{1764331200.123, "1764331200.123"},
		{1764331200.1234567, "1764331200.1234567"},
		{1234567890123456, "1234567890123456.0"},
		{1e16, "1e+16"},
		{1.5e300, "1.5e+300"},
		{5e-324, "5e-324"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{123456789012345678, "1.2345678901234568e+17"},
		{math.NaN(), `"NaN"`},
		{math.Inf(1), `"+Inf"`},
		{math.Inf(-1), `"-Inf"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(AppendFloat(nil, tt.in)), "float %v", tt.in)
	}
}

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"q\"b\\s/", `"q\"b\\s/"`},
		{"\n\r\t\b\f\x00\x1f", `"\n\r\t\b\f\u0000\u001f"`},
		{"\x7f", `"\u007f"`},
		{"é€", `"\u00e9\u20ac"`},
		{"😀", `"\ud83d\ude00"`},
		{"a\xffb", `"a\ufffdb"`},
		{"\u2028", `"\u2028"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(AppendString(nil, tt.in)), "string %q", tt.in)
	}
}

func TestAppendValue(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr("z", "last key first")
	m.PutInt("i", -3)
	m.PutDouble("d", 2.0)
	m.PutBool("b", true)
	m.PutEmpty("n")
	m.PutEmptyMap("empty")
	m.PutEmptySlice("l").FromRaw([]any{1, "a", []any{}})
	m.PutEmptyBytes("raw").FromRaw([]byte{0xff, 0})
	assert.Equal(t, `{"z": "last key first", "i": -3, "d": 2.0, "b": true, "n": null, "empty": {}, "l": [1, "a", []], "raw": "/wA="}`,
		string(AppendMap(nil, m)))
}

// python runs a Python 3 program (stdlib only) with stdin and returns its
// output. python3 is installed by .ci/run; its absence is a failure, since the
// committed goldens are only as good as the check against the real writer.
func python(t *testing.T, program string, stdin []byte) []byte {
	t.Helper()
	bin, err := exec.LookPath("python3")
	require.NoError(t, err, "python3 is needed to compare with the legacy writer (.ci/run installs it)")
	cmd := exec.Command(bin, "-c", program)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python3: %s", stderr.String())
	return out
}

// TestMatchesPython compares the writer with Python's json.dumps on random
// doubles (every bit pattern class: subnormal, huge, integral, time.time()
// like) and random strings.
func TestMatchesPython(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2))
	var floats []float64
	for len(floats) < 20000 {
		var f float64
		switch len(floats) % 4 {
		case 0:
			f = math.Float64frombits(rng.Uint64())
		case 1:
			f = 1.7e9 + rng.Float64()*1e8
		case 2:
			f = float64(rng.Int64N(1<<60)) / math.Pow(10, float64(rng.IntN(30)))
		default:
			f = (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(40)-20))
		}
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			floats = append(floats, f)
		}
	}
	var in bytes.Buffer
	for _, f := range floats {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(f))
		in.WriteString(hex.EncodeToString(b[:]) + "\n")
	}
	got := python(t, `
import json, struct, sys
for line in sys.stdin:
    print(json.dumps(struct.unpack('<d', bytes.fromhex(line.strip()))[0]))
`, in.Bytes())
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	require.Len(t, lines, len(floats))
	bad := 0
	for i, f := range floats {
		if mine := string(AppendFloat(nil, f)); mine != lines[i] && bad < 10 {
			bad++
			t.Errorf("float %x: python %s, pyjson %s", math.Float64bits(f), lines[i], mine)
		}
	}

	var strs []string
	for len(strs) < 5000 {
		var b strings.Builder
		for n := rng.IntN(12); n > 0; n-- {
			var r rune
			switch rng.IntN(4) {
			case 0:
				r = rune(rng.IntN(0x80))
			case 1:
				r = rune(rng.IntN(0x800))
			case 2:
				r = rune(rng.IntN(0x10000))
			default:
				r = rune(rng.IntN(0x110000))
			}
			if utf8.ValidRune(r) {
				b.WriteRune(r)
			}
		}
		strs = append(strs, b.String())
	}
	js, err := json.Marshal(strs)
	require.NoError(t, err)
	got = python(t, `
import json, sys
for s in json.load(sys.stdin):
    print(json.dumps(s))
`, js)
	lines = strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	require.Len(t, lines, len(strs))
	bad = 0
	for i, s := range strs {
		if mine := string(AppendString(nil, s)); mine != lines[i] && bad < 10 {
			bad++
			t.Errorf("string %q: python %s, pyjson %s", s, lines[i], mine)
		}
	}
}
