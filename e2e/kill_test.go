package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// killLoad posts 100-event track_event arrays over a few connections. Every
// event carries an event_id the sender chose, so "missing" is exact; one
// event a request is a final task failure of task "kill-load", which the
// default routing sends to notify and the blog as well.
type killLoad struct {
	url    string
	client *http.Client
	stop   chan struct{}
	wg     sync.WaitGroup

	mu                    sync.Mutex
	acked, sent           map[string]bool
	ackedTasks, sentTasks int
	requests, answered200 int
	refused               map[int]int // status (0: no answer) -> requests
}

func startKillLoad(url string, conns int, pace time.Duration) *killLoad {
	l := &killLoad{
		url:     url,
		client:  &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns}},
		stop:    make(chan struct{}),
		acked:   map[string]bool{},
		sent:    map[string]bool{},
		refused: map[int]int{},
	}
	for c := range conns {
		l.wg.Add(1)
		go l.run(c, pace)
	}
	return l
}

func (l *killLoad) run(conn int, pace time.Duration) {
	defer l.wg.Done()
	tick := time.NewTicker(pace)
	defer tick.Stop()
	for r := 0; ; r++ {
		select {
		case <-l.stop:
			return
		case <-tick.C:
		}
		ids := make([]string, 100)
		var b strings.Builder
		b.WriteByte('[')
		for i := range ids {
			ids[i] = fmt.Sprintf("kill-%d-%06d-%02d", conn, r, i)
			if i > 0 {
				b.WriteByte(',')
			}
			if i == 0 {
				fmt.Fprintf(&b, `{"event_type":"task.failed","message":"load task failed","severity":"error","event_id":%q,"metadata":{"task.name":"kill-load","request":%d}}`, ids[i], r)
			} else {
				fmt.Fprintf(&b, `{"event_type":"agent.step","message":"step %d of request %d","event_id":%q,"metadata":{"conn":%d}}`, i, r, ids[i], conn)
			}
		}
		b.WriteByte(']')
		l.mu.Lock()
		for _, id := range ids {
			l.sent[id] = true
		}
		l.sentTasks++
		l.requests++
		l.mu.Unlock()
		st, _ := postWithKey(l.client, l.url, "", []byte(b.String()))
		l.mu.Lock()
		if st == http.StatusOK {
			l.answered200++
			for _, id := range ids {
				l.acked[id] = true
			}
			l.ackedTasks++
		} else {
			l.refused[st]++
		}
		l.mu.Unlock()
		if st != http.StatusOK {
			time.Sleep(50 * time.Millisecond) // the collector is down or busy
		}
	}
}

func (l *killLoad) halt() {
	close(l.stop)
	l.wg.Wait()
}

func statsTotal(port int) int64 {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/stats", port))
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var st struct {
		Total int64 `json:"total"`
	}
	if json.NewDecoder(resp.Body).Decode(&st) != nil {
		return -1
	}
	return st.Total
}

// Five kill -9 under load, restarting each time, on the default config:
// no event acknowledged with 200 is missing from the dashboard, the event
// log, notify's count or the blog's; the dashboard holds no duplicate; the
// event log's duplicates are counted and printed.
func TestKillNineUnderLoadLosesNothingAcknowledged(t *testing.T) {
	killNineUnderLoad(t, 5, 3*time.Second)
}

// BenchmarkKillNineSoak is the longer variant (make bench): twenty kill -9,
// one every 5 s of load. It reports what was acknowledged and the event
// log's duplicate lines.
func BenchmarkKillNineSoak(b *testing.B) {
	for range b.N {
		r := killNineUnderLoad(b, 20, 5*time.Second)
		b.ReportMetric(float64(r.acked), "acked_events")
		b.ReportMetric(float64(r.eventlogDuplicates), "eventlog_dup_lines")
	}
}

type killResult struct{ acked, eventlogDuplicates int }

func killNineUnderLoad(t testing.TB, kills int, every time.Duration) killResult {
	d := startDefault(t, notifyOverlay)
	col, dir := d.col, d.col.Dir()
	load := startKillLoad(fmt.Sprintf("http://127.0.0.1:%d/v1/track", d.track), 4, 25*time.Millisecond)
	// The sleeps are the test's time under load: between kills, and after
	// the last restart, so that the recovered collector takes load too.
	for range kills {
		time.Sleep(every)
		col.Kill()
		col.Restart()
	}
	time.Sleep(2 * time.Second)
	load.halt()
	t.Logf("load: %d requests, %d answered 200 (%d events acknowledged), refused by status (0 = no answer): %v",
		load.requests, load.answered200, len(load.acked), load.refused)
	require.NotZero(t, load.answered200, "the load generator got nothing through")

	// The recovery resolves the incident: notify then sends its final count.
	inbox := filepath.Join(dir, "var", "notify", "inbox.jsonl")
	col.WaitFor(60*time.Second, func() bool { return len(notifications(inbox)) > 0 }, "the firing notification")
	client := &http.Client{Timeout: 30 * time.Second}
	st, err := postWithKey(client, fmt.Sprintf("http://127.0.0.1:%d/v1/legacy/tasks", d.track), "",
		[]byte(`{"task_name":"kill-load","status":"succeeded","event_id":"kill-recovery"}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, st)

	// Wait until every sink has drained its queue (cheap checks first). The
	// recovery event, sent after the load stopped, is the barrier: a sink
	// that has it has taken everything queued before it (replays after the
	// last restart included) off its queue; the event log (one consumer)
	// has also written all of it, the dashboard (two consumers) all but the
	// one batch its other consumer may still be writing.
	eventlog := filepath.Join(dir, "var", "eventlog", "events.jsonl")
	blogDir := filepath.Join(dir, "var", "blog")
	wantTasks := load.ackedTasks + 1
	deadline := time.Now().Add(3 * time.Minute)
	var dash, el map[string]int
	for {
		notified := resolvedCount(inbox, "kill-load")
		blogged, _ := blogIncident(blogDir, "kill-load")
		if statsTotal(d.dashboard) >= int64(len(load.acked)) && notified >= wantTasks && blogged >= wantTasks {
			dash, el = dashboardIDCounts(t, d.dashboard), eventlogIDCounts(eventlog)
			if missing(load.acked, dash) == 0 && missing(load.acked, el) == 0 && dash["kill-recovery"] > 0 && el["kill-recovery"] > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			dash, el = dashboardIDCounts(t, d.dashboard), eventlogIDCounts(eventlog)
			t.Fatalf("after 3 min: missing from the dashboard %d, from the event log %d; notify count %d, blog count %d, want at least %d",
				missing(load.acked, dash), missing(load.acked, el), notified, blogged, wantTasks)
		}
		time.Sleep(2 * time.Second)
	}

	dupDash, dupLog, extra := 0, 0, 0
	for id, n := range dash {
		dupDash += n - 1
		if !load.sent[id] && id != "kill-recovery" {
			extra++
		}
	}
	for _, n := range el {
		dupLog += n - 1
	}
	notified := resolvedCount(inbox, "kill-load")
	blogged, _ := blogIncident(blogDir, "kill-load")
	t.Logf("dashboard: %d events, %d duplicates; event log: %d distinct events, %d duplicate lines; notify count %d, blog count %d (acknowledged task failures %d, sent %d, +1 recovery)",
		len(dash), dupDash, len(el), dupLog, notified, blogged, load.ackedTasks, load.sentTasks)
	assert.Zero(t, missing(load.acked, dash), "acknowledged events missing from the dashboard")
	assert.Zero(t, missing(load.acked, el), "acknowledged events missing from the event log")
	assert.Zero(t, dupDash, "duplicates in the dashboard")
	assert.Zero(t, extra, "events in the dashboard that nobody sent")
	assert.GreaterOrEqual(t, notified, wantTasks, "notify counts every acknowledged task failure")
	assert.LessOrEqual(t, notified, load.sentTasks+1, "notify counts no event twice")
	assert.GreaterOrEqual(t, blogged, wantTasks, "the blog counts every acknowledged task failure")
	assert.LessOrEqual(t, blogged, load.sentTasks+1, "the blog counts no event twice")
	return killResult{acked: len(load.acked), eventlogDuplicates: dupLog}
}

func missing(want map[string]bool, got map[string]int) int {
	n := 0
	for id := range want {
		if got[id] == 0 {
			n++
		}
	}
	return n
}
