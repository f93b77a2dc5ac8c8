package web

import (
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func TestParseFilter(t *testing.T) {
	tests := []struct {
		query string
		want  store.Filter
	}{
		{"", store.Filter{}},
		{"severity=WARNING", store.Filter{SeverityMin: 13}},
		{"severity=crit", store.Filter{SeverityMin: 21}},
		{"severity=9", store.Filter{SeverityMin: 9}},
		{"category=a,b&category=c&source=+x+", store.Filter{Categories: []string{"a", "b", "c"}, Sources: []string{"x"}}},
		{"service=s&event_name=e", store.Filter{Services: []string{"s"}, EventNames: []string{"e"}}},
		{"trace_id=0102030405060708090A0B0C0D0E0F10", store.Filter{TraceID: "0102030405060708090a0b0c0d0e0f10"}},
		{"since=15m", store.Filter{SinceNs: now.Add(-15 * time.Minute).UnixNano()}},
		{"since=2026-11-28T11:00:00Z&until=1795867200000", store.Filter{SinceNs: now.Add(-time.Hour).UnixNano(), UntilNs: now.UnixNano()}},
		{"q=%3Cscript%3E", store.Filter{Text: "<script>"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/events?"+tt.query, nil)
			got, err := parseFilter(r, now)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"severity=error&q=x", "since=15m", "since=-5m", "until=9999999999999999999", "trace_id=zz", "category=,,,", "since=2026-13-45T99:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		u, err := url.Parse("/api/events?" + q)
		if err != nil {
			return
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.URL = u
		fl, err := parseFilter(r, now)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if fl.SeverityMin < 0 || fl.SeverityMin > 24 {
			t.Fatalf("severity %d out of range for %q", fl.SeverityMin, q)
		}
	})
}
