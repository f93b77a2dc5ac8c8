package blogexporter

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"

	"github.com/unitrack/unitrack/exporter/blogexporter/internal/metadata"
	"github.com/unitrack/unitrack/internal/blogfiles"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// TestLifecycleWithServer goes through the factory and exporterhelper (queue
// on, as by default): create, start with the HTTP server, consume, read the
// blog over HTTP, shut down. goleak (TestMain) checks nothing is left.
func TestLifecycleWithServer(t *testing.T) {
	dir := t.TempDir()
	cfg := createDefaultConfig().(*Config)
	cfg.Directory = dir
	addr := freeAddr(t)
	cfg.Server.GetOrInsertDefault().NetAddr.Endpoint = addr
	require.NoError(t, cfg.Validate())

	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))

	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(cbEvent("filesystem", "opened", time.Now(), "l1"))))
	slug := time.Now().UTC().Format("2006-01-02") + "-filesystem-circuit-breaker-opened"
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(dir, slug+".html"))
		return err == nil
	}, 10*time.Second, 10*time.Millisecond, "the queued batch is written")
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, indexFile))
		return err == nil && strings.Contains(string(b), slug+".html")
	}, 10*time.Second, 10*time.Millisecond, "the index follows within lists_interval")

	base := "http://" + addr
	tests := []struct {
		method, path string
		wantStatus   int
		wantType     string
		wantBody     string
	}{
		{http.MethodGet, "/", 200, "text/html; charset=utf-8", "unitrack system blog"},
		{http.MethodGet, "/index.html", 200, "text/html; charset=utf-8", slug + ".html"},
		{http.MethodGet, "/feed.atom", 200, "application/atom+xml; charset=utf-8", "<feed xmlns=\"http://www.w3.org/2005/Atom\">"},
		{http.MethodGet, "/" + slug + ".html", 200, "text/html; charset=utf-8", "MCP server filesystem: circuit breaker opened"},
		{http.MethodGet, "/" + slug + ".md", 200, "text/plain; charset=utf-8", "group_key: mcp|agent-runner|mcp.server.name=filesystem"},
		{http.MethodHead, "/feed.atom", 200, "application/atom+xml; charset=utf-8", ""},
		{http.MethodGet, "/../../etc/passwd", 404, "", ""},
		{http.MethodGet, "/%2e%2e/%2e%2e/etc/passwd", 404, "", ""},
		{http.MethodGet, "/.digest-state.json", 404, "", ""},
		{http.MethodGet, "/2026-01-01-missing.html", 404, "", ""},
		{http.MethodGet, "/sub/" + slug + ".html", 404, "", ""},
		{http.MethodPost, "/index.html", 405, "", ""},
		{http.MethodDelete, "/" + slug + ".md", 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, base+tt.path, nil)
			require.NoError(t, err)
			req.URL.Opaque = tt.path // send the path as written, unclean
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, resp.Body.Close())
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, resp.StatusCode, "status; body %s", body)
			if tt.wantType != "" {
				assert.Equal(t, tt.wantType, resp.Header.Get("Content-Type"))
				assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
				// Served through the shared rule, as the dashboard's /blog/ serves.
				assert.Equal(t, blogfiles.CSP, resp.Header.Get("Content-Security-Policy"))
				assert.Equal(t, blogfiles.ContentType(strings.TrimPrefix(tt.path, "/")), tt.wantType)
			}
			assert.Contains(t, string(body), tt.wantBody)
			if tt.wantStatus == 405 {
				assert.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
			}
		})
	}

	// A DNS-rebinding name and another site's fetch are refused.
	req, err := http.NewRequest(http.MethodGet, base+"/index.html", nil)
	require.NoError(t, err)
	req.Host = "evil.example"
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusMisdirectedRequest, resp.StatusCode)
	assert.Contains(t, string(body), `Host \"evil.example\" is not a name of this listener`)
	req, err = http.NewRequest(http.MethodGet, base+"/feed.atom", nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "http://evil.example")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	require.NoError(t, exp.Shutdown(context.Background()))
}

func TestShutdownWithoutStart(t *testing.T) {
	cfg := testConfig(t.TempDir())
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Shutdown(context.Background()))
}

// A taken port does not stop the collector (as the dashboard's): a
// recoverable status, the posts are written meanwhile, and once the port is
// free the server listens, serves them and the status is OK.
func TestStartsLateOnBusyPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := taken.Addr().String()
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Server.GetOrInsertDefault().NetAddr.Endpoint = addr
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	host := &statusHost{}
	require.NoError(t, exp.Start(context.Background(), host), "a taken port does not fail the start")
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	st, serr := host.last()
	assert.Equal(t, componentstatus.StatusRecoverableError, st)
	assert.ErrorContains(t, serr, "server: listen on "+addr)
	assert.ErrorContains(t, serr, "address already in use")

	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(cbEvent("fs", "opened", t0, "b1"))))
	p := onlyPost(t, dir)
	st, _ = host.last()
	assert.Equal(t, componentstatus.StatusRecoverableError, st, "no OK while the server is down")

	require.NoError(t, taken.Close())
	require.Eventually(t, func() bool { s, _ := host.last(); return s == componentstatus.StatusOK },
		30*time.Second, 20*time.Millisecond, "the server never listened once the port was free")
	resp, err := http.Get("http://" + addr + "/" + p.slug + ".html")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "MCP server fs: circuit breaker opened")
	assert.Equal(t, blogfiles.CSP, resp.Header.Get("Content-Security-Policy"))
}

// Shut down while the listen is still retried: nothing leaks (goleak).
func TestShutdownWhileRetryingListen(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	cfg := testConfig(t.TempDir())
	cfg.Server.GetOrInsertDefault().NetAddr.Endpoint = taken.Addr().String()
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), &statusHost{}))
	require.NoError(t, exp.Shutdown(context.Background()))
}

// A server config that no retry can fix (missing TLS files) still fails
// the start, and leaves nothing open.
func TestStartFailsOnBadTLS(t *testing.T) {
	cfg := testConfig(t.TempDir())
	srv := cfg.Server.GetOrInsertDefault()
	srv.NetAddr.Endpoint = freeAddr(t)
	tls := configtls.NewDefaultServerConfig()
	tls.CertFile, tls.KeyFile = "/nonexistent/cert.pem", "/nonexistent/key.pem"
	srv.TLS = configoptional.Some(tls)
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	err = exp.Start(context.Background(), componenttest.NewNopHost())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "server: listen on "+srv.NetAddr.Endpoint)
	require.NoError(t, exp.Shutdown(context.Background()))
}

// A directory that cannot be used yet does not stop the collector: a
// recoverable status, pushes refused retryably, and once it can be created
// the post is written and the status is OK again.
func TestStartsLateOnUnusableDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	dir := filepath.Join(file, "blog")
	cfg := testConfig(dir)
	cfg.RetryConfig.Enabled = false // see each refusal, not exporterhelper's retries
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	host := &statusHost{}
	require.NoError(t, exp.Start(context.Background(), host))
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	st, serr := host.last()
	assert.Equal(t, componentstatus.StatusRecoverableError, st)
	assert.ErrorContains(t, serr, "create blog directory")

	ld := logsOf(cbEvent("fs", "opened", t0, "w1"))
	err = exp.ConsumeLogs(context.Background(), ld)
	require.ErrorIs(t, err, errNotOpen)
	assert.False(t, consumererror.IsPermanent(err))

	require.NoError(t, os.Remove(file))
	require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
	st, _ = host.last()
	assert.Equal(t, componentstatus.StatusOK, st)
	assert.Equal(t, int64(1), onlyPost(t, dir).EventCount)
}

// statusHost records the componentstatus events reported to it.
type statusHost struct {
	mu     sync.Mutex
	events []*componentstatus.Event
}

func (h *statusHost) GetExtensions() map[component.ID]component.Component { return nil }

func (h *statusHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

func (h *statusHost) last() (componentstatus.Status, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) == 0 {
		return componentstatus.StatusNone, nil
	}
	ev := h.events[len(h.events)-1]
	return ev.Status(), ev.Err()
}

func TestWriteFailureIsRetriedAndNotDoubled(t *testing.T) {
	dir := t.TempDir()
	e := startExporter(t, testConfig(dir), &fakeClock{t: t0})
	// A directory where the post's Markdown goes makes the rename fail,
	// for root too.
	blocker := filepath.Join(dir, "2026-11-28-fs-circuit-breaker-opened.md")
	require.NoError(t, os.Mkdir(blocker, 0o755))
	ld := logsOf(cbEvent("fs", "opened", t0, "w1"), cbEvent("fs", "opened", t0.Add(time.Second), "w2"))
	err := e.pushLogs(context.Background(), ld)
	require.Error(t, err, "the batch fails")
	assert.Contains(t, err.Error(), "rename 2026-11-28-fs-circuit-breaker-opened.md")
	require.NoError(t, os.Remove(blocker))
	require.NoError(t, e.pushLogs(context.Background(), ld), "the retry succeeds")
	p := onlyPost(t, dir)
	assert.Equal(t, int64(2), p.EventCount, "the retried events are not counted twice")
	tmps, err := filepath.Glob(filepath.Join(dir, tmpPrefix+"*"))
	require.NoError(t, err)
	assert.Empty(t, tmps, "a failed write removes its temporary file")
}
