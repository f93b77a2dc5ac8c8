package anomalyconnector

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/unitrack/unitrack/internal/storageclient"
)

func TestStateRoundTrip(t *testing.T) {
	cfg := testConfig()
	d := newDetector(cfg)
	steps := append(errorBuckets(t0, time.Minute, repeat(3, 12)...), reports(t0, 30*time.Second, 25)...)
	steps = append(steps, step{at: t0.Add(12 * time.Minute), ev: &taskError})
	run(d, steps)
	b, err := d.snapshot()
	require.NoError(t, err)

	st, err := decodeState(b)
	require.NoError(t, err)
	d2 := newDetector(cfg)
	// The same bucket: the open count is kept.
	assert.False(t, d2.restore(st, t0.Add(12*time.Minute+30*time.Second)))
	b2, err := d2.snapshot()
	require.NoError(t, err)
	// Only the restart marks differ: sources are measured from the restart.
	assert.Equal(t, len(d.rates), len(d2.rates))
	assert.Equal(t, d.rates[rateKey{"agent-runner", "mcp"}].mean, d2.rates[rateKey{"agent-runner", "mcp"}].mean)
	assert.Equal(t, d.names, d2.names)
	assert.Equal(t, d.since, d2.since)
	assert.NotEqual(t, string(b), string(b2))
	src := d2.sources[sourceKey{"health_monitor", "agent-runner", "health.check", "ollama"}]
	require.NotNil(t, src)
	assert.True(t, src.skipNext)
	assert.Equal(t, t0.Add(12*time.Minute+30*time.Second), src.last)

	// Another bucket width: the rate baselines are dropped, the rest kept.
	cfg2 := testConfig()
	cfg2.Bucket = 30 * time.Second
	d3 := newDetector(cfg2)
	assert.True(t, d3.restore(st, t0.Add(time.Hour)))
	assert.Empty(t, d3.rates)
	assert.Len(t, d3.sources, len(d.sources))
}

func TestDecodeStateErrors(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"not json", `{"version":`, "decode anomaly state: unexpected end of JSON input"},
		{"version", `{"version":7,"bucket_ns":60000000000}`, "decode anomaly state: version: unsupported state version 7, expected 1"},
		{"wrong type", `{"version":1,"rates":{}}`, "decode anomaly state: json: cannot unmarshal object into Go struct field persistedState.rates of type []anomalyconnector.persistedRate"},
		{
			"bad fields",
			`{"version":1,"bucket_ns":0,"rates":[{"mean":-1},{"variance":1e400}],"sources":[{"intervals_ms":[5,0]},{"intervals_ms":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]},{"typical_ns":-5}]}`,
			"",
		},
		{
			"negative counts",
			`{"version":1,"bucket_ns":1,"rates":[{"count":-1}],"sources":[{"intervals_ms":[5,0]},{"intervals_ms":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]},{"typical_ns":-5}]}`,
			"decode anomaly state: rates::0: expected count, buckets, peak and normal >= 0, got -1, 0, 0, 0\n" +
				"sources::0: expected intervals_ms > 0, got 0\n" +
				"sources::1: expected at most 16 intervals_ms, got 17\n" +
				"sources::2: expected typical_ns >= 0, got -5",
		},
		{
			"negative mean",
			`{"version":1,"bucket_ns":-3,"rates":[{"mean":-1},{"variance":-0.5}]}`,
			"decode anomaly state: bucket_ns: expected a positive duration, got -3\n" +
				"rates::0: expected mean to be a finite number >= 0, got -1\n" +
				"rates::1: expected variance to be a finite number >= 0, got -0.5",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeState([]byte(tt.in))
			require.Error(t, err)
			if tt.wantErr != "" {
				assert.Equal(t, tt.wantErr, err.Error())
			}
		})
	}
}

// FuzzDecodeState: any bytes either fail with an error or give a state that
// restores, snapshots and decodes again.
func FuzzDecodeState(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "state", "*.json"))
	require.NoError(f, err)
	require.NotEmpty(f, seeds)
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decodeState(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "decode anomaly state: ") {
				t.Fatalf("error without the decoder's prefix: %v", err)
			}
			return
		}
		d := newDetector(testConfig())
		d.restore(st, t0)
		run(d, append(errorBuckets(t0, time.Minute, 3, 40, 0), reports(t0, time.Second, 3)...))
		out, err := d.snapshot()
		if err != nil {
			t.Fatalf("snapshot of a restored state: %v", err)
		}
		if _, err := decodeState(out); err != nil {
			t.Fatalf("a snapshot does not decode: %v\n%s", err, out)
		}
	})
}

var fileStorageID = component.MustNewID("file_storage")

type storageHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.exts }

func newStorageHost(t testing.TB, dir string) storageHost {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{fileStorageID: ext}}
}

// TestBaselinesSurviveRestart: a connector warmed before a restart (with
// file_storage) detects a spike right after it, with no new warm-up, and an
// episode open at the restart is not reported twice.
func TestBaselinesSurviveRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Storage = &fileStorageID

	host := newStorageHost(t, dir)
	c, sink, clk := newTestConnector(t, cfg)
	require.NoError(t, c.Start(ctx, host))
	for i := range 10 {
		at := t0.Add(time.Duration(i) * time.Minute)
		c.consumeAt(t, clk, at, mcpError, 2)
		c.consumeAt(t, clk, at, healthOK, 1)
	}
	clk.set(t0.Add(10 * time.Minute))
	require.NoError(t, c.Shutdown(ctx))
	assert.Zero(t, sink.LogRecordCount())

	// The restart is an hour later: the buckets of the downtime are not zeros.
	c2, sink2, clk2 := newTestConnector(t, cfg)
	clk2.set(t0.Add(70 * time.Minute))
	require.NoError(t, c2.Start(ctx, host))
	c2.consumeAt(t, clk2, t0.Add(70*time.Minute), mcpError, 30)
	c2.stepAt(clk2, t0.Add(71*time.Minute))
	require.Equal(t, 1, sink2.LogRecordCount(), "a warm baseline after the restart: the spike is detected at once")
	rec := sink2.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	v, _ := rec.Attributes().Get("anomaly.baseline")
	assert.InDelta(t, 2, v.Double(), 0.01)
	// No silence for the health check although it was quiet for the hour.
	c2.stepAt(clk2, t0.Add(72*time.Minute))
	c2.consumeAt(t, clk2, t0.Add(72*time.Minute), mcpError, 30)
	require.NoError(t, c2.Shutdown(ctx))

	// The episode was open at the second stop: a third run does not report it again.
	c3, sink3, clk3 := newTestConnector(t, cfg)
	clk3.set(t0.Add(72*time.Minute + 30*time.Second))
	require.NoError(t, c3.Start(ctx, host))
	c3.consumeAt(t, clk3, t0.Add(72*time.Minute+40*time.Second), mcpError, 30)
	c3.stepAt(clk3, t0.Add(73*time.Minute))
	require.NoError(t, c3.Shutdown(ctx))
	for _, ld := range sink3.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					assert.NotEqual(t, "anomaly.detected", lr.EventName(), "the open episode fired again after a restart")
				}
			}
		}
	}
}

func TestUnreadableStateWarmsUpAgain(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig()
	cfg.Storage = &fileStorageID
	host := newStorageHost(t, t.TempDir())
	c, _, _ := newTestConnector(t, cfg)
	client, err := storageclient.Open(ctx, host, cfg.Storage, component.KindConnector, c.set.ID, "")
	require.NoError(t, err)
	require.NoError(t, client.Set(ctx, stateKey, []byte(`{"version":1,"bucket_ns":60000000000,"rates":[{"mean":-1}]}`)))
	require.NoError(t, client.Close(ctx))

	core, logs := observer.New(zap.WarnLevel)
	c.logger = zap.New(core)
	require.NoError(t, c.Start(ctx, host))
	require.NoError(t, c.Shutdown(ctx))
	require.Equal(t, 1, logs.Len(), "one warning: %v", logs.All())
	entry := logs.All()[0]
	assert.Equal(t, "Ignoring unreadable anomaly baselines; warming up again", entry.Message)
	assert.Equal(t, "decode anomaly state: rates::0: expected mean to be a finite number >= 0, got -1", entry.ContextMap()["error"])
}
