package blogexporter

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/exporter/blogexporter/internal/metadata"
	"github.com/unitrack/unitrack/internal/track"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// testEvent is one log record to send.
type testEvent struct {
	name    string
	body    string
	service string
	sev     plog.SeverityNumber
	at      time.Time
	attrs   map[string]any
}

func logsOf(evs ...testEvent) plog.Logs {
	ld := plog.NewLogs()
	for _, e := range evs {
		rl := ld.ResourceLogs().AppendEmpty()
		svc := e.service
		if svc == "" {
			svc = "agent-runner"
		}
		rl.Resource().Attributes().PutStr(track.AttrServiceName, svc)
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetEventName(e.name)
		lr.Body().SetStr(e.body)
		lr.SetSeverityNumber(e.sev)
		lr.SetTimestamp(pcommon.NewTimestampFromTime(e.at))
		if err := lr.Attributes().FromRaw(e.attrs); err != nil {
			panic(err)
		}
	}
	return ld
}

// cbEvent is a circuit breaker event of the legacy mapping.
func cbEvent(server, ev string, at time.Time, id string) testEvent {
	sev := map[string]plog.SeverityNumber{"failure": 13, "success": 5, "opened": 17, "half_open": 13, "closed": 9}[ev]
	return testEvent{
		name: "mcp.circuit_breaker." + ev, body: "Timeout after 30s", sev: sev, at: at,
		attrs: map[string]any{
			track.AttrMCPServerName: server, track.AttrCategory: "mcp", track.AttrEventID: id,
			track.AttrSource: "circuit_breaker", track.AttrCBState: "open",
		},
	}
}

func healthEvent(check, status string, at time.Time, id string) testEvent {
	sev := map[string]plog.SeverityNumber{"healthy": 9, "degraded": 13, "unhealthy": 17}[status]
	return testEvent{
		name: "health.status_changed", body: check + ": -> " + status, sev: sev, at: at,
		attrs: map[string]any{
			track.AttrHealthCheck: check, track.AttrHealthStatus: status, track.AttrCategory: "health",
			track.AttrEventID: id,
		},
	}
}

func blogPostEvent(title, content string, at time.Time, id string) testEvent {
	return testEvent{
		name: "blog.post", body: content, sev: 9, at: at,
		attrs: map[string]any{
			track.AttrBlogTitle: title, track.AttrBlogAuthor: "operator", track.AttrCategory: "blog",
			track.AttrTags: []any{"release", "notes"}, track.AttrEventID: id,
		},
	}
}

// fakeClock is the exporter's injected clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func testConfig(dir string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Directory = dir
	cfg.Digest.Enabled = false
	return cfg
}

// startExporter creates and starts the bare exporter (no exporterhelper, so
// push errors come back directly) with an injected clock. It is shut down at
// cleanup unless the test did it.
func startExporter(t testing.TB, cfg *Config, clock *fakeClock) *blogExporter {
	t.Helper()
	e, err := newBlogExporter(cfg, exportertest.NewNopSettings(metadata.Type))
	require.NoError(t, err)
	e.now = clock.now
	require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { _ = e.shutdown(context.Background()) })
	return e
}

func push(t testing.TB, e *blogExporter, evs ...testEvent) {
	t.Helper()
	require.NoError(t, e.pushLogs(context.Background(), logsOf(evs...)))
}

// readPosts parses every .md file of dir, by stem.
func readPosts(t testing.TB, dir string) map[string]*post {
	t.Helper()
	out := map[string]*post{}
	mds, err := filepath.Glob(filepath.Join(dir, "*.md"))
	require.NoError(t, err)
	for _, md := range mds {
		if strings.HasPrefix(filepath.Base(md), tmpPrefix) {
			continue // a temporary file a killed writer left: never a post
		}
		data, err := os.ReadFile(md)
		require.NoError(t, err)
		p, err := parsePost(data)
		require.NoError(t, err, "parse %s", md)
		p.slug = filepath.Base(md[:len(md)-3])
		out[p.slug] = p
	}
	return out
}

func postStems(posts map[string]*post) []string {
	out := make([]string, 0, len(posts))
	for s := range posts {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// onlyPost returns the single post of dir.
func onlyPost(t testing.TB, dir string) *post {
	t.Helper()
	posts := readPosts(t, dir)
	require.Len(t, posts, 1, "posts: %v", postStems(posts))
	for _, p := range posts {
		return p
	}
	return nil
}

func exportertestSettings() exporter.Settings {
	return exportertest.NewNopSettings(metadata.Type)
}
