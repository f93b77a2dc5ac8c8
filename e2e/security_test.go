package e2e

import (
	"bytes"
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
