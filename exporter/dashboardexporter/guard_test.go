package dashboardexporter

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/extension/extensionauth"
)

func fetch(t *testing.T, url string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestBrowserGuard is issue 12's DNS-rebinding finding: a page under a
// foreign name cannot read the history; a page of another origin cannot
// either; /tracker.js stays embeddable.
func TestBrowserGuard(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	td.consume(logsOf(fixture...))
	port := td.de.addr.(*net.TCPAddr).Port
	tests := []struct {
		name, path string
		header     map[string]string
		want       int
		wantBody   string
	}{
		{"rebinding Host on the API", "/api/events", map[string]string{"Host": "evil.example:8790"}, 421, `Host \"evil.example:8790\" is not a name of this listener`},
		{"rebinding Host on the page", "/", map[string]string{"Host": "evil.example"}, 421, `is not a name of this listener`},
		{"rebinding Host on the stream", "/api/stream", map[string]string{"Host": "evil.example"}, 421, ``},
		{"rebinding Host on the export", "/api/events.jsonl", map[string]string{"Host": "evil.example"}, 421, ``},
		{"cross-origin fetch of the API", "/api/events", map[string]string{"Origin": "http://evil.example"}, 403, `Origin \"http://evil.example\" is not allowed`},
		{"the page itself (same origin)", "/api/events", map[string]string{"Origin": "http://127.0.0.1:" + strconv.Itoa(port), "Host": "127.0.0.1:" + strconv.Itoa(port)}, 200, `"events"`},
		{"localhost by name", "/api/events", map[string]string{"Host": "localhost:" + strconv.Itoa(port)}, 200, `"events"`},
		{"tracker.js from any page", "/tracker.js", map[string]string{"Origin": "http://evil.example"}, 200, `unitrack browser tracker`},
		{"tracker.js keeps the Host check", "/tracker.js", map[string]string{"Host": "evil.example"}, 421, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := fetch(t, td.URL+tt.path, tt.header)
			assert.Equal(t, tt.want, code, body)
			assert.Contains(t, body, tt.wantBody)
			if code != 200 {
				assert.Equal(t, "application/json", h.Get("Content-Type"))
				assert.NotContains(t, body, "connection refused", "no event data in a refusal")
			}
		})
	}
}

// fakeBasicAuth plays an authenticator extension of type basicauth.
type fakeBasicAuth struct {
	component.StartFunc
	component.ShutdownFunc
}

func (fakeBasicAuth) Authenticate(ctx context.Context, src map[string][]string) (context.Context, error) {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:pw"))
	if v := src["Authorization"]; len(v) == 1 && v[0] == want {
		return ctx, nil
	}
	return ctx, errBadLogin
}

var errBadLogin = errors.New("invalid credentials")

var _ extensionauth.Server = fakeBasicAuth{}

type hostWithExtensions struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h hostWithExtensions) GetExtensions() map[component.ID]component.Component { return h.ext }

// TestBasicAuthLogin: behind basic auth, every path (page, API, live
// stream, export) needs the login, a refusal carries the challenge that
// makes a browser ask for it, and the login is never echoed.
func TestBasicAuthLogin(t *testing.T) {
	id := component.MustNewID("basicauth")
	host := hostWithExtensions{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{id: fakeBasicAuth{}}}
	td := startDashboardOn(t, host, t.TempDir(), func(c *Config) {
		a := confighttp.AuthConfig{}
		a.Config.AuthenticatorID = id
		c.Auth = configoptional.Some(a)
	})
	td.consume(logsOf(fixture...))
	good := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:pw"))
	bad := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:guess"))
	for _, path := range []string{"/", "/api/events", "/api/stats", "/api/events.jsonl", "/api/csrf", "/api/events/nope", "/blog/x.html", "/assets/app.js"} {
		for _, auth := range []string{"", bad} {
			code, h, body := fetch(t, td.URL+path, map[string]string{"Authorization": auth})
			assert.Equal(t, http.StatusUnauthorized, code, "%s with %q: %s", path, auth, body)
			assert.Equal(t, `Basic realm="unitrack dashboard", charset="UTF-8"`, h.Get("WWW-Authenticate"), path)
			assert.Contains(t, body, `"error":"authentication failed: `)
			assert.NotContains(t, body, "guess")
		}
		code, _, body := fetch(t, td.URL+path, map[string]string{"Authorization": good})
		assert.NotEqual(t, http.StatusUnauthorized, code, "%s: %s", path, body)
	}
	// Other sites' pages load the tracker without the login.
	code, _, body := fetch(t, td.URL+"/tracker.js", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "unitrack browser tracker")
	// The live stream with the login.
	s := openStream(t, td.URL+"/api/stream", http.Header{"Authorization": {good}})
	s.resp.Body.Close()
	// A foreign Host is refused before the login is even checked.
	code, _, _ = fetch(t, td.URL+"/api/events", map[string]string{"Authorization": good, "Host": "evil.example"})
	assert.Equal(t, 421, code)
}

// TestSlowlorisDashboard: a client that never finishes its headers is cut
// after read_header_timeout; the page is served meanwhile.
func TestSlowlorisDashboard(t *testing.T) {
	td := startDashboard(t, t.TempDir(), func(c *Config) { c.ReadHeaderTimeout = 300 * time.Millisecond })
	c, err := net.Dial("tcp", td.de.addr.String())
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "GET /api/events HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
	require.NoError(t, err)
	code, _, _ := fetch(t, td.URL+"/api/stats", nil)
	assert.Equal(t, 200, code)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	start := time.Now()
	_, _ = io.ReadAll(c)
	assert.Less(t, time.Since(start), 9*time.Second, "the slow connection was not cut")
}

// TestOversizedHeadersDashboard: 431, and the dashboard keeps serving.
func TestOversizedHeadersDashboard(t *testing.T) {
	td := startDashboard(t, t.TempDir(), nil)
	code, _, _ := fetch(t, td.URL+"/api/events", map[string]string{"X-Big": strings.Repeat("a", 2<<20)})
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, code)
	code, _, _ = fetch(t, td.URL+"/api/events", nil)
	assert.Equal(t, 200, code)
}
