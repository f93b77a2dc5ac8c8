package incidentkeyprocessor

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/goleak"

	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/processor/incidentkeyprocessor/internal/metadata"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// request is one call the processor made to the next consumer.
type request struct {
	key   []string
	other []string
	addr  string
	logs  plog.Logs
}

// recorder is the next consumer: it keeps each request with the metadata of
// its context.
type recorder struct {
	mu   sync.Mutex
	reqs []request
	err  error
}

func (r *recorder) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (r *recorder) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	info := client.FromContext(ctx)
	req := request{key: info.Metadata.Get(DefaultMetadataKey), other: info.Metadata.Get("x-tenant"), logs: ld}
	if info.Addr != nil {
		req.addr = info.Addr.String()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	return r.err
}

type addr string

func (a addr) Network() string { return "tcp" }
func (a addr) String() string  { return string(a) }

// storm is n circuit-breaker events per server, the servers interleaved,
// under two resources of the same service (two hosts).
func storm(servers []string, n int) plog.Logs {
	ld := plog.NewLogs()
	for _, host := range []string{"host-a", "host-b"} {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", "agent-runner")
		rl.Resource().Attributes().PutStr("host.name", host)
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName("unitrack/legacy")
		for i := range n {
			for _, s := range servers {
				lr := sl.LogRecords().AppendEmpty()
				lr.SetEventName("mcp.circuit_breaker.opened")
				lr.SetSeverityNumber(plog.SeverityNumberError)
				lr.Attributes().PutStr("mcp.server.name", s)
				lr.Attributes().PutInt("seq", int64(i))
			}
		}
	}
	return ld
}

func keyOf(t *testing.T, ld plog.Logs) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			require.Positive(t, sl.LogRecords().Len(), "empty scope passed on")
			for _, lr := range sl.LogRecords().All() {
				got[incident.KeyOf(lr, rl.Resource()).String()]++
			}
		}
	}
	return got
}

func TestSplitsByIncidentKey(t *testing.T) {
	tests := []struct {
		name     string
		servers  []string
		n        int
		wantKeys []string
	}{
		{"one incident passes through", []string{"filesystem"}, 3, []string{"mcp|agent-runner|mcp.server.name=filesystem"}},
		{"two incidents, first-seen order", []string{"github", "filesystem"}, 2, []string{
			"mcp|agent-runner|mcp.server.name=github",
			"mcp|agent-runner|mcp.server.name=filesystem",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			p := newProcessor(&Config{MetadataKey: DefaultMetadataKey}, zapNop(), rec)
			in := storm(tt.servers, tt.n)
			total := in.LogRecordCount()
			ctx := client.NewContext(context.Background(), client.Info{
				Addr:     addr("10.0.0.7:5555"),
				Metadata: client.NewMetadata(map[string][]string{"x-tenant": {"t1"}}),
			})
			require.NoError(t, p.ConsumeLogs(ctx, in))

			require.Len(t, rec.reqs, len(tt.wantKeys))
			sum := 0
			for i, r := range rec.reqs {
				assert.Equal(t, []string{tt.wantKeys[i]}, r.key, "request %d metadata key", i)
				assert.Equal(t, []string{"t1"}, r.other, "request %d keeps the caller's metadata", i)
				assert.Equal(t, "10.0.0.7:5555", r.addr, "request %d keeps the caller's address", i)
				assert.Equal(t, map[string]int{tt.wantKeys[i]: 2 * tt.n}, keyOf(t, r.logs), "request %d holds only its incident", i)
				// Both hosts' resources are kept apart, with their attributes.
				require.Equal(t, 2, r.logs.ResourceLogs().Len())
				for j, host := range []string{"host-a", "host-b"} {
					v, _ := r.logs.ResourceLogs().At(j).Resource().Attributes().Get("host.name")
					assert.Equal(t, host, v.Str())
					assert.Equal(t, "unitrack/legacy", r.logs.ResourceLogs().At(j).ScopeLogs().At(0).Scope().Name())
				}
				sum += r.logs.LogRecordCount()
			}
			assert.Equal(t, total, sum, "records passed on, want every record once")
		})
	}
}

func TestKeepsRecordOrderWithinAnIncident(t *testing.T) {
	rec := &recorder{}
	p := newProcessor(&Config{MetadataKey: DefaultMetadataKey}, zapNop(), rec)
	require.NoError(t, p.ConsumeLogs(context.Background(), storm([]string{"a", "b", "c"}, 50)))
	require.Len(t, rec.reqs, 3)
	for _, r := range rec.reqs {
		for _, rl := range r.logs.ResourceLogs().All() {
			lrs := rl.ScopeLogs().At(0).LogRecords()
			for i := range lrs.Len() {
				v, _ := lrs.At(i).Attributes().Get("seq")
				assert.Equal(t, int64(i), v.Int(), "record %d out of order", i)
			}
		}
	}
}

func TestEmptyInputPassesNothing(t *testing.T) {
	rec := &recorder{}
	p := newProcessor(&Config{MetadataKey: DefaultMetadataKey}, zapNop(), rec)
	require.NoError(t, p.ConsumeLogs(context.Background(), plog.NewLogs()))
	assert.Empty(t, rec.reqs)
}

func TestErrorsOfPartsAreJoined(t *testing.T) {
	rec := &recorder{err: consumererror.NewPermanent(errors.New("bad data"))}
	p := newProcessor(&Config{MetadataKey: DefaultMetadataKey}, zapNop(), rec)
	err := p.ConsumeLogs(context.Background(), storm([]string{"a", "b"}, 1))
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err), "a permanent error stays permanent: %v", err)
	assert.Len(t, rec.reqs, 2, "every part is still offered")
}

func TestLifecycle(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, metadata.Type, f.Type())
	rec := &recorder{}
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), f.CreateDefaultConfig(), rec)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, p.ConsumeLogs(context.Background(), storm([]string{"x"}, 1)))
	require.NoError(t, p.Shutdown(context.Background()))
	require.Len(t, rec.reqs, 1)
}
