package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// anomalyPosts counts the blog's anomaly posts whose body holds want.
func anomalyPosts(dir, want string) int {
	files, _ := globPosts(filepath.Join(dir, "*.md"))
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && strings.Contains(string(b), "kind: anomaly") && strings.Contains(string(b), want) {
			n++
		}
	}
	return n
}

// anomaliesEmitted is the value of the anomaly connector's records counter
// for one kind and status in a Prometheus scrape ("" when absent).
func anomaliesEmitted(scrape, kind, status string) string {
	for line := range strings.Lines(scrape) {
		name, rest, _ := strings.Cut(line, "{")
		if !strings.HasPrefix(name, "otelcol_connector_anomaly_records_emitted") ||
			!strings.Contains(rest, `kind="`+kind+`"`) || !strings.Contains(rest, `status="`+status+`"`) {
			continue
		}
		if i := strings.LastIndexByte(rest, '}'); i >= 0 {
			return strings.TrimSpace(rest[i+1:])
		}
	}
	return ""
}

// TestAnomaliesReachTheBlog runs the default config with short buckets: after
// a warmed baseline an error spike gives exactly one anomaly post, and a
// health check that reported every bucket and stops gives exactly one.
func TestAnomaliesReachTheBlog(t *testing.T) {
	d := startDefault(t, `
connectors:
  anomaly:
    bucket: 1s
    error_rate: {baseline_buckets: 5, warmup_buckets: 4}
    silence: {warmup_reports: 4, min_silence: 0s, factor: 4}
    new_error_names: {enabled: false}
`)
	post := func(path, body string) {
		resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d%s", d.track, path), "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "POST %s", path)
	}
	info := `{"event_type":"tick","message":"ok","severity":"info","category":"mcp"}`
	health := `{"check":"ollama","status":"healthy"}`
	failure := `{"event_type":"mcp_server_failure","message":"MCP server filesystem failed: timeout","severity":"error","category":"mcp","metadata":{"server":"filesystem"}}`
	blog := filepath.Join(d.col.Dir(), "var/blog")

	// Warm-up: 8 s of steady traffic, the health check every 500 ms. The
	// sleeps here and below pace the traffic: the detectors work on 1 s
	// buckets of wall-clock time, so elapsed time is what is tested.
	for range 16 {
		post("/v1/track", info)
		post("/v1/legacy/health", health)
		time.Sleep(500 * time.Millisecond)
	}
	// The spike: 40 failures at once, health still reporting.
	for range 40 {
		post("/v1/track", failure)
	}
	deadline := time.Now().Add(30 * time.Second)
	for anomalyPosts(blog, "Error rate of mcp") == 0 && time.Now().Before(deadline) {
		post("/v1/legacy/health", health)
		time.Sleep(500 * time.Millisecond)
	}
	require.Equal(t, 1, anomalyPosts(blog, "Error rate of mcp"), "one anomaly post for the spike\n%s", d.col.Output())

	// Silence: the health check stops; mcp traffic goes on.
	deadline = time.Now().Add(30 * time.Second)
	for anomalyPosts(blog, "check ollama") == 0 && time.Now().Before(deadline) {
		post("/v1/track", info)
		time.Sleep(500 * time.Millisecond)
	}
	require.Equal(t, 1, anomalyPosts(blog, "check ollama"), "one anomaly post for the silence\n%s", d.col.Output())

	// Exactly one each: the episodes go on for 3 s more (six more buckets in
	// which the detectors could report them again: time under test), then a
	// marker (a legacy blog post) is written after anything the detector
	// sent before it; the detector's own counter says it reported each
	// episode once, whatever the blog made of it.
	for range 6 {
		post("/v1/track", info) // mcp traffic goes on: it must not fall silent itself
		time.Sleep(500 * time.Millisecond)
	}
	post("/v1/legacy/blog", `{"title":"Marker","content":"after the anomalies","author":"e2e"}`)
	d.col.WaitFor(20*time.Second, func() bool {
		files, _ := globPosts(filepath.Join(blog, "*marker*.md"))
		return len(files) == 1
	}, "the marker post")
	require.Equal(t, 1, anomalyPosts(blog, "Error rate of mcp"), "still one spike post")
	require.Equal(t, 1, anomalyPosts(blog, "check ollama"), "still one silence post")
	metrics := scrape(fmt.Sprintf("http://127.0.0.1:%d/metrics", d.metrics))
	require.Equal(t, "1", anomaliesEmitted(metrics, "error_rate", "detected"), "error rate episodes reported\n%s", metrics)
	require.Equal(t, "1", anomaliesEmitted(metrics, "silence", "detected"), "silences reported\n%s", metrics)

	// The dashboard has them too.
	var names []string
	d.col.WaitFor(20*time.Second, func() bool {
		names = nil
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/events?limit=500", d.dashboard))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var page struct {
			Events []struct {
				EventName string `json:"event_name"`
			} `json:"events"`
		}
		if json.NewDecoder(resp.Body).Decode(&page) != nil {
			return false
		}
		n := 0
		for _, e := range page.Events {
			names = append(names, e.EventName)
			if e.EventName == "anomaly.detected" {
				n++
			}
		}
		return n == 2
	}, "two anomaly.detected events on the dashboard")
}
