package storageclient

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
)

type host struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h host) GetExtensions() map[component.ID]component.Component { return h.exts }

func TestOpen(t *testing.T) {
	ctx := context.Background()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = t.TempDir()
	ext, err := f.Create(ctx, extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(ctx, componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(ctx)) })

	storageID := component.MustNewID("file_storage")
	notStorage := component.MustNewID("health_check")
	h := host{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{
		storageID:  ext,
		notStorage: componenttest.NewNopHost().GetExtensions()[notStorage], // nil component
	}}
	self := component.MustNewID("anomaly")

	client, err := Open(ctx, h, nil, component.KindConnector, self, "")
	require.NoError(t, err)
	assert.Nil(t, client, "no storage configured: no client")

	missing := component.MustNewIDWithName("file_storage", "missing")
	_, err = Open(ctx, h, &missing, component.KindConnector, self, "")
	assert.EqualError(t, err, `storage: extension "file_storage/missing" not found`)

	_, err = Open(ctx, h, &notStorage, component.KindConnector, self, "")
	assert.EqualError(t, err, `storage: extension "health_check" is not a storage extension`)

	// Two clients of one component, told apart by name, keep separate keys.
	a, err := Open(ctx, h, &storageID, component.KindConnector, self, "a")
	require.NoError(t, err)
	b, err := Open(ctx, h, &storageID, component.KindConnector, self, "b")
	require.NoError(t, err)
	require.NoError(t, a.Set(ctx, "k", []byte("from a")))
	got, err := b.Get(ctx, "k")
	require.NoError(t, err)
	assert.Nil(t, got, "client b must not see client a's key")
	got, err = a.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "from a", string(got))
	require.NoError(t, a.Close(ctx))
	require.NoError(t, b.Close(ctx))
}
