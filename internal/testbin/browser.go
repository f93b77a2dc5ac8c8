package testbin

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// ChromiumPath finds Debian's chromium (or $CHROME_PATH). Without one a
// browser test fails: .ci/run installs it, and a skipped browser test would
// let a broken page pass.
func ChromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: apt-get install -y chromium (or set CHROME_PATH); .ci/run installs it")
	return ""
}

// Browser starts a headless chromium with the flags this machine's closed
// network needs and a fresh profile; it is stopped at test cleanup.
func Browser(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	return ctx
}

// WaitJS polls a JavaScript boolean expression until it is true or within
// passes; it returns how long that took.
func WaitJS(t testing.TB, ctx context.Context, expr string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return time.Since(start)
		}
		if time.Since(start) > within {
			require.NoError(t, err)
			require.Failf(t, "timed out", "%q not true within %s", expr, within)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// EvalJS evaluates a JavaScript expression and returns its value.
func EvalJS[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, "evaluate %s", expr)
	return v
}

// Screenshot saves a full-page PNG under $TEST_ARTIFACTS (default
// ./test-artifacts of the test's package) and logs where.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	require.NoError(t, err)
	dir := os.Getenv("TEST_ARTIFACTS")
	if dir == "" {
		dir = "test-artifacts"
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	path, _ := filepath.Abs(filepath.Join(dir, name))
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot saved to %s (%d bytes)", path, len(png))
}
