package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

// BenchmarkScaleOut compares, in one run, the two ways from an agent to a
// gateway, both with the deploy/kafka/ files: through Kafka (kfake in this
// process) and directly over OTLP/gRPC (the agent's kafka exporter swapped
// for otlp, the gateway's kafka receivers for otlp). One op is one request
// of 100 legacy circuit-breaker events to the agent; the clock runs from the
// first request until the gateway's dashboard holds every event, so it
// measures delivered throughput, not only what the agent accepted.
//
//	UNITRACK_BIN=$PWD/bin/otelcol-unitrack go test ./e2e/ -run '^$' -bench ScaleOut -benchtime 100x
func BenchmarkScaleOut(b *testing.B) {
	for _, path := range []string{"kafka", "otlp"} {
		b.Run(path, func(b *testing.B) {
			_, brokers := startKafka(b)
			var gw *kafkaGateway
			var agent kafkaAgent
			if path == "kafka" {
				gw = startGateway(b, "bench", brokers)
				agent = startAgent(b, brokers)
			} else {
				port := testbin.FreePort(b)
				gw = startGateway(b, "bench", brokers, testbin.WithOverlay(fmt.Sprintf(`
receivers:
  otlp/agents:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
service:
  pipelines:
    logs/incidents:
      receivers: [otlp/agents]
    logs/dashboard:
      receivers: [otlp/agents]
`, port)))
				agent = startAgent(b, brokers, testbin.WithOverlay(fmt.Sprintf(`
exporters:
  otlp/gateway:
    endpoint: 127.0.0.1:%d
    tls:
      insecure: true
    sending_queue:
      storage: file_storage
      queue_size: 10000
      batch:
        flush_timeout: 200ms
        min_size: 1000
service:
  pipelines:
    logs/kafka:
      exporters: [otlp/gateway]
`, port)))
			}
			body := breakerBatch(100)
			url := fmt.Sprintf("http://127.0.0.1:%d/v1/legacy/circuit-breaker", agent.track)
			start := time.Now()
			n := 0
			for b.Loop() {
				resp, err := http.Post(url, "application/x-ndjson", strings.NewReader(body))
				require.NoError(b, err)
				resp.Body.Close()
				require.Equal(b, http.StatusOK, resp.StatusCode)
				n += 100
			}
			deadline := time.Now().Add(5 * time.Minute)
			for gw.total(b) < n {
				require.True(b, time.Now().Before(deadline), "gateway dashboard holds %d of %d events", gw.total(b), n)
				time.Sleep(20 * time.Millisecond)
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(n)/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(elapsed.Microseconds())/float64(n), "µs/event")
		})
	}
}

// breakerBatch is n circuit-breaker events for n/10 servers, as NDJSON.
func breakerBatch(n int) string {
	var s strings.Builder
	for i := range n {
		fmt.Fprintf(&s, `{"server":"s%02d","event":"opened","state":"open","failure_count":%d,"threshold":5,"error":"Timeout after 30s","cooldown_seconds":60}`+"\n", i%(n/10), i)
	}
	return s.String()
}

// total is the number of events the gateway's dashboard holds.
func (g *kafkaGateway) total(t testing.TB) int {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/stats", g.dashboard))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var st struct {
		Total int `json:"total"`
	}
	if json.NewDecoder(resp.Body).Decode(&st) != nil {
		return 0
	}
	return st.Total
}
