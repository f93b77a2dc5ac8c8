package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	"github.com/unitrack/unitrack/internal/testbin"
)

var allSinks = []string{"blog", "dashboard", "eventlog", "notify", "observability"}

// TestDefaultConfigKeepsThePromises runs the repository's own otelcol.yaml
// (on free ports, in a scratch directory) and checks the promises unitrack was
// founded on, sink by sink, with real outputs: the dashboard's API, the JSON
// event log file, an OTLP backend standing in for observability, the notify
// inbox and the blog directory.
func TestDefaultConfigKeepsThePromises(t *testing.T) {
	obs := testbin.NewOTLPSink(t)
	// The overlay only points observability at a test backend and shortens
	// notify's group_wait; routing and every other sink are the default.
	d := startDefault(t, fmt.Sprintf(`
exporters:
  otlphttp/observability:
    endpoint: %s
    compression: none
  notify:
    group_wait: 300ms
    group_interval: 1s
service:
  pipelines:
    logs/observability:
      exporters: [otlphttp/observability]
`, obs.URL))
	col, dir, trk, otlpHTTP, dash := d.col, d.col.Dir(), d.track, d.otlpHTTP, d.dashboard

	// Which sinks each event must reach under the default routing table.
	want := map[string][]string{ // EventName -> sinks
		"mcp_server_failure":         {"blog", "dashboard", "eventlog", "notify", "observability"},
		"task_failed":                {"blog", "dashboard", "eventlog", "notify", "observability"},
		"dashboard.error":            {"blog", "dashboard", "eventlog", "notify", "observability"},
		"health.status_changed":      {"blog", "dashboard", "eventlog", "notify", "observability"},
		"mcp.circuit_breaker.opened": {"blog", "dashboard", "eventlog", "notify", "observability"},
		"task.failed":                {"blog", "dashboard", "eventlog", "notify", "observability"},
		"notification":               {"dashboard", "eventlog", "notify", "observability"},
		"anomaly.detected":           {"blog", "dashboard", "eventlog", "observability"},
		"checkout.completed":         {"dashboard", "eventlog", "observability"},
		"db.corrupted":               allSinks, // FATAL: every sink
	}

	for _, ex := range legacyExamples {
		resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d%s", trk, ex.path), "application/json", strings.NewReader(ex.body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "POST %s", ex.path)
	}
	emitOTLP(t, fmt.Sprintf("http://127.0.0.1:%d/v1/logs", otlpHTTP))

	// dashboard: every event, with the routes the table chose.
	type dashEvent struct {
		EventID   string   `json:"event_id"`
		EventName string   `json:"event_name"`
		Routes    []string `json:"routes"`
	}
	var events []dashEvent
	col.WaitFor(20*time.Second, func() bool {
		events = nil
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/events?limit=100", dash))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var page struct {
			Events []dashEvent `json:"events"`
		}
		if json.NewDecoder(resp.Body).Decode(&page) != nil {
			return false
		}
		events = page.Events
		return len(events) == len(want)
	}, "dashboard /api/events holds every event")

	idsOf := map[string]string{} // EventName -> track.event_id
	routedTo := map[string]map[string]bool{}
	for _, ev := range events {
		idsOf[ev.EventName] = ev.EventID
		sort.Strings(ev.Routes)
		assert.Equal(t, want[ev.EventName], ev.Routes, "track.routes of %s", ev.EventName)
	}
	require.Len(t, idsOf, len(want), "distinct events on the dashboard")
	for _, s := range allSinks {
		routedTo[s] = map[string]bool{}
	}
	for name, sinks := range want {
		for _, s := range sinks {
			routedTo[s][idsOf[name]] = true
		}
	}
	seen := map[string]map[string]bool{"dashboard": {}}
	for _, ev := range events {
		seen["dashboard"][ev.EventID] = true
	}

	// eventlog: the legacy JSON event log file.
	col.WaitFor(10*time.Second, func() bool {
		seen["eventlog"] = eventlogIDs(filepath.Join(dir, "var/eventlog/events.jsonl"), idsOf)
		return len(seen["eventlog"]) >= len(routedTo["eventlog"])
	}, "every event in var/eventlog/events.jsonl")

	// observability: the OTLP backend.
	obs.WaitForRecords(t, len(routedTo["observability"]), 10*time.Second)
	seen["observability"] = map[string]bool{}
	for _, r := range obs.Records() {
		if v, ok := r.Log.Attributes().Get("track.event_id"); ok {
			seen["observability"][v.Str()] = true
		}
	}

	// notify: every firing event is in a notification of the inbox.
	col.WaitFor(20*time.Second, func() bool {
		seen["notify"] = notifiedIDs(filepath.Join(dir, "var/notify/inbox.jsonl"))
		return len(seen["notify"]) >= len(routedTo["notify"])
	}, "notifications for every notify-routed event in var/notify/inbox.jsonl")

	// blog: every blog-routed event is in a post's front matter.
	col.WaitFor(10*time.Second, func() bool {
		seen["blog"] = bloggedIDs(filepath.Join(dir, "var/blog"))
		return len(seen["blog"]) >= len(routedTo["blog"])
	}, "posts for every blog-routed event in var/blog")

	for _, s := range allSinks {
		assert.Equal(t, sortedKeys(routedTo[s]), sortedKeys(seen[s]), "events that reached sink %s", s)
	}
	// The promises, stated directly.
	for name, id := range idsOf {
		n := 0
		for _, s := range allSinks {
			if seen[s][id] {
				n++
			}
		}
		assert.GreaterOrEqual(t, n, 2, "%s reached %d sinks, want at least 2", name, n)
	}
	for _, s := range allSinks {
		assert.True(t, seen[s][idsOf["db.corrupted"]], "the critical event reached sink %s", s)
	}
}

func emitOTLP(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(url))
	require.NoError(t, err)
	lp := sdklog.NewLoggerProvider(
		sdklog.WithResource(sdkresource.NewSchemaless(semconv.ServiceName("checkout"))),
		sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	logger := lp.Logger("checkout")
	for _, e := range []struct {
		name string
		sev  otellog.Severity
		body string
	}{
		{"checkout.completed", otellog.SeverityInfo, "order 42 paid"},
		{"db.corrupted", otellog.SeverityFatal, "orders table is corrupted"},
	} {
		var rec otellog.Record
		rec.SetEventName(e.name)
		rec.SetSeverity(e.sev)
		rec.SetBody(attribute.StringValue(e.body))
		rec.SetTimestamp(time.Now())
		logger.Emit(ctx, rec)
	}
	require.NoError(t, lp.Shutdown(ctx))
}

// eventlogIDs reads the event id of every line: data["track.event_id"] for
// lines of other formats; a json_events line is written back as it came, so
// it has its own top-level event_id or none, and is then known by its event
// name (idsOf, from the dashboard).
func eventlogIDs(path string, idsOf map[string]string) map[string]bool {
	ids := map[string]bool{}
	forLines(path, func(line []byte) {
		var l struct {
			Event   string         `json:"event"`
			EventID string         `json:"event_id"`
			Data    map[string]any `json:"data"`
		}
		if json.Unmarshal(line, &l) != nil {
			return
		}
		id, _ := l.Data["track.event_id"].(string)
		if id == "" {
			id = l.EventID
		}
		if id == "" {
			id = idsOf[l.Event]
		}
		if id != "" {
			ids[id] = true
		}
	})
	return ids
}

func notifiedIDs(path string) map[string]bool {
	ids := map[string]bool{}
	forLines(path, func(line []byte) {
		var n struct {
			EventIDs []string `json:"event_ids"`
		}
		if json.Unmarshal(line, &n) == nil {
			for _, id := range n.EventIDs {
				ids[id] = true
			}
		}
	})
	return ids
}

// bloggedIDs reads the event_ids list of every post's front matter.
func bloggedIDs(dir string) map[string]bool {
	ids := map[string]bool{}
	files, _ := globPosts(filepath.Join(dir, "*.md"))
	for _, f := range files {
		inIDs := false
		forLines(f, func(line []byte) {
			s := string(line)
			switch {
			case strings.HasPrefix(s, "event_ids:"):
				inIDs = true
			case inIDs && strings.HasPrefix(strings.TrimSpace(s), "- "):
				ids[strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "- "))] = true
			default:
				inIDs = false
			}
		})
	}
	return ids
}

func forLines(path string, fn func([]byte)) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		fn(sc.Bytes())
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
