package notifyexporter

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/otel/attribute"
)

// storageHost is a host holding a real file_storage extension.
type storageHost struct {
	ext map[component.ID]component.Component
}

func (h *storageHost) GetExtensions() map[component.ID]component.Component { return h.ext }

var fileStorageID = component.MustNewID("file_storage")

func startFileStorage(t *testing.T, dir string) (*storageHost, extension.Extension) {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	return &storageHost{ext: map[component.ID]component.Component{fileStorageID: ext}}, ext
}

// TestTargetDownAcrossRestart: the target is down while the notification is
// due; the collector stops; after the restart the queued notification is
// delivered once, and the grouping state keeps the group from firing again.
func TestTargetDownAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	var up atomic.Bool
	srv := newTargetServer(t, func(_ int, w http.ResponseWriter) {
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	newCfg := func() *Config {
		cfg := fastConfig(httpTarget("hook", "webhook", srv.URL+"/hook"))
		cfg.QueueConfig.Get().StorageID = &fileStorageID
		cfg.Storage = &fileStorageID
		cfg.RetryConfig.MaxElapsedTime = 0 // keep retrying until shut down
		return cfg
	}
	ctx := context.Background()

	// First run: the target answers 503.
	host, ext := startFileStorage(t, dir)
	env := newTestEnv(t)
	exp := env.start(t, newCfg(), host)
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breaker("filesystem", "opened", t0, "01A"))))
	srv.waitFor(t, 2) // tried and retried
	require.NoError(t, exp.Shutdown(ctx))
	require.NoError(t, ext.Shutdown(ctx))
	failedAttempts := len(srv.all())

	// Second run: the target is up. The breaker opens again: the restored
	// state knows the group fired, so this is grouped, not paged again.
	up.Store(true)
	host, ext = startFileStorage(t, dir)
	env = newTestEnv(t)
	exp = env.start(t, newCfg(), host)
	reqs := srv.waitFor(t, failedAttempts+1)
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breaker("filesystem", "opened", t0.Add(time.Minute), "01B"))))
	// The exporter's own counters show the page that did not happen: the
	// restored group took the event (grouped) and its next tick held it back
	// (repeat). With the state lost, a new group would page instead.
	require.Eventually(t, func() bool {
		return env.sum(t, "otelcol_exporter_notify_notifications_suppressed", attribute.String("reason", "grouped")) == 1 &&
			env.sum(t, "otelcol_exporter_notify_notifications_suppressed", attribute.String("reason", "repeat")) == 1
	}, 15*time.Second, 10*time.Millisecond, "the restored group holds the event back")
	require.NoError(t, exp.Shutdown(ctx))
	require.NoError(t, ext.Shutdown(ctx))

	reqs = srv.all()
	delivered := reqs[failedAttempts:]
	var bodies []string
	for _, r := range delivered {
		bodies = append(bodies, string(r.body))
	}
	require.Len(t, bodies, 1, "delivered after the restart, and not twice")
	n := decodeBody(t, delivered[0].body)
	assert.Equal(t, "firing", n["status"])
	assert.Equal(t, []any{"01A"}, n["event_ids"])
	assert.Equal(t, int64(1), env.sum(t, "otelcol_exporter_notify_notifications_sent", attribute.String("target", "hook")))
}
