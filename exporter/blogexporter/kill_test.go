package blogexporter

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"

	"github.com/unitrack/unitrack/exporter/blogexporter/internal/metadata"
)

const killChildEnv = "BLOGEXPORTER_KILL_CHILD_DIR"

// runKillChild is the child process of TestKillMidWrite: it writes posts
// (incident updates, big legacy posts, retention removals) in a loop until
// it is killed.
func runKillChild(dir string) {
	cfg := testConfig(dir)
	cfg.MaxPosts = 25
	e, err := newBlogExporter(cfg, exportertest.NewNopSettings(metadata.Type))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := e.start(context.Background(), componenttest.NewNopHost()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	big := strings.Repeat("Lorem ipsum dolor sit amet. ", 8000) // ~220 KB per legacy post
	pid := os.Getpid()
	for i := 0; ; i++ {
		now := time.Now()
		ld := logsOf(
			cbEvent(fmt.Sprintf("server-%d", i%4), "opened", now, fmt.Sprintf("k-%d-%d-a", pid, i)),
			blogPostEvent(fmt.Sprintf("post %d", i%9), big, now, fmt.Sprintf("k-%d-%d-b", pid, i)),
		)
		if err := e.pushLogs(context.Background(), ld); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	}
}

// TestKillMidWrite kills a process writing posts with SIGKILL at arbitrary
// moments; every file left must be complete (the old or the new version),
// and the next start must accept the directory.
func TestKillMidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	for round := range 4 {
		var stderr bytes.Buffer
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())

		// Wait until the child has written a few more posts, then kill it at
		// a moment that varies from round to round.
		startCount := countFiles(t, dir, "*.md")
		deadline := time.Now().Add(30 * time.Second)
		for countFiles(t, dir, "*.md") < startCount+3 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		require.GreaterOrEqual(t, countFiles(t, dir, "*.md"), startCount+3, "the child writes posts; stderr: %s", stderr.String())
		// Time is what is varied here: the kill lands at another point of
		// the child's writes each round.
		time.Sleep(time.Duration(round*7) * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		err := cmd.Wait()
		require.Error(t, err, "the child runs until killed; stderr: %s", stderr.String())
		require.Contains(t, err.Error(), "killed", "stderr: %s", stderr.String())

		checkComplete(t, dir)
	}
	// The directory is accepted by a new start, which clears the leftovers.
	e := startExporter(t, testConfig(dir), &fakeClock{t: time.Now()})
	require.NoError(t, e.shutdown(context.Background()))
	tmps, err := filepath.Glob(filepath.Join(dir, tmpPrefix+"*"))
	require.NoError(t, err)
	assert.Empty(t, tmps)
	checkComplete(t, dir)
}

// countFiles counts the posts matching pattern, not the tmpPrefix files of
// writes in flight (Glob's * matches a leading dot): those come and go, and
// counting them let the wait above end on a count that was gone a moment later.
func countFiles(t *testing.T, dir, pattern string) int {
	m, err := filepath.Glob(filepath.Join(dir, pattern))
	require.NoError(t, err)
	n := 0
	for _, p := range m {
		if !strings.HasPrefix(filepath.Base(p), tmpPrefix) {
			n++
		}
	}
	return n
}

// checkComplete parses every Markdown file and the feed, and checks that
// every page is whole.
func checkComplete(t *testing.T, dir string) {
	t.Helper()
	posts := readPosts(t, dir) // fails on any torn Markdown file
	require.NotEmpty(t, posts)
	for stem, p := range posts {
		assert.NotZero(t, p.EventCount, stem)
	}
	htmls, err := filepath.Glob(filepath.Join(dir, "*.html"))
	require.NoError(t, err)
	for _, h := range htmls {
		if strings.HasPrefix(filepath.Base(h), tmpPrefix) {
			continue
		}
		data, err := os.ReadFile(h)
		require.NoError(t, err)
		assert.True(t, bytes.HasSuffix(data, []byte("</html>\n")), "%s is complete", filepath.Base(h))
	}
	parseFeed(t, dir)
}
