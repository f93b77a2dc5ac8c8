package eventlogreceiver

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var observed = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func TestDecodeLines(t *testing.T) {
	tokens := [][]byte{
		[]byte(`{"ts": 1764331200, "event": "a", "host": "box1"}`),
		[]byte(`   `),
		[]byte(`{"ts": 1764331200, "event": "b", "host": "box1"}`),
		[]byte(`{"ts": 1764331200, "event": "c", "host": "box2"}`),
		[]byte(`nope`),
		[]byte(`{"event": "no ts"}`),
		[]byte("\t{\"ts\": 1764331200, \"event\": \"d\", \"host\": \"box2\"}\r"),
	}
	ld, bad := decodeLines(tokens, 41, lineIDs{}, observed, map[string]any{"log.file.name": "events.jsonl"})
	require.Equal(t, 4, ld.LogRecordCount())
	// Consecutive records with the same resource share a ResourceLogs.
	require.Equal(t, 2, ld.ResourceLogs().Len())
	assert.Equal(t, 2, ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().Len())
	assert.Equal(t, 2, ld.ResourceLogs().At(1).ScopeLogs().At(0).LogRecords().Len())
	name, ok := ld.ResourceLogs().At(1).ScopeLogs().At(0).LogRecords().At(1).Attributes().Get("log.file.name")
	require.True(t, ok)
	assert.Equal(t, "events.jsonl", name.Str())

	require.Len(t, bad, 2)
	assert.Equal(t, int64(45), bad[0].Line)
	assert.ErrorIs(t, bad[0].Err, errNotObject)
	assert.Equal(t, int64(46), bad[1].Line)
	assert.Error(t, bad[1].Err)
}

func FuzzDecodeLines(f *testing.F) {
	f.Add([]byte(`{"ts": 1764331200.123, "level": "ERROR", "event": "task_failed", "component": "background_tasks", "msg": "m", "data": {"task": "x"}, "pid": 4121, "host": "box1"}` + "\n"))
	f.Add([]byte("{\"ts\": 1, \"event\": \"a\"}\n\nnot json\n[1]\n{\"ts\": \"2026-11-28T12:00:00Z\", \"event\": \"b\", \"level\": \"loud\"}\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		tokens := bytes.Split(body, []byte("\n"))
		blank := 0
		for _, tok := range tokens {
			if len(bytes.TrimSpace(tok)) == 0 {
				blank++
			}
		}
		ld, bad := decodeLines(tokens, 1, lineIDs{}, observed, nil)
		// A line is a record, malformed, or blank; never lost, never doubled.
		// (A line holding a JSON array is malformed, so one line gives at most one record.)
		if got := ld.LogRecordCount() + len(bad) + blank; got != len(tokens) {
			t.Fatalf("records %d + malformed %d + blank %d != lines %d", ld.LogRecordCount(), len(bad), blank, len(tokens))
		}
		last := int64(0)
		for _, b := range bad {
			if b.Line <= last || b.Line > int64(len(tokens)) || b.Err == nil {
				t.Fatalf("malformed line %d (after %d, of %d): %v", b.Line, last, len(tokens), b.Err)
			}
			last = b.Line
		}
	})
}
