package dashboardexporter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// BenchmarkConsumeLogs is the whole exporter path for batches of 1000
// records, sending queue off: exporterhelper, flattening, the SQLite
// transaction and publishing to one live stream.
func BenchmarkConsumeLogs(b *testing.B) {
	td := startDashboard(b, b.TempDir(), nil)
	stream := openStream(b, td.URL+"/api/stream", nil)
	go func() {
		for {
			if _, err := stream.next(); err != nil {
				return
			}
		}
	}()
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		ld := benchBatch(i)
		b.StartTimer()
		if err := td.exp.ConsumeLogs(ctx, ld); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
}

var benchNames = []string{"mcp.circuit_breaker.failure", "health.check", "task.succeeded", "agent.step", "dashboard.error"}

func benchBatch(n int) plog.Logs {
	evs := make([]ev, 1000)
	for i := range evs {
		k := n*1000 + i
		evs[i] = ev{
			id:   fmt.Sprintf("b%09d", k),
			name: benchNames[k%len(benchNames)],
			body: fmt.Sprintf("step %d of run %d finished: connection to ollama ok after %d ms", k%100, k/100, k%997),
			sev:  []string{"DEBUG", "INFO", "INFO", "WARN", "ERROR"}[k%5],
			at:   time.Duration(k) * time.Millisecond,
			attrs: map[string]any{"attempt": int64(k % 4), "latency_ms": float64(k%1000) + 0.5,
				"detail": fmt.Sprintf("worker-%d", k%16)},
		}
	}
	return logsOf(evs...)
}
