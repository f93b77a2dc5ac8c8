package legacy

import (
	"bytes"
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
	b.Run("encode_json_events", func(b *testing.B) {
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
