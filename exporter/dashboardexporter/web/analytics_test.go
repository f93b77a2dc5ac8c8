package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
)

// FuzzAnalyticsQuery: any query string gets 200 with the analytics or 400
// naming a parameter, never a failure of the store or a crash.
func FuzzAnalyticsQuery(f *testing.F) {
	for _, q := range []string{"", "since=24h", "since=1795867200000&until=1795870800000", "today=1795824000000",
		"since=2026-11-28T00:00:00Z", "until=-1", "today=99999999999999999999", "since=1h&until=2h", "since=9999999999999999"} {
		f.Add(q)
	}
	st, err := store.Open(context.Background(), f.TempDir())
	require.NoError(f, err)
	f.Cleanup(func() { st.Close() })
	srv := New(Options{Store: st, Now: func() time.Time { return now }})
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, q string) {
		r := httptest.NewRequest("GET", "/api/analytics", nil)
		r.URL.RawQuery = q
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK:
			var a analytics
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &a), w.Body.String())
		case http.StatusBadRequest:
			var e errorBody
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
			require.Regexp(t, `^(since|until|today): `, e.Error)
		default:
			t.Fatalf("query %q: status %d: %s", q, w.Code, w.Body.String())
		}
	})
}
