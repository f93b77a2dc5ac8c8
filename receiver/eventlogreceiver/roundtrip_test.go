package eventlogreceiver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"

	"github.com/unitrack/unitrack/exporter/eventlogexporter"
)

func decodeJSONLines(t testing.TB, raw []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 1<<20), 8<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		require.NoErrorf(t, dec.Decode(&m), "not JSON: %s", sc.Text())
		out = append(out, normalizeNumbers(m).(map[string]any))
	}
	require.NoError(t, sc.Err())
	return out
}

// normalizeNumbers replaces every JSON number by its exact rational value, so
// 1.280 and 1.28 compare equal and nothing is lost to float64 rounding.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
		return x
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		if !ok {
			return "bad number " + string(x)
		}
		return "num:" + r.RatString()
	default:
		return v
	}
}

// TestRoundTripFileToFile tails legacy lines with the receiver and writes them
// with the eventlog exporter (wired directly): every line comes out as the
// same bytes (json.dumps style) or, for a line with raw UTF-8 (json.dumps
// escapes it), with the same fields and values; no track.* attribute is added.
func TestRoundTripFileToFile(t *testing.T) {
	in := t.TempDir()
	srcPath := filepath.Join(in, "events.jsonl")
	fixed, err := os.ReadFile(filepath.Join("testdata", "roundtrip", "events.jsonl"))
	require.NoError(t, err)
	src := append([]byte{}, fixed...)
	for i := 0; i < 300; i++ {
		src = fmt.Appendf(src, `{"ts": %d.%03d, "level": "INFO", "event": "step", "component": "runner", "msg": "step %d", "data": {"n": %d, "ratio": %d.5}, "pid": 4121, "host": "box1", "event_id": "gen-%04d"}`+"\n",
			1764331300+i, i%1000, i, i, i, i)
	}
	require.NoError(t, os.WriteFile(srcPath, src, 0o644))

	expCfg := eventlogexporter.NewFactory().CreateDefaultConfig().(*eventlogexporter.Config)
	outPath := filepath.Join(t.TempDir(), "eventlog", "events.jsonl")
	expCfg.Path = outPath
	expSet := exportertest.NewNopSettings(component.MustNewType("eventlog"))
	exp, err := eventlogexporter.NewFactory().CreateLogs(context.Background(), expSet, expCfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	stop := startReceiver(t, nopSettings(), testConfig(in), exp, nil)
	want := decodeJSONLines(t, src)
	deadline := time.Now().Add(30 * time.Second)
	var got []map[string]any
	var raw []byte
	for time.Now().Before(deadline) {
		raw, _ = os.ReadFile(outPath)
		// Only whole lines: a read can see part of a write(2) in progress.
		raw = raw[:bytes.LastIndexByte(raw, '\n')+1]
		if got = decodeJSONLines(t, raw); len(got) >= len(want) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	require.Len(t, got, len(want))
	inLines := strings.Split(strings.TrimSuffix(string(src), "\n"), "\n")
	outLines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	require.Len(t, outLines, len(inLines))

	for i := range want {
		assert.Equal(t, want[i], got[i], "line %d", i+1)
		if isASCII(inLines[i]) {
			assert.Equal(t, inLines[i], outLines[i], "line %d, byte for byte", i+1)
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
