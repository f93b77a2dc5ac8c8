package dashboardexporter

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id      component.ID
		check   func(t *testing.T, cfg *Config)
		wantErr string
	}{
		{
			id: component.NewID(metadata.Type),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, createDefaultConfig(), cfg)
				assert.Equal(t, "localhost:8790", cfg.NetAddr.Endpoint)
				assert.Equal(t, "./var/dashboard", cfg.Directory)
				assert.Equal(t, RetentionConfig{MaxAge: 168 * time.Hour, MaxEvents: 5_000_000, MaxSizeMiB: 2048, Interval: time.Minute, AnalyticsMaxAge: 744 * time.Hour}, cfg.Retention)
				assert.Equal(t, "http://localhost:4320/v1/legacy/dashboard", cfg.Tracker.Endpoint)
				assert.Equal(t, 20, cfg.Tracker.MaxReportsPerMinute)
				require.True(t, cfg.QueueConfig.HasValue())
				assert.Equal(t, 1, cfg.QueueConfig.Get().NumConsumers)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "full"),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, "localhost:9999", cfg.NetAddr.Endpoint)
				assert.Equal(t, "/srv/unitrack/dashboard", cfg.Directory)
				assert.Equal(t, []string{"dash.corp.example"}, cfg.AllowedHosts)
				assert.Equal(t, 10*time.Second, cfg.ReadHeaderTimeout, "the default, against slowloris")
				assert.Equal(t, RetentionConfig{MaxAge: 24 * time.Hour, MaxEvents: 1000, MaxSizeMiB: 10, Interval: 30 * time.Second, AnalyticsMaxAge: 240 * time.Hour}, cfg.Retention)
				assert.Equal(t, TrackerConfig{Endpoint: "https://collector.example.com/v1/legacy/dashboard", MaxReportsPerMinute: 5}, cfg.Tracker)
				assert.Equal(t, LinksConfig{BlogDirectory: "./var/blog", BlogURL: "http://localhost:8791"}, cfg.Links)
				assert.Equal(t, 10*time.Second, cfg.Timeout)
				assert.Equal(t, int64(100), cfg.QueueConfig.Get().QueueSize)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "no_retention"),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, RetentionConfig{}, cfg.Retention)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad"),
			wantErr: "directory: must not be empty\n" +
				"allowed_hosts::0: expected a bare host name without scheme, port or path, got \"dash.corp.example:8790\"\n" +
				"retention::max_age: must not be negative, got -1h0m0s\n" +
				"retention::max_events: must not be negative, got -1\n" +
				"retention::max_size_mib: must not be negative, got -2\n" +
				"tracker::endpoint: expected an absolute http or https URL, got \"ftp://example.com/x\"\n" +
				"tracker::max_reports_per_minute: must not be negative, got -1\n" +
				"links::blog_url: expected an absolute http or https URL, got \"localhost:8791\"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				return
			}
			require.NoError(t, err)
			tt.check(t, cfg.(*Config))
		})
	}
}

func TestLoadConfigTypo(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "typo.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub("dashboard")
	require.NoError(t, err)
	err = sub.Unmarshal(createDefaultConfig())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "has invalid keys: directroy")
}

func TestRetentionIntervalRequired(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Retention.Interval = 0
	assert.EqualError(t, cfg.Validate(), "retention::interval: must be positive when a retention bound is set, got 0s")
}

// A directory that cannot be used yet does not stop the collector: the
// exporter reports a recoverable error, a push is refused retryably, and the
// store opens once the directory can be created.
func TestStartsLateOnUnusableDirectory(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "not-a-directory")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Directory = filepath.Join(blocker, "dashboard")
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false // see the refusal itself, not exporterhelper's retries
	exp, err := f.CreateLogs(t.Context(), exportertestSettings(f), cfg)
	require.NoError(t, err)
	host := &statusHost{}
	require.NoError(t, exp.Start(t.Context(), host))
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	st, err := host.last()
	assert.Equal(t, componentstatus.StatusRecoverableError, st)
	assert.ErrorContains(t, err, "not-a-directory/dashboard")
	err = exp.ConsumeLogs(t.Context(), logsOf(ev{id: "01KB0000000000000000000001", body: "early"}))
	require.ErrorIs(t, err, errNotOpen)
	assert.False(t, consumererror.IsPermanent(err), "a push before the store is open must be retried")

	require.NoError(t, os.Remove(blocker))
	waitFor(t, 20*time.Second, func() bool { s, _ := host.last(); return s == componentstatus.StatusOK }, "the store never opened")
	require.NoError(t, exp.ConsumeLogs(t.Context(), logsOf(ev{id: "01KB0000000000000000000001", body: "early"})))
}

// A taken port does not stop the collector: the store opens and takes
// events at once, the listener is retried and serves them once the port is free.
func TestStartsLateOnBusyPort(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = td.de.addr.String()
	cfg.Directory = t.TempDir()
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	exp, err := f.CreateLogs(t.Context(), exportertestSettings(f), cfg)
	require.NoError(t, err)
	host := &statusHost{}
	require.NoError(t, exp.Start(t.Context(), host))
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	st, err := host.last()
	assert.Equal(t, componentstatus.StatusRecoverableError, st)
	assert.ErrorContains(t, err, "address already in use")

	require.NoError(t, exp.ConsumeLogs(t.Context(), logsOf(ev{id: "01KB0000000000000000000002", body: "while the port was taken"})))
	url := td.URL
	td.stop()
	waitFor(t, 20*time.Second, func() bool { s, _ := host.last(); return s == componentstatus.StatusOK }, "the listener never started")
	resp, err := http.Get(url + "/api/events")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "while the port was taken")
}

// Shut down while the start is still being retried: nothing leaks.
func TestShutdownWhileRetryingStart(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = td.de.addr.String()
	cfg.Directory = t.TempDir()
	exp, err := f.CreateLogs(t.Context(), exportertestSettings(f), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(t.Context(), &statusHost{}))
	require.NoError(t, exp.Shutdown(t.Context()))
}

// A server config that can never work still fails start-up.
func TestStartFailsOnBadTLS(t *testing.T) {
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Directory = t.TempDir()
	tls := configtls.NewDefaultServerConfig()
	tls.CertFile = filepath.Join(t.TempDir(), "missing.pem")
	tls.KeyFile = filepath.Join(t.TempDir(), "missing.key")
	cfg.TLS = configoptional.Some(tls)
	exp, err := f.CreateLogs(t.Context(), exportertestSettings(f), cfg)
	require.NoError(t, err)
	err = exp.Start(t.Context(), &statusHost{})
	require.ErrorContains(t, err, "missing.pem")
	require.NoError(t, exp.Shutdown(t.Context()))
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

func waitFor(t *testing.T, timeout time.Duration, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s (after %s)", msg, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
