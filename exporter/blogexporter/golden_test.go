package blogexporter

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/track"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenCases drive the exporter with a fixed clock; every file it writes is
// compared with testdata/golden/<case>/.
var goldenCases = []struct {
	name string
	cfg  func(*Config)
	run  func(t *testing.T, e *blogExporter, clock *fakeClock)
}{
	{
		name: "circuit_breaker_storm",
		run: func(t *testing.T, e *blogExporter, clock *fakeClock) {
			var evs []testEvent
			for i := range 37 {
				evs = append(evs, cbEvent("filesystem", "opened", t0.Add(time.Duration(i)*5*time.Minute/36), "01KB0000000000000000000"+string(rune('A'+i%26))+string(rune('A'+i/26))+"0"))
			}
			push(t, e, evs...)
			clock.set(t0.Add(7 * time.Minute))
			push(t, e, cbEvent("filesystem", "closed", t0.Add(7*time.Minute), "01KB00000000000000000000ZZ"))
		},
	},
	{
		name: "health_flap",
		run: func(t *testing.T, e *blogExporter, clock *fakeClock) {
			push(t, e, healthEvent("ollama", "unhealthy", t0, "h1"))
			clock.set(t0.Add(2 * time.Minute))
			push(t, e, healthEvent("ollama", "healthy", t0.Add(2*time.Minute), "h2"))
			clock.set(t0.Add(3 * time.Minute))
			push(t, e, healthEvent("ollama", "unhealthy", t0.Add(3*time.Minute), "h3"),
				healthEvent("ollama", "degraded", t0.Add(4*time.Minute), "h4"))
		},
	},
	{
		name: "legacy_posts",
		run: func(t *testing.T, e *blogExporter, clock *fakeClock) {
			push(t, e, blogPostEvent("Weekly summary", "## What happened\n\nAll **green**, see [the docs](https://example.com/docs).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", t0, "p1"))
			clock.set(t0.Add(time.Minute))
			push(t, e, testEvent{
				name: "anomaly.detected", sev: 13, at: t0.Add(time.Minute),
				body: "Response latency is **4x** its baseline.\n\n<script>alert(1)</script>\n\n[click](javascript:alert(2))\n",
				attrs: map[string]any{
					track.AttrBlogTitle: "Anomaly: response latency 4x baseline", track.AttrBlogAuthor: "anomaly_detector",
					track.AttrTags: []any{"anomaly", "latency"}, track.AttrCategory: "anomaly", track.AttrEventID: "p2",
					"anomaly.metric": "latency_ms", "anomaly.value": 4120, "anomaly.baseline": 980, "anomaly.zscore": 4.2,
				},
			})
		},
	},
	{
		name: "injection",
		run: func(t *testing.T, e *blogExporter, _ *fakeClock) {
			push(t, e,
				testEvent{
					name: "mcp.circuit_breaker.opened", sev: 17, at: t0, service: "svc</title><script>alert(3)</script>",
					body: "<img src=x onerror=alert(1)> [x](javascript:alert(1)) **bold** | pipe `tick` &amp; \x00\xff\xfe",
					attrs: map[string]any{
						track.AttrMCPServerName: "<script>alert(1)</script>", track.AttrCategory: "mcp\"><b>",
						track.AttrEventID: "x\"><script>alert(4)</script>",
					},
				},
				blogPostEvent("../../etc/passwd", "# ../../etc/passwd\n\n<iframe src=//evil></iframe>", t0, "p-traversal"),
				blogPostEvent("<script>alert(1)</script>", "body", t0, "p-script"),
			)
		},
	},
	{
		name: "digest",
		cfg: func(c *Config) {
			c.Digest.Enabled = true
		},
		run: func(t *testing.T, e *blogExporter, clock *fakeClock) {
			push(t, e, cbEvent("filesystem", "opened", t0, "d1"), cbEvent("filesystem", "opened", t0.Add(time.Minute), "d2"),
				healthEvent("ollama", "unhealthy", t0, "d3"), healthEvent("ollama", "degraded", t0.Add(time.Minute), "d4"),
				cbEvent("git", "failure", t0, "d5"))
			push(t, e, healthEvent("ollama", "healthy", t0.Add(2*time.Minute), "d6"))
			clock.set(time.Date(2026, 11, 29, 0, 0, 1, 0, time.UTC))
			require.NoError(t, e.tick(context.Background()))
		},
	},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir)
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			clock := &fakeClock{t: t0}
			e := startExporter(t, cfg, clock)
			tc.run(t, e, clock)
			require.NoError(t, e.shutdown(context.Background()))
			compareDir(t, filepath.Join("testdata", "golden", tc.name), dir)
			for name, data := range blogFiles(t, dir) {
				// A table a reader sees has a header a reader can read.
				assert.NotContains(t, string(data), "<th></th>", "%s has an empty table header", name)
			}
		})
	}
}

// compareDir compares the blog files of got with the golden directory, or
// rewrites the golden directory with -update.
func compareDir(t *testing.T, golden, got string) {
	t.Helper()
	gotFiles := blogFiles(t, got)
	if *updateGolden {
		require.NoError(t, os.RemoveAll(golden))
		require.NoError(t, os.MkdirAll(golden, 0o755))
		for name, data := range gotFiles {
			require.NoError(t, os.WriteFile(filepath.Join(golden, name), data, 0o644))
		}
		return
	}
	wantFiles := blogFiles(t, golden)
	require.ElementsMatch(t, keys(wantFiles), keys(gotFiles), "files written (run go test -update to regenerate, then read the diff)")
	for name, want := range wantFiles {
		assert.Equal(t, string(want), string(gotFiles[name]), "%s differs from %s (go test -run TestGolden -update regenerates)", name, golden)
	}
}

func blogFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = data
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
