package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/track"
)

// notifyOverlay only shortens notify's timers, so its counts can be read
// within the test; everything else is the default config.
const notifyOverlay = `
exporters:
  notify:
    group_wait: 500ms
    group_interval: 1s
`

// post sends body to path with an optional Idempotency-Key and returns the
// status (0 when the request failed).
func postWithKey(client *http.Client, url, key string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// idCounts counts the event ids of the dashboard (its json_events export),
// or of an event log file.
func dashboardIDCounts(t testing.TB, dashPort int) map[string]int {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/events.jsonl", dashPort))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return lineIDCounts(resp.Body)
}

// eventlogIDCounts counts the ids of the event log file and its rotated
// backups (path.1 ... path.N).
func eventlogIDCounts(path string) map[string]int {
	counts := map[string]int{}
	files, _ := filepath.Glob(path + ".*")
	for _, p := range append(files, path) {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		for id, n := range lineIDCounts(f) {
			counts[id] += n
		}
		f.Close()
	}
	return counts
}

func lineIDCounts(r io.Reader) map[string]int {
	counts := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var l struct {
			EventID any            `json:"event_id"`
			Data    map[string]any `json:"data"`
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		if id, ok := l.EventID.(string); ok && id != "" {
			counts[id]++
		} else if id, ok := l.Data[track.AttrEventID].(string); ok {
			counts[id]++
		}
	}
	return counts
}

// notification is what the file inbox holds of one notification.
type notification struct {
	Status   string   `json:"status"`
	GroupKey string   `json:"group_key"`
	Count    int      `json:"count"`
	EventIDs []string `json:"event_ids"`
}

func notifications(path string) []notification {
	var out []notification
	forLines(path, func(line []byte) {
		var n notification
		if json.Unmarshal(line, &n) == nil {
			out = append(out, n)
		}
	})
	return out
}

// resolvedCount is the count of the last resolved notification of the group
// whose key contains subject, -1 when there is none.
func resolvedCount(path, subject string) int {
	count := -1
	for _, n := range notifications(path) {
		if n.Status == "resolved" && strings.Contains(n.GroupKey, subject) {
			count = n.Count
		}
	}
	return count
}

// blogIncident returns the front matter of the blog's incident post about
// subject (event_count and status), found by its group key.
func blogIncident(dir, subject string) (count int, status string) {
	files, _ := globPosts(filepath.Join(dir, "*.md"))
	count = -1
	for _, f := range files {
		var c int
		var st, gk string
		forLines(f, func(line []byte) {
			s := string(line)
			switch {
			case strings.HasPrefix(s, "event_count: "):
				fmt.Sscan(strings.TrimPrefix(s, "event_count: "), &c)
			case strings.HasPrefix(s, "status: "):
				st = strings.TrimPrefix(s, "status: ")
			case strings.HasPrefix(s, "group_key: "):
				gk = strings.TrimPrefix(s, "group_key: ")
			}
		})
		if strings.Contains(gk, subject) {
			return c, st
		}
	}
	return count, ""
}

// A request resent with the same Idempotency-Key is stored once in the
// dashboard and the event log, and counted once by notify and the blog.
func TestIdempotencyKeyResendStoredOnce(t *testing.T) {
	d := startDefault(t, notifyOverlay)
	col, dir := d.col, d.col.Dir()
	base := fmt.Sprintf("http://127.0.0.1:%d", d.track)
	client := &http.Client{Timeout: 30 * time.Second}

	// 20 final failures of one task (notify and blog), 30 info events.
	var tasks, infos []string
	for i := range 20 {
		tasks = append(tasks, fmt.Sprintf(`{"task_name":"idem-nightly","status":"failed","attempt":3,"max_attempts":3,"error":"KeyError: run %d"}`, i))
	}
	for i := range 30 {
		infos = append(infos, fmt.Sprintf(`{"event_type":"agent.step","message":"step %d","timestamp":"2026-11-28T12:00:%02dZ"}`, i, i))
	}
	taskBody := []byte("[" + strings.Join(tasks, ",") + "]")
	infoBody := []byte("[" + strings.Join(infos, ",") + "]")
	for range 2 {
		st, err := postWithKey(client, base+"/v1/legacy/tasks", "idem-tasks-1", taskBody)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, st)
		st, err = postWithKey(client, base+"/v1/track", "idem-steps-1", infoBody)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, st)
	}
	// The recovery resolves the incident, so notify sends its final count;
	// sent once the group fired (a group that resolves within group_wait
	// sends nothing).
	inbox := filepath.Join(dir, "var", "notify", "inbox.jsonl")
	col.WaitFor(30*time.Second, func() bool { return len(notifications(inbox)) > 0 }, "the firing notification")
	st, err := postWithKey(client, base+"/v1/legacy/tasks", "", []byte(`{"task_name":"idem-nightly","status":"succeeded","event_id":"idem-recovery"}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, st)

	var want []string
	for i := range 30 {
		want = append(want, track.RequestEventID("track_event", "idem-steps-1", i, time.Date(2026, 11, 28, 12, 0, i, 0, time.UTC)))
	}
	// Task events without finished_at have no time of their own: time part 0.
	for i := range 20 {
		want = append(want, track.RequestEventID("background_tasks", "idem-tasks-1", i, time.Time{}))
	}
	want = append(want, "idem-recovery")

	eventlog := filepath.Join(dir, "var", "eventlog", "events.jsonl")
	var why string
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last state: %s", why)
		}
	})
	col.WaitFor(60*time.Second, func() bool {
		dash, el := dashboardIDCounts(t, d.dashboard), eventlogIDCounts(eventlog)
		for _, id := range want {
			if dash[id] == 0 || el[id] == 0 {
				why = fmt.Sprintf("%s: dashboard %d, event log %d (dashboard holds %d ids, event log %d)", id, dash[id], el[id], len(dash), len(el))
				return false
			}
		}
		why = fmt.Sprintf("notifications: %+v", notifications(inbox))
		return resolvedCount(inbox, "idem-nightly") >= 0
	}, "every event in the dashboard and the event log, and the notification resolved")
	col.WaitFor(30*time.Second, func() bool {
		_, status := blogIncident(filepath.Join(dir, "var", "blog"), "idem-nightly")
		return status == "resolved"
	}, "the blog's incident resolved")

	dash, el := dashboardIDCounts(t, d.dashboard), eventlogIDCounts(eventlog)
	for _, id := range want {
		assert.Equal(t, 1, dash[id], "dashboard holds %s once", id)
		assert.Equal(t, 1, el[id], "event log holds %s once", id)
	}
	assert.Len(t, dash, len(want), "nothing else in the dashboard")
	assert.Len(t, el, len(want), "nothing else in the event log")
	assert.Equal(t, 21, resolvedCount(inbox, "idem-nightly"), "notify counts 20 failures and the recovery once")
	count, _ := blogIncident(filepath.Join(dir, "var", "blog"), "idem-nightly")
	assert.Equal(t, 21, count, "the blog counts 20 failures and the recovery once")
}
