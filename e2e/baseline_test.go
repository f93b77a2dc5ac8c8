package e2e

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/unitrack/unitrack/internal/testbin"
)

// The benchmark's baseline must be the default config minus the delivery
// settings, or its ratio measures something else: take those out of
// otelcol.yaml and what is left must be e2e/testdata/inmemory.yaml.
func TestInMemoryBaselineFollowsTheDefault(t *testing.T) {
	root := testbin.RepoRoot(t)
	def, err := confmaptest.LoadConf(filepath.Join(root, "otelcol.yaml"))
	require.NoError(t, err)
	base, err := confmaptest.LoadConf(filepath.Join(root, "e2e", "testdata", "inmemory.yaml"))
	require.NoError(t, err)
	m := def.ToStringMap()

	sub := func(m map[string]any, keys ...string) map[string]any {
		for _, k := range keys {
			next, ok := m[k].(map[string]any)
			require.True(t, ok, "otelcol.yaml: %v has no map %q", keys, k)
			m = next
		}
		return m
	}
	delete(sub(m, "extensions"), "sinkhealth")
	delete(sub(m, "extensions", "file_storage"), "compaction")
	conns := sub(m, "connectors")
	delete(conns, "sinks")
	conns["forward/sinks"] = nil
	exps := sub(m, "exporters")
	for _, name := range []string{"dashboard", "eventlog", "blog", "debug"} {
		delete(sub(exps, name), "sending_queue")
		delete(sub(exps, name), "retry_on_failure")
	}
	delete(sub(exps, "dashboard"), "sinks")
	delete(sub(exps, "notify"), "retry_on_failure")
	svc := sub(m, "service")
	svc["extensions"] = slices.DeleteFunc(slices.Clone(svc["extensions"].([]any)), func(v any) bool { return v == "sinkhealth" })
	for _, p := range sub(svc, "pipelines") {
		pm := p.(map[string]any)
		for _, key := range []string{"receivers", "exporters"} {
			if list, ok := pm[key].([]any); ok {
				for i, v := range list {
					if v == "sinks" {
						list[i] = "forward/sinks"
					}
				}
			}
		}
	}
	assert.Equal(t, base.ToStringMap(), m, "e2e/testdata/inmemory.yaml is not otelcol.yaml without the delivery settings: update it")
}
