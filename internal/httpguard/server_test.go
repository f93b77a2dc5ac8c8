package httpguard

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
)

func TestForServerTakesNamesAndOriginsFromTheListener(t *testing.T) {
	sc := confighttp.NewDefaultServerConfig()
	sc.NetAddr.Endpoint = "tracker.example:4320"
	sc.CORS = configoptional.Some(confighttp.CORSConfig{AllowedOrigins: []string{"https://app.example"}})
	g := New(ForServer(sc, []string{"alias.example"}))
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, c := range []struct {
		host, origin string
		want         int
	}{
		{"tracker.example:4320", "", http.StatusNoContent},
		{"alias.example", "https://app.example", http.StatusNoContent},
		{"other.example", "", http.StatusMisdirectedRequest},
		{"tracker.example:4320", "https://evil.example", http.StatusForbidden},
	} {
		req := httptest.NewRequest(http.MethodPost, "/v1/track", nil)
		req.Host = c.host
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		rec := httptest.NewRecorder()
		g.Wrap(ok, nil).ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("Host %q Origin %q: got %d, want %d", c.host, c.origin, rec.Code, c.want)
		}
	}
	if o := ForServer(confighttp.NewDefaultServerConfig(), nil); len(o.AllowedOrigins) != 0 {
		t.Errorf("no CORS block: got origins %v", o.AllowedOrigins)
	}
}
