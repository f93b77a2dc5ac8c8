package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostileInputOnTheBinary is issue 12's hostile-input suite on the
// built binary with the default config: each attack on a listener gets a
// clear 4xx and leaves nothing stored; hostile text that is valid data is
// stored and rendered inert in every sink; the collector keeps serving.
func TestHostileInputOnTheBinary(t *testing.T) {
	d := startDefault(t, `
receivers:
  track:
    read_header_timeout: 1s
exporters:
  dashboard:
    read_header_timeout: 1s
  notify:
    group_wait: 1s
`)
	trackURL := fmt.Sprintf("http://127.0.0.1:%d", d.track)
	dashURL := fmt.Sprintf("http://127.0.0.1:%d", d.dashboard)
	otlpURL := fmt.Sprintf("http://127.0.0.1:%d", d.otlpHTTP)
	dir := d.col.Dir()
	jsonCT := map[string]string{"Content-Type": "application/json"}

	// Refused requests; each carries a marker that must never be stored.
	deep := strings.Repeat(`{"a":`, 100_000) + `"REJECTED-1"` + strings.Repeat("}", 100_000)
	for _, tt := range []struct {
		name, path, body string
		want             int
		wantErr          string
	}{
		{"JSON nested 100 000 deep", "/v1/track", `{"event_type":"REJECTED-1","message":"m","metadata":` + deep + `}`, 400, "nested deeper than 300 levels"},
		{"bytes after the JSON", "/v1/track", `{"event_type":"REJECTED-2","message":"m"} trailing`, 400, "body is not JSON"},
		{"NUL after the JSON", "/v1/legacy/events", "{\"ts\":1764331200,\"level\":\"ERROR\",\"event\":\"REJECTED-3\",\"msg\":\"m\"}\x00", 400, "body is not JSON"},
		{"huge number", "/v1/legacy/health", `{"check":"REJECTED-4","status":"unhealthy","latency_ms":1e999999}`, 400, `field \"latency_ms\"`},
		{"body over max_request_body_size", "/v1/track", `{"event_type":"REJECTED-5","message":"` + strings.Repeat("a", 5<<20) + `"}`, 413, "max_request_body_size"},
	} {
		r := send(t, nil, http.MethodPost, trackURL+tt.path, jsonCT, tt.body)
		assert.Equal(t, tt.want, r.status, "%s: %.300s", tt.name, r.body)
		assert.Contains(t, r.body, tt.wantErr, tt.name)
	}
	// Oversized headers on every HTTP listener: 431.
	big := map[string]string{"X-Big": strings.Repeat("a", 2<<20)}
	for _, u := range []string{trackURL + "/v1/track", dashURL + "/api/events", otlpURL + "/v1/logs"} {
		r := send(t, nil, http.MethodGet, u, big, "")
		assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, r.status, u)
	}
	// Slowloris against read_header_timeout on our listeners.
	for _, port := range []int{d.track, d.dashboard} {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		require.NoError(t, err)
		_, err = io.WriteString(c, "POST /v1/track HTTP/1.1\r\nHost: localhost\r\nX-Slow: a")
		require.NoError(t, err)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(15*time.Second)))
		start := time.Now()
		_, _ = bufio.NewReader(c).ReadString('\n')
		assert.Less(t, time.Since(start), 10*time.Second, "port %d kept a slow client past read_header_timeout", port)
		c.Close()
	}

	// Valid events whose text is hostile: stored as data, rendered inert.
	for _, ev := range []struct{ path, body string }{
		{"/v1/legacy/blog", `{"title":"../../../etc/passwd <script>alert(1)</script>","content":"[x](javascript:alert(1)) <img src=x onerror=alert(1)> <iframe src=//evil.example></iframe>\n\n---\ntitle: injected\n---","tags":["../x","<b>"],"author":"HOSTILE-BLOG"}`},
		{"/v1/legacy/notify", `{"title":"HOSTILE-NOTIFY\r\nX-Injected: 1","message":"<!channel> @everyone [docs](https://evil.example)","priority":"urgent","source":"../../x","tags":["a\r\nb"]}`},
		{"/v1/legacy/health", `{"check":"../../../tmp/HOSTILE-HEALTH","status":"unhealthy","previous_status":"healthy","error":"<script>alert(1)</script>"}`},
		{"/v1/legacy/dashboard", `{"type":"error","action":"<img src=x onerror=alert(1)>","message":"HOSTILE-DASH \u0000 nul","url":"javascript:alert(1)","stack":"</script><script>alert(1)</script>"}`},
		{"/v1/legacy/circuit-breaker", `{"server":"..\\..\\HOSTILE-CB","event":"opened","state":"open","failure_count":5,"error":"x"}`},
		{"/v1/track", "{\"event_type\":\"hostile_utf8\",\"message\":\"HOSTILE-UTF8 \xff\xfe end\",\"severity\":\"error\"}"},
	} {
		r := send(t, nil, http.MethodPost, trackURL+ev.path, jsonCT, ev.body)
		require.Equal(t, 200, r.status, "%s: %s", ev.path, r.body)
	}
	// The marker after everything: when it is in the sinks, so is the rest.
	r := send(t, nil, http.MethodPost, trackURL+"/v1/legacy/notify", jsonCT, `{"title":"final marker","message":"FINAL-MARKER","priority":"urgent"}`)
	require.Equal(t, 200, r.status, r.body)
	d.col.WaitFor(30*time.Second, func() bool { return dashboardHas(t, nil, dashURL, "", "FINAL-MARKER") }, "the final marker on the dashboard")
	d.col.WaitFor(30*time.Second, func() bool { return fileHas(filepath.Join(dir, "var/eventlog/events.jsonl"), "FINAL-MARKER") }, "the final marker in the event log")
	d.col.WaitFor(30*time.Second, func() bool { return fileHas(filepath.Join(dir, "var/notify/inbox.jsonl"), "final marker") }, "the final marker's notification")
	d.col.WaitFor(30*time.Second, func() bool {
		m, _ := globPosts(filepath.Join(dir, "var/blog/*.html"))
		for _, f := range m {
			if fileHas(f, "HOSTILE-BLOG") {
				return true
			}
		}
		return false
	}, "the hostile blog post written")

	// Nothing of the refused requests anywhere.
	for i := 1; i <= 5; i++ {
		marker := fmt.Sprintf("REJECTED-%d", i)
		assert.False(t, fileHas(filepath.Join(dir, "var/eventlog/events.jsonl"), marker), marker)
		assert.False(t, dashboardHas(t, nil, dashURL, "", marker), marker)
	}
	// Name-like fields never left their directory: the working directory
	// holds only var/, and var/blog only flat, plainly named files.
	top, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range top {
		assert.Equal(t, "var", e.Name(), "a file outside var/")
	}
	_, err = os.Stat("/tmp/HOSTILE-HEALTH")
	assert.True(t, os.IsNotExist(err), "a health check name became a path")
	handlerAttr := regexp.MustCompile(`<[a-z][^>]*\son[a-z]+\s*=`)
	safe := regexp.MustCompile(`^\.?[a-z0-9][a-z0-9._-]*$`) // .digest-state.json is the blog's own
	blog, err := os.ReadDir(filepath.Join(dir, "var/blog"))
	require.NoError(t, err)
	for _, e := range blog {
		assert.False(t, e.IsDir(), "directory %s in the blog", e.Name())
		assert.Regexp(t, safe, e.Name())
		if strings.HasSuffix(e.Name(), ".html") || strings.HasSuffix(e.Name(), ".atom") {
			b, _ := os.ReadFile(filepath.Join(dir, "var/blog", e.Name()))
			low := bytes.ToLower(b)
			for _, bad := range []string{"<script", "<img", "<iframe", `href="javascript:`, "-->title: injected"} {
				assert.NotContains(t, string(low), bad, "%s holds %s", e.Name(), bad)
			}
			// "onerror=" may stand in escaped text (a title that quotes the
			// attack); as an attribute of a real tag it must not.
			assert.NotRegexp(t, handlerAttr, string(low), "%s has an event-handler attribute", e.Name())
		}
	}
	// Every inbox line is one JSON object; the CRLF title is data in it.
	inbox, err := os.ReadFile(filepath.Join(dir, "var/notify/inbox.jsonl"))
	require.NoError(t, err)
	for _, line := range bytes.Split(bytes.TrimSpace(inbox), []byte("\n")) {
		assert.True(t, json.Valid(line), "inbox line: %.200s", line)
	}
	assert.NotContains(t, string(inbox), "\r\nX-Injected", "a raw CRLF in the inbox")
	// Invalid UTF-8 was stored as U+FFFD, in every sink.
	assert.True(t, dashboardHas(t, nil, dashURL, "", "HOSTILE-UTF8 \uFFFD\uFFFD end"))
	assert.True(t, fileHas(filepath.Join(dir, "var/eventlog/events.jsonl"), "HOSTILE-UTF8 \uFFFD\uFFFD end") ||
		fileHas(filepath.Join(dir, "var/eventlog/events.jsonl"), `HOSTILE-UTF8 \ufffd\ufffd end`))
	for _, f := range []string{"var/eventlog/events.jsonl", "var/notify/inbox.jsonl"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		assert.True(t, utf8.Valid(b), "%s is valid UTF-8", f)
	}
	// The dashboard returns the markup as JSON text, never as HTML.
	r = send(t, nil, http.MethodGet, dashURL+`/api/events?q=HOSTILE`, nil, "")
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.NotContains(t, r.body, "<script>")
	assert.Contains(t, r.body, `\u003cscript\u003e`)
	// The dashboard's blog pages and assets cannot be walked out of.
	for _, p := range []string{"/blog/..%2F..%2Fetc%2Fpasswd", "/blog/../../etc/passwd", "/blog/%2e%2e%2fnotify%2finbox.jsonl", "/assets/..%2F..%2Fgo.mod"} {
		r = send(t, nil, http.MethodGet, dashURL+p, nil, "")
		assert.Contains(t, []int{400, 404}, r.status, "%s: %.200s", p, r.body)
		assert.NotContains(t, r.body, "root:")
	}
	// Still serving.
	r = send(t, nil, http.MethodPost, trackURL+"/v1/track", jsonCT, `{"event_type":"after","message":"still serving"}`)
	assert.Equal(t, 200, r.status, r.body)
	r = send(t, nil, http.MethodGet, dashURL+"/api/stats", nil, "")
	assert.Equal(t, 200, r.status, r.body)
}
