package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBlogServerStartsLateOnBusyPort runs the default otelcol.yaml with the
// blog's server on a port another process holds: the collector starts, the
// blog writes its posts, and once the port is free the server listens and
// serves them under the shared serving rule (internal/blogfiles).
func TestBlogServerStartsLateOnBusyPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := taken.Addr().String()
	d := startDefault(t, fmt.Sprintf(`
exporters:
  blog:
    lists_interval: 0s
    server:
      endpoint: %s
`, addr))
	assert.Contains(t, d.col.Output(), "The blog server cannot listen yet")

	post(t, d.track, "/v1/legacy/circuit-breaker", `{"server":"late-port","event":"opened","state":"open","failure_count":5,"threshold":5,"error":"Timeout after 30s","cooldown_seconds":60}`)
	dir := filepath.Join(d.col.Dir(), "var/blog")
	var page string
	d.col.WaitFor(30*time.Second, func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "*-late-port-circuit-breaker-opened.html"))
		if len(m) == 1 {
			page = filepath.Base(m[0])
		}
		return page != ""
	}, "the post is written while the server's port is taken")

	require.NoError(t, taken.Close())
	var body string
	var resp *http.Response
	d.col.WaitFor(60*time.Second, func() bool {
		r, err := http.Get("http://" + addr + "/" + page)
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		resp, body = r, string(b)
		return r.StatusCode == http.StatusOK
	}, "the blog server serves once the port is free")
	assert.Contains(t, body, "MCP server late-port: circuit breaker opened")
	assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox;"), "CSP %q", resp.Header.Get("Content-Security-Policy"))
	_, err = os.Stat(filepath.Join(dir, page))
	require.NoError(t, err)
}
