package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/internal/testbin"
)

// TestSystemdUnitVerifies runs systemd-analyze verify on
// deploy/systemd/unitrack.service (.ci/run installs systemd for it; without
// systemd-analyze the test fails rather than leave the unit unchecked).
// The only change to the unit is ExecStart's binary,
// pointed at the built one (verify refuses a command that does not exist).
func TestSystemdUnitVerifies(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	require.NoError(t, err, "systemd-analyze is not installed: apt-get install -y systemd (.ci/run installs it)")
	unit, err := os.ReadFile(filepath.Join(testbin.RepoRoot(t), "deploy", "systemd", "unitrack.service"))
	require.NoError(t, err)
	require.Contains(t, string(unit), "ExecStart=/usr/local/bin/otelcol-unitrack ")
	path := filepath.Join(t.TempDir(), "unitrack.service")
	require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/otelcol-unitrack", testbin.Binary(t))), 0o644))
	out, err := exec.Command(tool, "verify", path).CombinedOutput()
	assert.NoError(t, err, "systemd-analyze verify:\n%s", out)
	assert.Empty(t, strings.TrimSpace(string(out)), "systemd-analyze verify printed warnings")
}

// TestKafkaRoutesMatchOtelcol: deploy/kafka/routes.yaml carries exactly the
// routing table (and select instances) of otelcol.yaml, so the agent/gateway
// deployment routes as the single collector does.
func TestKafkaRoutesMatchOtelcol(t *testing.T) {
	root := testbin.RepoRoot(t)
	single, err := confmaptest.LoadConf(filepath.Join(root, "otelcol.yaml"))
	require.NoError(t, err)
	routes, err := confmaptest.LoadConf(filepath.Join(root, "deploy", "kafka", "routes.yaml"))
	require.NoError(t, err)
	for _, id := range []string{"route", "route/dashboard", "route/eventlog", "route/observability", "route/notify", "route/blog"} {
		key := "processors::" + id
		require.True(t, single.IsSet(key), "otelcol.yaml has no %s", key)
		assert.Equal(t, single.Get(key), routes.Get(key), "deploy/kafka/routes.yaml %s differs from otelcol.yaml", key)
	}
}
