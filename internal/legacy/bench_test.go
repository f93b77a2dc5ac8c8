package legacy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

func benchBody() []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range 100 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"event_type":"mcp_server_failure","message":"MCP server 'filesystem' failed: timeout #%d",`+
			`"severity":"error","category":"mcp","source":"agent-runner","timestamp":"2026-11-28T12:00:%02d.123456+00:00",`+
			`"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331",`+
			`"metadata":{"server":"filesystem","failure_count":%d,"latency_ms":5012.4,"tags":["mcp","timeout"]}}`, i, i%60, i)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// BenchmarkDecode compares Decode of 100 track_event events with the pdata
// OTLP/JSON unmarshaler (what otlpreceiver runs) on the same records, without
// HTTP:
//
//	go test ./internal/legacy -run '^$' -bench BenchmarkDecode -benchmem
func BenchmarkDecode(b *testing.B) {
	body := benchBody()
	now := time.Now()
	logs, _, err := Decode(TrackEvent, body, now)
	if err != nil {
		b.Fatal(err)
	}
	otlp, err := (&plog.JSONMarshaler{}).MarshalLogs(logs)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("legacy", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, _, err := Decode(TrackEvent, body, now); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("otlp_json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(otlp)))
		u := &plog.JSONUnmarshaler{}
		for b.Loop() {
			if _, err := u.UnmarshalLogs(otlp); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("encode_track_event_lines", func(b *testing.B) {
		b.ReportAllocs()
		rl := logs.ResourceLogs().At(0)
		lrs := rl.ScopeLogs().At(0).LogRecords()
		var buf []byte
		for b.Loop() {
			buf = buf[:0]
			for i := 0; i < lrs.Len(); i++ {
				buf = AppendJSONEvent(buf, rl.Resource(), lrs.At(i))
			}
		}
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkEncodeJSONEvents writes 100 records as json_events lines: decoded
// track_event records (the canonical shape), decoded json_events lines (written
// back as sent), and, as the stock baseline doing the same work, encoding/json
// marshalling the same json_events lines from map[string]any:
//
//	go test ./internal/legacy -run '^$' -bench BenchmarkEncodeJSONEvents -benchmem
func BenchmarkEncodeJSONEvents(b *testing.B) {
	var body bytes.Buffer
	for i := range 100 {
		fmt.Fprintf(&body, `{"ts": %d.%03d, "level": "ERROR", "event": "task_failed", "component": "background_tasks", "msg": "Task nightly_summary failed #%d", "data": {"task": "nightly_summary", "attempt": %d, "ratio": 0.5, "tags": ["a", "b"]}, "pid": 4121, "host": "box1"}`+"\n", 1764331200+i, i, i, i%5)
	}
	now := time.Now()
	track, _, err := Decode(TrackEvent, benchBody(), now)
	if err != nil {
		b.Fatal(err)
	}
	lines, _, err := Decode(JSONEvents, body.Bytes(), now)
	if err != nil || lines.LogRecordCount() != 100 {
		b.Fatal(err)
	}
	encode := func(b *testing.B, logs plog.Logs) {
		b.ReportAllocs()
		rl := logs.ResourceLogs().At(0)
		lrs := rl.ScopeLogs().At(0).LogRecords()
		var buf []byte
		for b.Loop() {
			buf = buf[:0]
			for i := 0; i < lrs.Len(); i++ {
				buf = AppendJSONEvent(buf, rl.Resource(), lrs.At(i))
			}
		}
		b.SetBytes(int64(len(buf)))
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "lines/s")
	}
	b.Run("track_event", func(b *testing.B) { encode(b, track) })
	b.Run("json_events_as_sent", func(b *testing.B) { encode(b, lines) })
	b.Run("encoding_json_baseline", func(b *testing.B) {
		var recs []map[string]any
		for _, l := range bytes.Split(bytes.TrimSpace(body.Bytes()), []byte("\n")) {
			var m map[string]any
			if err := json.Unmarshal(l, &m); err != nil {
				b.Fatal(err)
			}
			recs = append(recs, m)
		}
		b.ReportAllocs()
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for b.Loop() {
			buf.Reset()
			for _, m := range recs {
				if err := enc.Encode(m); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.SetBytes(int64(buf.Len()))
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "lines/s")
	})
}
