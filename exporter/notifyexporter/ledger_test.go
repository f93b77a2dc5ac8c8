package notifyexporter

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
)

// TestLedgerKeepsTheNextOwnerFromPagingAgain: collector A pages for an
// incident; then the incident moves to collector B (its own grouping state,
// the same ledger). B's events for it open a group that is adopted as
// notified: no second page, and the recovery still sends "resolved".
func TestLedgerKeepsTheNextOwnerFromPagingAgain(t *testing.T) {
	srv := newTargetServer(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusOK) })
	newCfg := func() *Config {
		cfg := fastConfig(httpTarget("hook", "webhook", srv.URL+"/hook"))
		cfg.Ledger = &fileStorageID
		return cfg
	}
	ctx := context.Background()
	host, ext := startFileStorage(t, t.TempDir())
	defer func() { require.NoError(t, ext.Shutdown(ctx)) }()

	a := newTestEnv(t)
	expA := a.start(t, newCfg(), host)
	require.NoError(t, expA.ConsumeLogs(ctx, logsOf(breaker("filesystem", "opened", t0, "01A"))))
	first := srv.waitFor(t, 1)
	assert.Equal(t, "firing", decodeBody(t, first[0].body)["status"])
	require.NoError(t, expA.Shutdown(ctx))

	b := newTestEnv(t)
	expB := b.start(t, newCfg(), host)
	require.NoError(t, expB.ConsumeLogs(ctx, logsOf(breaker("filesystem", "opened", t0.Add(time.Second), "01B"))))
	// The marker: the recovery, which B sends once its group is looked at;
	// a second page from B would be delivered before it.
	require.NoError(t, expB.ConsumeLogs(ctx, logsOf(breaker("filesystem", "closed", t0.Add(2*time.Second), "01C"))))
	reqs := srv.waitFor(t, 2)
	require.NoError(t, expB.Shutdown(ctx))
	require.Len(t, srv.all(), 2, "requests, want one page and one resolution")
	n := decodeBody(t, reqs[1].body)
	assert.Equal(t, "resolved", n["status"])
	assert.Equal(t, int64(1), b.sum(t, "otelcol_exporter_notify_notifications_suppressed", attribute.String("reason", "paged_elsewhere")))

	// The resolution removed the entry: the next incident pages again.
	c := newTestEnv(t)
	expC := c.start(t, newCfg(), host)
	require.NoError(t, expC.ConsumeLogs(ctx, logsOf(breaker("filesystem", "opened", t0.Add(time.Hour), "01D"))))
	reqs = srv.waitFor(t, 3)
	require.NoError(t, expC.Shutdown(ctx))
	assert.Equal(t, "firing", decodeBody(t, reqs[2].body)["status"])
}

func TestParseLedgerEntry(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{`{"first_seen":"2026-11-28T12:00:00Z","last_sent":"2026-11-28T12:00:30Z"}`, ""},
		{`{"first_seen":"2026-11-28T12:00:00Z"}`, "ledger entry: last_sent: missing, want an RFC 3339 time"},
		{`{"last_sent":"yesterday"}`, `ledger entry: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`},
		{`[]`, "ledger entry: json: cannot unmarshal array into Go value of type notifyexporter.ledgerEntry"},
	}
	for _, tt := range tests {
		e, err := parseLedgerEntry([]byte(tt.in))
		if tt.wantErr == "" {
			require.NoError(t, err, tt.in)
			assert.Equal(t, t0.Add(30*time.Second).UTC(), e.LastSent.UTC(), tt.in)
			continue
		}
		require.Error(t, err, tt.in)
		assert.Equal(t, tt.wantErr, err.Error(), tt.in)
	}
}
