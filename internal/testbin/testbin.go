// Package testbin runs the real otelcol-unitrack binary in end-to-end tests:
// it finds (or builds) the binary, starts it on a temporary config, waits until
// it is healthy, and stops it cleanly. It also offers an OTLP/HTTP backend that
// decodes what the collector exports.
package testbin

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// RepoRoot is the directory holding the module's go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Binary returns the path of the built collector: $UNITRACK_BIN when set
// (make test sets it), else it runs `make build` once per test process.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("UNITRACK_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("UNITRACK_BIN=%s: %v", p, err)
		}
		return p
	}
	buildOnce.Do(func() {
		root := RepoRoot(t)
		cmd := exec.Command("make", "--no-print-directory", "build")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("make build: %w\n%s", err, out)
			return
		}
		buildPath = filepath.Join(root, "bin", "otelcol-unitrack")
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

var (
	portsMu sync.Mutex
	// portsGiven are the ports FreePort returned in this process: the kernel
	// hands a just-closed bind(0) port out again within a few dozen calls, and
	// the ports of one collector are all picked before any is bound.
	portsGiven = map[int]bool{}
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago and
// that FreePort has not returned before in this process.
func FreePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 1000 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !portsGiven[port] {
			portsGiven[port] = true
			return port
		}
	}
	t.Fatalf("free port: no port that was not handed out already after 1000 tries")
	return 0
}

// Collector is one running instance of the built binary.
type Collector struct {
	t           testing.TB
	bin         string
	configPaths []string
	dir         string
	healthURL   string
	env         []string
	overlays    []string

	mu     sync.Mutex
	cmd    *exec.Cmd
	output *syncBuffer
	done   chan struct{}
	runs   int
}

// Option changes how Start runs the collector.
type Option func(*Collector)

// WithHealthPort tells Start that the config has a health_check extension on
// 127.0.0.1:port; Start then waits for it to answer 200. Without it, Start
// waits for the log line "Everything is ready".
func WithHealthPort(port int) Option {
	return func(c *Collector) { c.healthURL = fmt.Sprintf("http://127.0.0.1:%d/", port) }
}

// WithDir runs the collector with this working directory (default: a temp dir).
func WithDir(dir string) Option { return func(c *Collector) { c.dir = dir } }

// WithOverlay adds a second config merged over the first (the collector's
// repeated --config flag): later keys win, maps merge, lists are replaced.
func WithOverlay(yaml string) Option {
	return func(c *Collector) { c.overlays = append(c.overlays, yaml) }
}

// WithEnv adds environment variables (KEY=value) for the collector process.
func WithEnv(kv ...string) Option { return func(c *Collector) { c.env = append(c.env, kv...) } }

// Start writes configYAML to a temp file, starts the binary on it and waits
// until it is ready. At cleanup it stops the collector with SIGTERM and fails
// the test if the collector does not exit cleanly.
func Start(t testing.TB, configYAML string, opts ...Option) *Collector {
	t.Helper()
	c := &Collector{t: t, bin: Binary(t)}
	for _, o := range opts {
		o(c)
	}
	if c.dir == "" {
		c.dir = t.TempDir()
	}
	cfgDir := t.TempDir()
	c.configPaths = []string{filepath.Join(cfgDir, "config.yaml")}
	if err := os.WriteFile(c.configPaths[0], []byte(configYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, o := range c.overlays {
		p := filepath.Join(cfgDir, fmt.Sprintf("overlay-%d.yaml", i))
		if err := os.WriteFile(p, []byte(o), 0o600); err != nil {
			t.Fatal(err)
		}
		c.configPaths = append(c.configPaths, p)
	}
	c.start()
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("collector did not stop cleanly: %v\n--- collector output ---\n%s", err, c.Output())
		}
	})
	return c
}

func (c *Collector) start() {
	c.t.Helper()
	c.mu.Lock()
	var args []string
	for _, p := range c.configPaths {
		args = append(args, "--config", p)
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), c.env...)
	out := &syncBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		c.mu.Unlock()
		c.t.Fatalf("start %s: %v", c.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	c.cmd, c.output, c.done = cmd, out, done
	c.runs++
	c.mu.Unlock()
	c.waitReady(done, out)
}

func (c *Collector) waitReady(done chan struct{}, out *syncBuffer) {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			c.t.Fatalf("collector exited during start-up:\n%s", out.String())
		default:
		}
		if c.healthURL != "" {
			resp, err := http.Get(c.healthURL)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return
				}
			}
		} else if strings.Contains(out.String(), "Everything is ready") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("collector not ready after 60s:\n%s", out.String())
}

// PID is the process id of the current run (0 when it is not running).
func (c *Collector) PID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil || c.cmd.Process == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// Dir is the collector's working directory (relative paths in the config
// resolve against it).
func (c *Collector) Dir() string { return c.dir }

// Output is everything the current run of the collector printed.
func (c *Collector) Output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.output == nil {
		return ""
	}
	return c.output.String()
}

// Stop sends SIGTERM and waits up to 30 s for a clean exit (status 0).
// Stopping a collector that is not running is a no-op.
func (c *Collector) Stop() error {
	c.mu.Lock()
	cmd, done := c.cmd, c.done
	c.cmd = nil
	c.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("no exit 30s after SIGTERM")
	}
	if !cmd.ProcessState.Success() {
		return fmt.Errorf("exit status %v", cmd.ProcessState)
	}
	return nil
}

// Kill sends SIGKILL and waits for the process to be gone, as a crash would.
func (c *Collector) Kill() {
	c.mu.Lock()
	cmd, done := c.cmd, c.done
	c.cmd = nil
	c.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Restart starts the collector again on the same config and working
// directory, after Stop or Kill.
func (c *Collector) Restart() {
	c.t.Helper()
	c.mu.Lock()
	running := c.cmd != nil
	c.mu.Unlock()
	if running {
		c.t.Fatal("Restart: collector still running; call Stop or Kill first")
	}
	c.start()
}

// WaitFor polls cond every 50 ms until it is true or timeout passes, then
// fails the test with msg and the collector output.
func (c *Collector) WaitFor(timeout time.Duration, cond func() bool, msg string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		if cond() {
			return
		}
		select {
		case <-ctx.Done():
			c.t.Fatalf("%s (after %v)\n--- collector output ---\n%s", msg, timeout, c.Output())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
