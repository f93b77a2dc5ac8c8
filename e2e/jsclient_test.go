package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

// TestJavaScriptSDKClient points a real OpenTelemetry JS SDK (Node.js, the
// packages in e2e/jsclient, installed by `make test` with npm ci) at the
// default config's OTLP/HTTP port: its events are normalised and routed like
// legacy ones, so a breaker opened from JS reaches the dashboard and the blog.
func TestJavaScriptSDKClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: the JS SDK client test needs Node.js")
	}
	dir := filepath.Join(testbin.RepoRoot(t), "e2e", "jsclient")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@opentelemetry", "sdk-logs")); err != nil {
		t.Fatal("e2e/jsclient/node_modules is missing: run `npm ci --prefix e2e/jsclient` (make test does)")
	}

	d := startDefault(t, "")
	runID := fmt.Sprintf("run-%d", time.Now().UnixNano())
	cmd := exec.Command(node, "emit.mjs", fmt.Sprintf("http://127.0.0.1:%d/v1/logs", d.otlpHTTP), runID)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "node emit.mjs: %s", out)

	type event struct {
		EventName string         `json:"event_name"`
		Category  string         `json:"category"`
		Service   string         `json:"service"`
		Source    string         `json:"source"`
		Routes    []string       `json:"routes"`
		Attrs     map[string]any `json:"attributes"`
	}
	var events []event
	dashURL := fmt.Sprintf("http://127.0.0.1:%d/api/events?service=web-frontend", d.dashboard)
	d.col.WaitFor(15*time.Second, func() bool {
		resp, err := http.Get(dashURL)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var page struct {
			Events []event `json:"events"`
		}
		if json.NewDecoder(resp.Body).Decode(&page) != nil {
			return false
		}
		events = page.Events
		return len(events) == 2
	}, "both JS SDK events on the dashboard")

	byName := map[string]event{}
	for _, e := range events {
		byName[e.EventName] = e
		assert.Equal(t, runID, e.Attrs["run.id"], "%s run.id", e.EventName)
		assert.Equal(t, "otlp", e.Source, "%s track.source", e.EventName)
		assert.NotEmpty(t, e.Attrs["track.event_id"], "%s track.event_id minted", e.EventName)
	}
	breaker := byName["mcp.circuit_breaker.opened"]
	assert.Equal(t, "mcp", breaker.Category, "category from the event name's first segment")
	assert.Equal(t, []string{"blog", "dashboard", "eventlog", "notify", "observability"}, breaker.Routes)
	render := byName["ui.render"]
	assert.Equal(t, "ui", render.Category)
	assert.Equal(t, []string{"dashboard", "eventlog", "observability"}, render.Routes)

	// The blog wrote the incident the JS service reported.
	d.col.WaitFor(10*time.Second, func() bool {
		posts, _ := globPosts(filepath.Join(d.col.Dir(), "var", "blog", "*browser-tools*.md"))
		for _, p := range posts {
			if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), "breaker opened ("+runID+")") {
				return true
			}
		}
		return false
	}, "a blog post for the JS SDK's circuit breaker")
}
