// Package incidentstest runs the real incidents extension in the tests of the
// components that record into or read from the ledger (notify, blog, the
// dashboard). They find it through the host, as in a collector; only their
// tests import this package.
package incidentstest // import "github.com/unitrack/unitrack/extension/incidentsextension/incidentstest"

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/unitrack/unitrack/extension/incidentsextension"
	"github.com/unitrack/unitrack/internal/incidents"
)

// Host holds extensions by id, as the collector's host does.
type Host map[component.ID]component.Component

// GetExtensions implements component.Host.
func (h Host) GetExtensions() map[component.ID]component.Component { return h }

// Start runs the extension on a temporary directory (mutate, when not nil,
// changes its default config first) until the test ends, and returns a host
// that holds it and the ledger a component finds there.
func Start(t testing.TB, mutate func(*incidentsextension.Config)) (Host, incidents.Ledger) {
	t.Helper()
	f := incidentsextension.NewFactory()
	cfg := f.CreateDefaultConfig().(*incidentsextension.Config)
	cfg.Directory = t.TempDir()
	if mutate != nil {
		mutate(cfg)
	}
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	host := Host{component.NewID(f.Type()): ext}
	led, ok := incidents.Find(host)
	require.True(t, ok, "the incidents extension is a ledger")
	return host, led
}
