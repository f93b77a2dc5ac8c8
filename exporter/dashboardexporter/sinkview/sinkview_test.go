package sinkview

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/sinkhealth"
)

// testdata/metrics.txt is the built collector's own endpoint on the default
// config after two events.
func TestParseMetrics(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "metrics.txt"))
	require.NoError(t, err)
	got, err := ParseMetrics(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, ExporterQueue{QueueCapacity: 268435456, Sent: 2}, got["dashboard"])
	assert.Equal(t, ExporterQueue{QueueCapacity: 67108864, Sent: 2}, got["debug"])
	assert.Equal(t, ExporterQueue{QueueCapacity: 1000}, got["notify/#inbox"])
	assert.Equal(t, ExporterQueue{Sent: 1}, got["notify"])

	_, err = ParseMetrics(strings.NewReader("otelcol_exporter_queue_size{exporter=\"x\" 1\n"))
	assert.ErrorContains(t, err, "parse the collector's metrics")

	// Older Prometheus exporters add _total to counters.
	got, err = ParseMetrics(strings.NewReader("# TYPE otelcol_exporter_sent_log_records_total counter\notelcol_exporter_sent_log_records_total{exporter=\"otlphttp\"} 7\n"))
	require.NoError(t, err)
	assert.Equal(t, int64(7), got["otlphttp"].Sent)
}

func FuzzParseMetrics(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "metrics.txt"))
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte("otelcol_exporter_queue_size{exporter=\"a\"} NaN\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = ParseMetrics(bytes.NewReader(in)) // must not panic
	})
}

func TestMerge(t *testing.T) {
	now := time.Unix(1764331200, 0)
	states := []sinkhealth.SinkState{
		{
			Sink:      sinkhealth.Sink{Pipeline: "logs/dashboard", WhenFull: "block"},
			Exporters: []sinkhealth.ComponentStatus{{ID: "dashboard", Status: "StatusRecoverableError", Error: "bind: address already in use"}},
			LastError: "dashboard: bind: address already in use", LastErrorTime: now.Add(-time.Second),
		},
		{
			Sink:      sinkhealth.Sink{Pipeline: "logs/notify", WhenFull: "block"},
			Exporters: []sinkhealth.ComponentStatus{{ID: "notify", Status: "StatusOK"}},
		},
		{
			Sink:      sinkhealth.Sink{Pipeline: "logs/observability", WhenFull: "drop_newest"},
			Exporters: []sinkhealth.ComponentStatus{{ID: "otlphttp", Status: "StatusOK"}},
			Dropped:   300, LastError: "dropped: sending queue is full", LastErrorTime: now.Add(-10 * time.Second),
		},
	}
	metrics := map[string]ExporterQueue{
		"dashboard":     {QueueSize: 50, QueueCapacity: 100},
		"notify":        {Sent: 4},
		"notify/#inbox": {QueueSize: 1, QueueCapacity: 1000},
		"otlphttp":      {QueueSize: 100, QueueCapacity: 100, Sent: 10},
	}
	prog := map[string]progress{}
	got := Merge(states, metrics, prog, now)
	require.Len(t, got, 3)
	assert.Equal(t, HealthFailing, got[0].Health, "an exporter in error")
	assert.InDelta(t, 0.5, got[0].QueueFill, 1e-9)
	assert.Equal(t, HealthOK, got[1].Health)
	assert.Equal(t, int64(1), got[1].QueueSize, "notify's per-target queues count as notify's")
	assert.Equal(t, int64(1000), got[1].QueueCapacity)
	assert.Equal(t, int64(4), got[1].Exporters[0].Sent)
	assert.Equal(t, HealthFailing, got[2].Health, "drops in the last minute")
	assert.Equal(t, int64(300), got[2].Dropped)
	assert.Equal(t, 1.0, got[2].QueueFill)
	assert.Zero(t, got[2].LagSeconds, "first sight: no lag measured yet")

	// 30 s later nothing was sent from a non-empty queue: that is the lag;
	// the drops are not a minute old yet.
	got = Merge(states, metrics, prog, now.Add(30*time.Second))
	assert.Equal(t, 30.0, got[2].LagSeconds)
	assert.Equal(t, 30.0, got[0].LagSeconds)
	assert.Equal(t, 30.0, got[1].LagSeconds, "notify holds one queued notification and sent nothing")

	// Progress resets the lag; drops older than a minute no longer fail the sink.
	metrics["otlphttp"] = ExporterQueue{QueueSize: 10, QueueCapacity: 100, Sent: 99}
	got = Merge(states, metrics, prog, now.Add(2*time.Minute))
	assert.Zero(t, got[2].LagSeconds)
	assert.Equal(t, HealthOK, got[2].Health)
}

// Report scrapes a real HTTP endpoint and joins it with the registry.
func TestCollectorReport(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "metrics.txt"))
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(b) }))
	defer srv.Close()
	src := staticSource{{Sink: sinkhealth.Sink{Pipeline: "logs/dashboard", WhenFull: "block"},
		Exporters: []sinkhealth.ComponentStatus{{ID: "dashboard", Status: "StatusOK"}}}}
	rep := New(srv.URL, time.Second, func() sinkhealth.Source { return src }).Report(context.Background())
	assert.True(t, rep.Registry)
	assert.Empty(t, rep.MetricsError)
	require.Len(t, rep.Sinks, 1)
	assert.Equal(t, int64(268435456), rep.Sinks[0].QueueCapacity)
	assert.Equal(t, int64(2), rep.Sinks[0].Exporters[0].Sent)

	srv.Close()
	rep = New(srv.URL, time.Second, func() sinkhealth.Source { return nil }).Report(context.Background())
	assert.False(t, rep.Registry)
	assert.Contains(t, rep.MetricsError, "scrape the collector's metrics")
	assert.Empty(t, rep.Sinks)
}

type staticSource []sinkhealth.SinkState

func (s staticSource) Sinks() []sinkhealth.SinkState { return s }
