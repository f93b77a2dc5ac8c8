package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inboxLine is what the incident checks read of a notification.
type inboxLine struct {
	Kind           string `json:"kind"`
	Status         string `json:"status"`
	Expired        bool   `json:"expired"`
	Priority       string `json:"priority"`
	SeverityNumber int    `json:"severity_number"`
	SubjectKey     string `json:"subject_key"`
	Subject        string `json:"subject"`
	Title          string `json:"title"`
	Text           string `json:"text"`
	Count          int    `json:"count"`
}

func readInbox(path string) []inboxLine {
	var out []inboxLine
	forLines(path, func(b []byte) {
		var n inboxLine
		if json.Unmarshal(b, &n) == nil {
			out = append(out, n)
		}
	})
	return out
}

func post(t *testing.T, port int, path, body string) {
	t.Helper()
	resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d%s", port, path), "application/json", strings.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "POST %s %s", path, body)
}

// TestNotifyCallsAndOneIncidentPerSubject runs the default otelcol.yaml (short
// grouping intervals in an overlay, routing untouched) and tells it what
// issue 11 tried: the four notify() priorities, then the MCP story — five
// track_event failures naming the server in metadata, the breaker opening,
// the breaker closing.
func TestNotifyCallsAndOneIncidentPerSubject(t *testing.T) {
	d := startDefault(t, `
exporters:
  notify:
    group_wait: 500ms
    group_interval: 1s
    resolve_timeout: 3s
`)
	col, trk := d.col, d.track
	inbox := filepath.Join(col.Dir(), "var/notify/inbox.jsonl")

	// 1. notify() keeps its meaning: every priority delivered, at once.
	priorities := map[string]int{"low": 9, "normal": 13, "high": 17, "urgent": 21}
	for p := range priorities {
		post(t, trk, "/v1/legacy/notify", fmt.Sprintf(`{"title":"%s call","message":"notify() with priority %s","priority":"%s","source":"e2e"}`, p, p, p))
	}
	col.WaitFor(20*time.Second, func() bool {
		n := 0
		for _, l := range readInbox(inbox) {
			if l.Kind == "one_shot" {
				n++
			}
		}
		return n >= 4
	}, "the four notify() calls in the inbox")

	// 2. The MCP story, in event time: failures at base, breaker opened a
	// minute later, closed eight minutes after the first failure.
	base := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
	at := func(d time.Duration) string { return base.Add(d).Format(time.RFC3339) }
	for i := range 5 {
		post(t, trk, "/v1/track", fmt.Sprintf(`{"event_type":"mcp_server_failure","message":"MCP server 'filesystem' failed: timeout","severity":"error","category":"mcp","timestamp":%q,"metadata":{"server":"filesystem","attempt":%d}}`, at(time.Duration(i)*10*time.Second), i+1))
	}
	post(t, trk, "/v1/legacy/circuit-breaker", fmt.Sprintf(`{"server":"filesystem","event":"opened","state":"open","failure_count":5,"threshold":5,"error":"Timeout after 30s","cooldown_seconds":60,"timestamp":%q}`, at(time.Minute)))
	col.WaitFor(20*time.Second, func() bool {
		for _, l := range readInbox(inbox) {
			if l.Subject == "filesystem" && l.Status == "firing" {
				return true
			}
		}
		return false
	}, "the firing notification of MCP server filesystem")
	post(t, trk, "/v1/legacy/circuit-breaker", fmt.Sprintf(`{"server":"filesystem","event":"closed","state":"closed","timestamp":%q}`, at(8*time.Minute)))
	col.WaitFor(20*time.Second, func() bool {
		for _, l := range readInbox(inbox) {
			if l.Subject == "filesystem" && l.Status == "resolved" {
				return true
			}
		}
		return false
	}, "the resolved notification of MCP server filesystem")

	// The marker: an incident opened after everything above and closed by
	// resolve_timeout. Groups are flushed in the order they opened, so once
	// its "resolved" is in the inbox, any late notification about the
	// earlier events (a "resolved" for a notify() call, a second firing for
	// filesystem) would be there too.
	post(t, trk, "/v1/track", `{"event_type":"e2e_marker_failure","message":"marker","severity":"error","category":"e2e"}`)
	col.WaitFor(30*time.Second, func() bool {
		for _, l := range readInbox(inbox) {
			if l.Status == "resolved" && strings.Contains(l.Title, "marker") {
				return true
			}
		}
		return false
	}, "the marker incident resolved by resolve_timeout")

	var oneShots, mcp []inboxLine
	for _, l := range readInbox(inbox) {
		switch {
		case l.Kind == "one_shot":
			oneShots = append(oneShots, l)
		case l.SubjectKey == "mcp.server.name":
			mcp = append(mcp, l)
		case strings.Contains(l.Title, "marker"):
		default:
			t.Errorf("unexpected notification %+v", l)
		}
	}
	require.Len(t, oneShots, 4, "exactly one notification per notify() call: %+v", oneShots)
	seen := map[string]bool{}
	for _, l := range oneShots {
		assert.Equal(t, "firing", l.Status, "a notify() call is never resolved: %+v", l)
		assert.Equal(t, l.Priority+" call", l.Title, "the title is the notify() title")
		assert.Equal(t, priorities[l.Priority], l.SeverityNumber, "priority %s maps onto its severity", l.Priority)
		seen[l.Priority] = true
	}
	assert.Len(t, seen, 4, "each priority delivered once")

	require.Len(t, mcp, 2, "one firing and one resolved notification for MCP server filesystem: %+v", mcp)
	assert.Equal(t, "firing", mcp[0].Status)
	assert.Equal(t, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s", mcp[0].Title)
	assert.Equal(t, 6, mcp[0].Count, "the five failures and the breaker are one incident")
	assert.Equal(t, "resolved", mcp[1].Status)
	assert.False(t, mcp[1].Expired, "resolved by the breaker closing, not by resolve_timeout")
	assert.Equal(t, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s (resolved after 8m0s)", mcp[1].Title)
	assert.Contains(t, mcp[1].Text, "when the circuit breaker closed, after 8m0s")

	// One blog post for the server, telling the story.
	blogDir := filepath.Join(col.Dir(), "var/blog")
	var posts []string
	col.WaitFor(20*time.Second, func() bool {
		posts = nil
		files, _ := globPosts(filepath.Join(blogDir, "*.md"))
		resolved := false
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil || !strings.Contains(string(b), "subject: mcp.server.name=filesystem") {
				continue
			}
			posts = append(posts, string(b))
			resolved = resolved || strings.Contains(string(b), "status: resolved")
		}
		return resolved
	}, "the blog post of MCP server filesystem resolved")
	require.Len(t, posts, 1, "one blog post for the incident")
	body := posts[0][strings.Index(posts[0][3:], "\n---\n")+3:]
	assert.Contains(t, body, "MCP server filesystem: circuit breaker opened after 5 failures — Timeout after 30s.", "the opening says what failed")
	assert.Contains(t, body, "7 events (6 failures)", "the five track_event failures are in the post")
	assert.Contains(t, body, "when the circuit breaker closed, after 8m0s.", "and how long it lasted")
	assert.Contains(t, body, "[The events of this incident on the dashboard](<http://127.0.0.1:", "and links to its events")
}
