package legacy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/pyjson"
	"github.com/unitrack/unitrack/internal/track"
)

const pythonLines = "testdata/eventlog/python_lines.jsonl"

func readLines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// asRouted is what a record looks like when it reaches the eventlog exporter:
// through a protobuf round trip (the persistent queue) and with track.routes.
func asRouted(t testing.TB, logs plog.Logs) plog.Logs {
	t.Helper()
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(logs)
	require.NoError(t, err)
	logs, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(b)
	require.NoError(t, err)
	for _, rl := range logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				r := lr.Attributes().PutEmptySlice(track.AttrRoutes)
				r.AppendEmpty().SetStr("dashboard")
				r.AppendEmpty().SetStr("eventlog")
			}
		}
	}
	return logs
}

// TestPythonLinesComeBackAsSent is the byte-compatibility promise: lines the
// legacy Python writer wrote (testdata/eventlog/gen.py) are decoded, routed
// and written again as the very same bytes.
func TestPythonLinesComeBackAsSent(t *testing.T) {
	for i, line := range readLines(t, pythonLines) {
		logs, errs, err := Decode(JSONEvents, []byte(line), observedAt)
		require.NoError(t, err, "line %d", i+1)
		require.Empty(t, errs, "line %d: %s", i+1, line)
		require.Equal(t, 1, logs.LogRecordCount())
		logs = asRouted(t, logs)
		rl := logs.ResourceLogs().At(0)
		out := AppendJSONEvent(nil, rl.Resource(), rl.ScopeLogs().At(0).LogRecords().At(0))
		assert.Equal(t, line+"\n", string(out), "line %d", i+1)
	}
}

// TestPythonLinesAreCurrent regenerates the lines with the real Python
// writer: the committed file is what json.dumps writes.
func TestPythonLinesAreCurrent(t *testing.T) {
	out := runPython(t, "", filepath.Join("testdata", "eventlog", "gen.py"))
	want, err := os.ReadFile(pythonLines)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(out), "python3 gen.py > %s, then read the diff", pythonLines)
}

// TestLinesArePythonStyle: every line the encoder writes for the golden cases
// (all eight formats) is what json.dumps writes for the same values.
func TestLinesArePythonStyle(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*", "eventlog.jsonl"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var in bytes.Buffer
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		in.Write(b)
	}
	out := runPython(t, in.String(), "-c", `
import json, sys
for line in sys.stdin:
    line = line.rstrip("\n")
    again = json.dumps(json.loads(line))
    print("same" if again == line else "python writes " + again)
`)
	lines := strings.Split(strings.TrimSuffix(in.String(), "\n"), "\n")
	verdicts := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(t, verdicts, len(lines))
	for i, v := range verdicts {
		assert.Equal(t, "same", v, "ours %s", lines[i])
	}
}

// runPython runs python3 (installed by .ci/run: its absence fails the test).
func runPython(t *testing.T, stdin string, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("python3")
	require.NoError(t, err, "python3 is needed to compare with the legacy writer (.ci/run installs it)")
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python3: %s", stderr.String())
	return out
}

// Lines json.dumps would not write come out in its style, with every value
// (and every number's spelling) kept.
func TestOtherLinesComeOutPythonStyle(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{
			name: "compact separators, lower-case level, raw UTF-8",
			line: `{"ts":1764331200.123,"level":"error","event":"e","msg":"café","data":{"a":[1,2],"b":{}}}`,
			want: `{"ts": 1764331200.123, "level": "error", "event": "e", "msg": "caf\u00e9", "data": {"a": [1, 2], "b": {}}}`,
		},
		{
			name: "numbers keep their spelling",
			line: `{"ts": 1764331200.10, "event": "e", "data": {"a": 1E5, "b": 1.50, "c": -0, "ok": 2.5}}`,
			want: `{"ts": 1764331200.10, "event": "e", "data": {"a": 1E5, "b": 1.50, "c": -0, "ok": 2.5}}`,
		},
		{
			name: "a line an earlier unitrack wrote keeps its track.* data",
			line: `{"ts":1764331200.5,"level":"ERROR","event":"task_failed","msg":"m","data":{"task":"t","track.source":"json_events","track.category":"task","track.event_id":"01JDX3K9Q8ZJ5V7M2N4P6R8T0W","track.routes":["eventlog"]},"pid":1}`,
			want: `{"ts": 1764331200.5, "level": "ERROR", "event": "task_failed", "msg": "m", "data": {"task": "t", "track.source": "json_events", "track.category": "task", "track.event_id": "01JDX3K9Q8ZJ5V7M2N4P6R8T0W", "track.routes": ["eventlog"]}, "pid": 1}`,
		},
		{
			name: "whitespace and escapes json.dumps does not use",
			line: "{ \"ts\" : 1764331200.25 ,\n\"event\":\"e\\/f\", \"msg\": \"\\u00E9\\u00e9\", \"data\": {\"k\": \"\\ud83d\\ude00\"}}",
			want: `{"ts": 1764331200.25, "event": "e/f", "msg": "\u00e9\u00e9", "data": {"k": "\ud83d\ude00"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, lr := decodeOne(t, JSONEvents, tt.line)
			assert.Equal(t, tt.want+"\n", string(AppendJSONEvent(nil, res, lr)))
		})
	}
}

// FuzzJSONEventsAsSent: any line json.dumps could write (the input, parsed in
// order and written in Python's style by the test itself) that the contract
// accepts comes back as the same bytes, however it is routed.
func FuzzJSONEventsAsSent(f *testing.F) {
	for _, line := range readLines(f, pythonLines) {
		f.Add([]byte(line))
	}
	inputs, _ := filepath.Glob(filepath.Join("testdata", string(JSONEvents), "*", "input.json"))
	for _, in := range inputs {
		if b, err := os.ReadFile(in); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		line, ok := pythonStyle(in)
		if !ok {
			return
		}
		logs, errs, err := Decode(JSONEvents, line, observedAt)
		if err != nil || len(errs) != 0 {
			return
		}
		logs = asRouted(t, logs)
		rl := logs.ResourceLogs().At(0)
		out := AppendJSONEvent(nil, rl.Resource(), rl.ScopeLogs().At(0).LogRecords().At(0))
		if string(out) != string(line)+"\n" {
			t.Fatalf("line\n%s\ncame back as\n%s", line, out)
		}
	})
}

// pythonStyle writes a JSON object the way json.dumps writes the dict that
// json.loads makes of it, keys in order and numbers as Python holds them
// (integers exact, floats as repr). ok is false for what no Python dict
// gives: not an object, duplicate keys, lone surrogates, floats beyond range.
func pythonStyle(in []byte) ([]byte, bool) {
	if bytes.Contains(bytes.ToLower(in), []byte(`\ud`)) {
		return nil, false // surrogate escapes: pairs come from UTF-8 input instead
	}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	out, err := pyObject(dec, []byte{'{'})
	if err != nil {
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return out, true
}

var errNotPython = errors.New("not a value json.dumps writes")

func pyObject(dec *json.Decoder, dst []byte) ([]byte, error) {
	seen := map[string]bool{}
	for n := 0; ; n++ {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		if tok == json.Delim('}') {
			return append(dst, '}'), nil
		}
		k := tok.(string)
		if seen[k] {
			return nil, errNotPython
		}
		seen[k] = true
		if n > 0 {
			dst = append(dst, ", "...)
		}
		dst = pyjson.AppendString(dst, k)
		dst = append(dst, ": "...)
		if dst, err = pyValue(dec, dst); err != nil {
			return nil, err
		}
	}
}

func pyValue(dec *json.Decoder, dst []byte) ([]byte, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return pyObject(dec, append(dst, '{'))
		}
		dst = append(dst, '[')
		for n := 0; dec.More(); n++ {
			if n > 0 {
				dst = append(dst, ", "...)
			}
			if dst, err = pyValue(dec, dst); err != nil {
				return nil, err
			}
		}
		_, err = dec.Token()
		return append(dst, ']'), err
	case string:
		return pyjson.AppendString(dst, v), nil
	case json.Number:
		s := string(v)
		if !strings.ContainsAny(s, ".eE") {
			if s == "-0" {
				s = "0"
			}
			return append(dst, s...), nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, errNotPython
		}
		return pyjson.AppendFloat(dst, f), nil
	case bool:
		if v {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	default:
		return append(dst, "null"...), nil
	}
}

// The eventlog.jsonl goldens hold what AppendJSONEvent writes for each golden
// case; see TestGolden.
func eventlogLines(t *testing.T, logs plog.Logs) string {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	for _, rl := range logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				_, err := w.Write(AppendJSONEvent(nil, rl.Resource(), lr))
				require.NoError(t, err)
			}
		}
	}
	require.NoError(t, w.Flush())
	return strings.TrimSuffix(b.String(), "\n")
}

var _ = pcommon.NewMap
