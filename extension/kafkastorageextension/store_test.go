package kafkastorageextension

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/goleak"

	"github.com/unitrack/unitrack/extension/kafkastorageextension/internal/metadata"
)

func TestMain(m *testing.M) {
	// kfake's broker goroutines belong to the cluster, closed per test.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*Cluster).run"))
}

func newCluster(t *testing.T) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// startStore starts one extension, as one collector would.
func startStore(t *testing.T, brokers []string) storage.Extension {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Brokers = brokers
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return ext.(storage.Extension)
}

var notifyID = component.MustNewID("notify")

func clientOf(t *testing.T, ext storage.Extension, name string) storage.Client {
	t.Helper()
	c, err := ext.GetClient(context.Background(), component.KindExporter, notifyID, name)
	require.NoError(t, err)
	return c
}

func TestTwoCollectorsShareState(t *testing.T) {
	brokers := newCluster(t)
	a, b := clientOf(t, startStore(t, brokers), "ledger"), clientOf(t, startStore(t, brokers), "ledger")
	ctx := context.Background()

	got, err := b.Get(ctx, "incident")
	require.NoError(t, err)
	assert.Nil(t, got, "unknown key")

	require.NoError(t, a.Set(ctx, "incident", []byte("paged by a")))
	got, err = a.Get(ctx, "incident")
	require.NoError(t, err)
	assert.Equal(t, "paged by a", string(got), "a reads its own write")
	got, err = b.Get(ctx, "incident")
	require.NoError(t, err)
	assert.Equal(t, "paged by a", string(got), "b reads a's acknowledged write at once")

	require.NoError(t, b.Delete(ctx, "incident"))
	got, err = a.Get(ctx, "incident")
	require.NoError(t, err)
	assert.Nil(t, got, "a sees b's delete")
}

func TestStateSurvivesRestartAndNamespaces(t *testing.T) {
	brokers := newCluster(t)
	ctx := context.Background()
	first := startStore(t, brokers)
	require.NoError(t, clientOf(t, first, "ledger").Batch(ctx,
		storage.SetOperation("k1", []byte("v1")),
		storage.SetOperation("k2", []byte("v2")),
		storage.DeleteOperation("k1"),
	))
	require.NoError(t, first.(interface{ Shutdown(context.Context) error }).Shutdown(ctx))

	// A collector started later reads what was written before it started.
	later := startStore(t, brokers)
	c := clientOf(t, later, "ledger")
	k1, k2 := storage.GetOperation("k1"), storage.GetOperation("k2")
	require.NoError(t, c.Batch(ctx, k1, k2))
	assert.Nil(t, k1.Value)
	assert.Equal(t, "v2", string(k2.Value))

	other := clientOf(t, later, "other")
	got, err := other.Get(ctx, "k2")
	require.NoError(t, err)
	assert.Nil(t, got, "another storage name does not see the key")
}

func TestStartFailsWithoutBrokers(t *testing.T) {
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Brokers = []string{"127.0.0.1:1"}
	cfg.Timeout = 500 * time.Millisecond
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	err = ext.Start(context.Background(), componenttest.NewNopHost())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `kafka_storage: create topic "unitrack-state"`)
	require.NoError(t, ext.Shutdown(context.Background()))
}

func TestStoppedClientFails(t *testing.T) {
	s := newStore(createDefaultConfig().(*Config), nil)
	c, err := s.GetClient(context.Background(), component.KindExporter, notifyID, "")
	require.NoError(t, err)
	_, err = c.Get(context.Background(), "x")
	assert.ErrorIs(t, err, errStopped)
}
