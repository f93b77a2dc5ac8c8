package sinkhealthextension

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pipeline"
	"go.uber.org/goleak"

	"github.com/unitrack/unitrack/extension/sinkhealthextension/internal/metadata"
	"github.com/unitrack/unitrack/internal/sinkhealth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		name, wantErr, unmarshal string
		want                     int
	}{
		{name: "sinkhealth", want: 1024},
		{name: "sinkhealth/short", want: 10},
		{name: "sinkhealth/negative", wantErr: "max_error_length: must be 0 (no limit) or positive, got -1"},
		{name: "sinkhealth/typo", unmarshal: "has invalid keys: max_error_lenght"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.name)
			require.NoError(t, err)
			err = sub.Unmarshal(cfg)
			if tt.unmarshal != "" {
				require.ErrorContains(t, err, tt.unmarshal)
				return
			}
			require.NoError(t, err)
			err = confmap.Validate(cfg)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.(*Config).MaxErrorLength)
		})
	}
}

// The registry joins a fan-out's incidents with its exporters' statuses,
// found through the host as the dashboard finds it.
func TestRegistry(t *testing.T) {
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), &Config{MaxErrorLength: 40})
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, ext.Shutdown(context.Background())) }()
	host := extHost{ext: map[component.ID]component.Component{component.NewID(metadata.Type): ext}}
	reg, ok := sinkhealth.Find(host)
	require.True(t, ok, "the extension is not found as a sinkhealth.Registry")
	_, ok = ext.(componentstatus.Watcher)
	require.True(t, ok, "the extension is not a componentstatus.Watcher")
	// The service notifies extensions through extensioncapabilities.
	csw, ok := ext.(extensioncapabilities.ComponentStatusWatcher)
	require.True(t, ok, "the extension is not an extensioncapabilities.ComponentStatusWatcher")
	watcher := watcherFunc(csw.Changed)

	dash := pipeline.NewIDWithName(pipeline.SignalLogs, "dashboard")
	obs := pipeline.NewIDWithName(pipeline.SignalLogs, "observability")
	reg.DeclareSinks(component.MustNewID("sinks"), []sinkhealth.Sink{
		{Pipeline: "logs/observability", WhenFull: "drop_newest"},
		{Pipeline: "logs/dashboard", WhenFull: "block"},
	})
	t0 := time.Unix(1764331200, 0)
	reg.RecordIncident(sinkhealth.Incident{Pipeline: "logs/observability", Kind: sinkhealth.KindDropped, Records: 100, Err: errors.New("sending queue is full"), Time: t0})
	reg.RecordIncident(sinkhealth.Incident{Pipeline: "logs/observability", Kind: sinkhealth.KindDropped, Records: 50, Err: errors.New("sending queue is full"), Time: t0.Add(time.Second)})

	dashID := componentstatus.NewInstanceID(component.MustNewID("dashboard"), component.KindExporter, dash)
	watcher.ComponentStatusChanged(dashID, componentstatus.NewRecoverableErrorEvent(errors.New("listen tcp 127.0.0.1:8790: bind: address already in use")))
	otlpID := componentstatus.NewInstanceID(component.MustNewIDWithName("otlphttp", "backend"), component.KindExporter, obs)
	watcher.ComponentStatusChanged(otlpID, componentstatus.NewEvent(componentstatus.StatusOK))
	watcher.ComponentStatusChanged(componentstatus.NewInstanceID(component.MustNewID("track"), component.KindReceiver),
		componentstatus.NewRecoverableErrorEvent(errors.New("receivers are not sinks")))

	got := reg.Sinks()
	require.Len(t, got, 2)
	assert.Equal(t, "logs/dashboard", got[0].Pipeline)
	assert.Equal(t, "block", got[0].WhenFull)
	require.Len(t, got[0].Exporters, 1)
	assert.Equal(t, "dashboard", got[0].Exporters[0].ID)
	assert.Equal(t, "StatusRecoverableError", got[0].Exporters[0].Status)
	assert.Equal(t, "listen tcp 127.0.0.1:8790: bind: address…", got[0].Exporters[0].Error, "cut at max_error_length")
	assert.Equal(t, "dashboard: listen tcp 127.0.0.1:8790: bind: address…", got[0].LastError)

	// Recovered: the status is OK, the last error stays visible.
	watcher.ComponentStatusChanged(dashID, componentstatus.NewEvent(componentstatus.StatusOK))
	got = reg.Sinks()
	assert.Equal(t, "StatusOK", got[0].Exporters[0].Status)
	assert.Empty(t, got[0].Exporters[0].Error)
	assert.Equal(t, "dashboard: listen tcp 127.0.0.1:8790: bind: address…", got[0].LastError)

	assert.Equal(t, "logs/observability", got[1].Pipeline)
	assert.Equal(t, int64(150), got[1].Dropped)
	assert.Equal(t, int64(0), got[1].Refused)
	assert.Equal(t, "dropped: sending queue is full", got[1].LastError)
	assert.Equal(t, t0.Add(time.Second), got[1].LastErrorTime)
	require.Len(t, got[1].Exporters, 1)
	assert.Equal(t, "otlphttp/backend", got[1].Exporters[0].ID)
}

type watcherFunc func(*componentstatus.InstanceID, *componentstatus.Event)

func (f watcherFunc) ComponentStatusChanged(id *componentstatus.InstanceID, ev *componentstatus.Event) {
	f(id, ev)
}

type extHost struct {
	ext map[component.ID]component.Component
}

func (h extHost) GetExtensions() map[component.ID]component.Component { return h.ext }
