package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/unitrack/unitrack/internal/testbin"
)

type reply struct {
	status int
	header http.Header
	body   string
}

func send(t *testing.T, c *http.Client, method, u string, header map[string]string, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	require.NoError(t, err, "%s %s", method, u)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func fileHas(path, s string) bool {
	b, _ := os.ReadFile(path)
	return bytes.Contains(b, []byte(s))
}

// dashboardHas: the dashboard's search finds the phrase.
func dashboardHas(t *testing.T, c *http.Client, dashURL, auth, phrase string) bool {
	t.Helper()
	r := send(t, c, http.MethodGet, dashURL+"/api/events?q="+url.QueryEscape(`"`+phrase+`"`), map[string]string{"Authorization": auth}, "")
	require.Equal(t, 200, r.status, r.body)
	return !strings.Contains(r.body, `"events":[]`)
}

// TestBrowserAttacksRefused is issue 12's findings on the default config:
// the cross-origin "simple" POST that paged the team is refused before its
// body is read and nothing of it reaches any sink; a DNS-rebinding Host is
// refused on trackreceiver and on the dashboard.
func TestBrowserAttacksRefused(t *testing.T) {
	// A short group_wait, so that the marker's notification comes soon.
	d := startDefault(t, "exporters:\n  notify:\n    group_wait: 1s\n")
	trackURL := fmt.Sprintf("http://127.0.0.1:%d", d.track)
	dashURL := fmt.Sprintf("http://127.0.0.1:%d", d.dashboard)

	// The curl, exactly.
	r := send(t, nil, http.MethodPost, trackURL+"/v1/legacy/notify",
		map[string]string{"Origin": "http://evil.example", "Content-Type": "text/plain"}, `{"title":"pwned","priority":"urgent"}`)
	assert.Equal(t, http.StatusForbidden, r.status, r.body)
	assert.Contains(t, r.body, `Origin \"http://evil.example\" is not allowed to send requests here`)
	// The same from a sandboxed iframe (Origin: null), and a rebinding page.
	r = send(t, nil, http.MethodPost, trackURL+"/v1/legacy/notify",
		map[string]string{"Origin": "null", "Content-Type": "text/plain"}, `{"title":"pwned","message":"pwned","priority":"urgent"}`)
	assert.Equal(t, http.StatusForbidden, r.status, r.body)
	r = send(t, nil, http.MethodPost, trackURL+"/v1/legacy/notify",
		map[string]string{"Host": fmt.Sprintf("evil.example:%d", d.track), "Origin": fmt.Sprintf("http://evil.example:%d", d.track), "Content-Type": "text/plain"},
		`{"title":"pwned","message":"pwned","priority":"urgent"}`)
	assert.Equal(t, http.StatusMisdirectedRequest, r.status, r.body)

	// The dashboard under a rebinding name: no history, no stream, no export.
	for _, path := range []string{"/", "/api/events", "/api/stream", "/api/events.jsonl", "/api/stats"} {
		r = send(t, nil, http.MethodGet, dashURL+path, map[string]string{"Host": fmt.Sprintf("evil.example:%d", d.dashboard)}, "")
		assert.Equal(t, http.StatusMisdirectedRequest, r.status, "%s: %s", path, r.body)
		assert.NotContains(t, r.body, "events")
	}
	// The otlp receiver's HTTP listener, through the browserguard middleware.
	otlpURL := fmt.Sprintf("http://127.0.0.1:%d/v1/logs", d.otlpHTTP)
	pwnedOTLP := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":21,"body":{"stringValue":"pwned over otlp"}}]}]}]}`
	r = send(t, nil, http.MethodPost, otlpURL, map[string]string{"Host": fmt.Sprintf("evil.example:%d", d.otlpHTTP), "Content-Type": "application/json"}, pwnedOTLP)
	assert.Equal(t, http.StatusMisdirectedRequest, r.status, r.body)
	r = send(t, nil, http.MethodPost, otlpURL, map[string]string{"Origin": "http://evil.example", "Content-Type": "application/json"}, pwnedOTLP)
	assert.Equal(t, http.StatusForbidden, r.status, r.body)

	// A cross-origin read of the API.
	r = send(t, nil, http.MethodGet, dashURL+"/api/events", map[string]string{"Origin": "http://evil.example"}, "")
	assert.Equal(t, http.StatusForbidden, r.status, r.body)

	// A legitimate sender after the attacks: when its event is in every
	// sink, the refused ones would have been too.
	r = send(t, nil, http.MethodPost, trackURL+"/v1/legacy/notify", map[string]string{"Content-Type": "application/json"},
		`{"title":"legit marker","message":"legit marker after the attacks","priority":"urgent"}`)
	require.Equal(t, 200, r.status, r.body)
	dir := d.col.Dir()
	d.col.WaitFor(30*time.Second, func() bool {
		return dashboardHas(t, nil, dashURL, "", "legit marker after the attacks")
	}, "the legitimate event on the dashboard")
	d.col.WaitFor(30*time.Second, func() bool {
		return fileHas(filepath.Join(dir, "var/eventlog/events.jsonl"), "legit marker after the attacks")
	}, "the legitimate event in the event log")
	d.col.WaitFor(30*time.Second, func() bool {
		return fileHas(filepath.Join(dir, "var/notify/inbox.jsonl"), "legit marker")
	}, "the legitimate event in the notify inbox")
	assert.False(t, dashboardHas(t, nil, dashURL, "", "pwned"), "the refused event is on the dashboard")
	for _, f := range []string{"var/eventlog/events.jsonl", "var/notify/inbox.jsonl"} {
		assert.False(t, fileHas(filepath.Join(dir, f), "pwned"), "the refused event is in %s", f)
	}
	blog, _ := filepath.Glob(filepath.Join(dir, "var/blog/*"))
	for _, f := range blog {
		assert.False(t, fileHas(f, "pwned"), "the refused event is in %s", f)
	}
	// The tracker script stays embeddable by any page.
	r = send(t, nil, http.MethodGet, dashURL+"/tracker.js", map[string]string{"Origin": "http://evil.example"}, "")
	assert.Equal(t, 200, r.status)
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// secureCollector is otelcol.yaml with otelcol.secure.yaml merged over it,
// on a certificate the test generates.
type secureCollector struct {
	defaultCollector
	browser int // track/browser, the tracker's listener
	cert    testbin.TestCert
	client  *http.Client
	token   string
	user    string
	pass    string
}

func startSecure(t *testing.T) secureCollector {
	t.Helper()
	overlay, err := os.ReadFile(filepath.Join(testbin.RepoRoot(t), "otelcol.secure.yaml"))
	require.NoError(t, err)
	s := secureCollector{cert: testbin.NewTestCert(t), browser: testbin.FreePort(t),
		token: "tok-" + rand.Text(), user: "admin", pass: "pw-" + rand.Text()}
	s.client = s.cert.Client()
	hash, err := bcrypt.GenerateFromPassword([]byte(s.pass), bcrypt.MinCost)
	require.NoError(t, err)
	s.defaultCollector = startDefault(t, string(overlay), testbin.WithEnv(
		"UNITRACK_TLS_CERT_FILE="+s.cert.CertFile,
		"UNITRACK_TLS_KEY_FILE="+s.cert.KeyFile,
		"UNITRACK_SENDER_TOKEN="+s.token,
		"UNITRACK_DASHBOARD_HTPASSWD="+s.user+":"+string(hash),
		fmt.Sprintf("UNITRACK_TRACK_BROWSER_ENDPOINT=127.0.0.1:%d", s.browser),
	), testbin.WithOverlay("exporters:\n  notify:\n    group_wait: 1s\n"))
	t.Cleanup(func() {
		// No secret in anything the collector printed.
		out := s.col.Output()
		for _, secret := range []string{s.token, s.pass, string(hash)} {
			assert.NotContains(t, out, secret, "a secret in the collector's output")
		}
	})
	return s
}

func (s secureCollector) url(port int) string { return fmt.Sprintf("https://127.0.0.1:%d", port) }

const otlpLogJSON = `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"secure-sdk"}}]},"scopeLogs":[{"logRecords":[{"severityNumber":9,"body":{"stringValue":"otlp over tls with a token"}}]}]}]}`

// TestSecureProfile: every listener is TLS; senders without the token and
// dashboard visitors without the login get 401; with them, events flow.
func TestSecureProfile(t *testing.T) {
	s := startSecure(t)
	track, dash, otlp := s.url(s.track), s.url(s.dashboard), s.url(s.otlpHTTP)
	bearer := "Bearer " + s.token
	login := basicAuth(s.user, s.pass)
	event := `{"event_type":"secure_marker","message":"sent over tls with a token","severity":"error"}`

	// Plain HTTP on a TLS listener is answered 400 by Go's TLS server.
	r := send(t, nil, http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/v1/track", s.track), nil, event)
	assert.Equal(t, http.StatusBadRequest, r.status, r.body)

	for _, tt := range []struct{ name, auth string }{{"no token", ""}, {"wrong token", "Bearer nope"}, {"dashboard login as token", login}} {
		r = send(t, s.client, http.MethodPost, track+"/v1/track", map[string]string{"Authorization": tt.auth, "Content-Type": "application/json"}, event)
		assert.Equal(t, http.StatusUnauthorized, r.status, "track, %s: %s", tt.name, r.body)
		r = send(t, s.client, http.MethodPost, otlp+"/v1/logs", map[string]string{"Authorization": tt.auth, "Content-Type": "application/json"}, otlpLogJSON)
		assert.Equal(t, http.StatusUnauthorized, r.status, "otlp, %s: %s", tt.name, r.body)
	}
	r = send(t, s.client, http.MethodPost, track+"/v1/track", map[string]string{"Authorization": bearer, "Content-Type": "application/json"}, event)
	require.Equal(t, 200, r.status, r.body)
	r = send(t, s.client, http.MethodPost, otlp+"/v1/logs", map[string]string{"Authorization": bearer, "Content-Type": "application/json"}, otlpLogJSON)
	require.Equal(t, 200, r.status, r.body)

	// OTLP gRPC: TLS and the same token.
	ctx := t.Context()
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", s.otlpGRPC),
		grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: s.cert.Pool})))
	require.NoError(t, err)
	defer conn.Close()
	logsClient := plogotlp.NewGRPCClient(conn)
	req := plogotlp.NewExportRequest()
	lr := req.Logs().ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Body().SetStr("otlp grpc over tls with a token")
	_, err = logsClient.Export(ctx, req)
	assert.Equal(t, codes.Unauthenticated, status.Code(err), "gRPC without a token: %v", err)
	_, err = logsClient.Export(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer nope"), req)
	assert.Equal(t, codes.Unauthenticated, status.Code(err), "gRPC with a wrong token: %v", err)
	_, err = logsClient.Export(metadata.AppendToOutgoingContext(ctx, "authorization", bearer), req)
	require.NoError(t, err)

	// The dashboard: page, API, live stream, export, all behind the login.
	for _, path := range []string{"/", "/api/events", "/api/stats", "/api/stream", "/api/events.jsonl", "/api/csrf"} {
		for _, auth := range []string{"", basicAuth(s.user, "guess"), bearer} {
			r = send(t, s.client, http.MethodGet, dash+path, map[string]string{"Authorization": auth}, "")
			assert.Equal(t, http.StatusUnauthorized, r.status, "%s with %q: %s", path, auth, r.body)
			assert.Equal(t, `Basic realm="unitrack dashboard", charset="UTF-8"`, r.header.Get("WWW-Authenticate"))
		}
	}
	s.col.WaitFor(30*time.Second, func() bool {
		return dashboardHas(t, s.client, dash, login, "sent over tls with a token") && dashboardHas(t, s.client, dash, login, "otlp over tls with a token") &&
			dashboardHas(t, s.client, dash, login, "otlp grpc over tls with a token")
	}, "both events on the dashboard, read with the login")
	r = send(t, s.client, http.MethodGet, dash+"/api/events.jsonl", map[string]string{"Authorization": login}, "")
	assert.Equal(t, 200, r.status)
	assert.Contains(t, r.body, "sent over tls with a token")
	r = send(t, s.client, http.MethodGet, dash+"/tracker.js", nil, "")
	assert.Equal(t, 200, r.status, "tracker.js is public")
	assert.Contains(t, r.body, fmt.Sprintf(`"https://127.0.0.1:%d/v1/legacy/dashboard"`, s.browser))

	// The tracker's listener: only allowed pages, only the dashboard format.
	beacon := `{"type":"error","action":"secureBeacon","message":"beacon from an allowed page"}`
	page := map[string]string{"Origin": "https://127.0.0.1:5005", "Content-Type": "text/plain;charset=UTF-8"}
	browser := s.url(s.browser)
	r = send(t, s.client, http.MethodPost, browser+"/v1/legacy/dashboard", map[string]string{"Content-Type": "text/plain;charset=UTF-8"}, beacon)
	assert.Equal(t, http.StatusForbidden, r.status, r.body)
	r = send(t, s.client, http.MethodPost, browser+"/v1/legacy/dashboard", map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain"}, beacon)
	assert.Equal(t, http.StatusForbidden, r.status, r.body)
	r = send(t, s.client, http.MethodPost, browser+"/v1/legacy/notify", page, `{"title":"t","message":"m","priority":"urgent"}`)
	assert.Equal(t, http.StatusNotFound, r.status, r.body)
	r = send(t, s.client, http.MethodPost, browser+"/v1/legacy/dashboard", page, beacon)
	assert.Equal(t, 200, r.status, r.body)

	// Links in notifications point at the https dashboard.
	s.col.WaitFor(60*time.Second, func() bool {
		return fileHas(filepath.Join(s.col.Dir(), "var/notify/inbox.jsonl"), fmt.Sprintf("https://127.0.0.1:%d/#/events/", s.dashboard))
	}, "a notification linking to the https dashboard")
}
