package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

// defaultCollector is the repository's own otelcol.yaml running on free
// ports, in a scratch working directory (so ./var is the test's own).
type defaultCollector struct {
	col                                                   *testbin.Collector
	health, track, otlpHTTP, otlpGRPC, dashboard, metrics int
}

// startDefault runs otelcol.yaml with overlay merged over it (an empty
// overlay runs it unchanged); the listeners move through the environment
// variables the file reads.
func startDefault(t testing.TB, overlay string, extra ...testbin.Option) defaultCollector {
	t.Helper()
	return startConfig(t, filepath.Join(testbin.RepoRoot(t), "otelcol.yaml"), overlay, extra...)
}

// startConfig is startDefault for another config file that reads the same
// environment variables (e2e/testdata/inmemory.yaml).
func startConfig(t testing.TB, file, overlay string, extra ...testbin.Option) defaultCollector {
	t.Helper()
	cfg, err := os.ReadFile(file)
	require.NoError(t, err)
	d := defaultCollector{
		health: testbin.FreePort(t), track: testbin.FreePort(t), otlpHTTP: testbin.FreePort(t),
		otlpGRPC: testbin.FreePort(t), dashboard: testbin.FreePort(t), metrics: testbin.FreePort(t),
	}
	opts := []testbin.Option{
		testbin.WithHealthPort(d.health),
		testbin.WithEnv(
			fmt.Sprintf("UNITRACK_HEALTH_ENDPOINT=127.0.0.1:%d", d.health),
			fmt.Sprintf("UNITRACK_TRACK_ENDPOINT=127.0.0.1:%d", d.track),
			fmt.Sprintf("UNITRACK_OTLP_HTTP_ENDPOINT=127.0.0.1:%d", d.otlpHTTP),
			fmt.Sprintf("UNITRACK_OTLP_GRPC_ENDPOINT=127.0.0.1:%d", d.otlpGRPC),
			fmt.Sprintf("UNITRACK_DASHBOARD_ENDPOINT=127.0.0.1:%d", d.dashboard),
			fmt.Sprintf("UNITRACK_METRICS_PORT=%d", d.metrics),
		),
	}
	if overlay != "" {
		opts = append(opts, testbin.WithOverlay(overlay))
	}
	opts = append(opts, extra...)
	d.col = testbin.Start(t, string(cfg), opts...)
	return d
}
