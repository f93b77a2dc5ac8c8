package trackreceiver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/receiver/trackreceiver/internal/metadata"
)

const benchEvents = 100

// benchBodies returns the same benchEvents events as a legacy track_event
// JSON array and as OTLP/HTTP JSON (the records Decode makes of them).
func benchBodies(tb testing.TB) (legacyBody, otlpBody []byte) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range benchEvents {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"event_type":"mcp_server_failure","message":"MCP server 'filesystem' failed: timeout #%d",`+
			`"severity":"error","category":"mcp","source":"agent-runner","timestamp":"2026-11-28T12:00:%02d.123456+00:00",`+
			`"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331",`+
			`"metadata":{"server":"filesystem","failure_count":%d,"latency_ms":5012.4,"tags":["mcp","timeout"]}}`, i, i%60, i)
	}
	b.WriteByte(']')
	logs, errs, err := legacy.Decode(legacy.TrackEvent, b.Bytes(), time.Now())
	require.NoError(tb, err)
	require.Empty(tb, errs)
	require.Equal(tb, benchEvents, logs.LogRecordCount())
	otlp, err := (&plog.JSONMarshaler{}).MarshalLogs(logs)
	require.NoError(tb, err)
	return b.Bytes(), otlp
}

func freeEndpoint(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	addr := ln.Addr().String()
	require.NoError(tb, ln.Close())
	return addr
}

func post(b *testing.B, client *http.Client, url string, body []byte) {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d from %s", resp.StatusCode, url)
	}
}

// BenchmarkReceive sends the same 100 events a request over loopback HTTP to
// the track receiver (legacy JSON) and to the stock otlpreceiver (OTLP/HTTP
// JSON on /v1/logs), both into a Nop consumer, and logs the ratio.
//
//	go test ./receiver/trackreceiver -run '^$' -bench BenchmarkReceive -benchmem -count 5
func BenchmarkReceive(b *testing.B) {
	legacyBody, otlpBody := benchBodies(b)
	ctx := context.Background()
	nsPerEvent := map[string]float64{}
	allocs := map[string]float64{}
	run := func(b *testing.B, name, url string, body []byte) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
		defer client.CloseIdleConnections()
		post(b, client, url, body) // warm the connection
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		b.ResetTimer()
		var ms0, ms1 runtimeAllocs
		ms0.read()
		for b.Loop() {
			post(b, client, url, body)
		}
		ms1.read()
		b.StopTimer()
		ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N*benchEvents)
		b.ReportMetric(1e9/ns, "events/s")
		nsPerEvent[name] = ns
		allocs[name] = float64(ms1.mallocs-ms0.mallocs) / float64(b.N)
	}

	b.Run("track", func(b *testing.B) {
		cfg := createDefaultConfig().(*Config)
		cfg.NetAddr.Endpoint = freeEndpoint(b)
		rcv, err := NewFactory().CreateLogs(ctx, receivertest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
		require.NoError(b, err)
		require.NoError(b, rcv.Start(ctx, componenttest.NewNopHost()))
		defer func() { require.NoError(b, rcv.Shutdown(ctx)) }()
		run(b, "track", "http://"+cfg.NetAddr.Endpoint+"/v1/track", legacyBody)
	})
	b.Run("otlp", func(b *testing.B) {
		f := otlpreceiver.NewFactory()
		cfg := f.CreateDefaultConfig().(*otlpreceiver.Config)
		cfg.Protocols.GRPC = configoptional.None[configgrpc.ServerConfig]()
		httpCfg := cfg.Protocols.HTTP.GetOrInsertDefault()
		httpCfg.ServerConfig.NetAddr.Endpoint = freeEndpoint(b)
		rcv, err := f.CreateLogs(ctx, receivertest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
		require.NoError(b, err)
		require.NoError(b, rcv.Start(ctx, componenttest.NewNopHost()))
		defer func() { require.NoError(b, rcv.Shutdown(ctx)) }()
		run(b, "otlp", "http://"+httpCfg.ServerConfig.NetAddr.Endpoint+"/v1/logs", otlpBody)
	})
	if nsPerEvent["track"] > 0 && nsPerEvent["otlp"] > 0 {
		b.Logf("bodies: legacy %d bytes, OTLP JSON %d bytes for %d events", len(legacyBody), len(otlpBody), benchEvents)
		b.Logf("events/s: track %.0f, otlp %.0f; track/otlp throughput ratio %.2f",
			1e9/nsPerEvent["track"], 1e9/nsPerEvent["otlp"], nsPerEvent["otlp"]/nsPerEvent["track"])
		b.Logf("allocs/request (both sides, whole process): track %.0f, otlp %.0f; ratio %.2f",
			allocs["track"], allocs["otlp"], allocs["track"]/allocs["otlp"])
	}
}
