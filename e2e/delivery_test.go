package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

// deliveryRun posts 100-event track_event arrays at a fixed pace and keeps
// every answer's status.
type deliveryRun struct {
	url      string
	run      string
	perReq   int
	severity string

	sent     atomic.Int64 // events in requests answered 200
	statuses sync.Map     // status code -> *atomic.Int64
}

func newDeliveryRun(trackPort int, run string, perReq int, severity string) *deliveryRun {
	return &deliveryRun{url: fmt.Sprintf("http://127.0.0.1:%d/v1/track", trackPort), run: run, perReq: perReq, severity: severity}
}

// body is request n: perReq events whose messages name the run, request and index.
func (d *deliveryRun) body(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; i < d.perReq; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"event_type":"delivery_check","message":"%s %d/%d","severity":%q,"category":"e2e","metadata":{"request":%d,"index":%d}}`,
			d.run, n, i, d.severity, n, i)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func (d *deliveryRun) post(client *http.Client, n int) int {
	resp, err := client.Post(d.url, "application/json", bytes.NewReader(d.body(n)))
	code := 0
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		code = resp.StatusCode
	}
	c, _ := d.statuses.LoadOrStore(code, new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
	if code == http.StatusOK {
		d.sent.Add(int64(d.perReq))
	}
	return code
}

// paced posts `requests` requests at `perSecond` requests a second over
// `conns` connections, each one as its tick comes (a late answer does not
// push the next request back more than the connection count allows).
func (d *deliveryRun) paced(t *testing.T, requests, perSecond, conns int) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for n := range jobs {
				d.post(client, n)
			}
		})
	}
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	for n := 0; n < requests; n++ {
		<-tick.C
		jobs <- n
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
}

func (d *deliveryRun) statusCounts() map[int]int64 {
	out := map[int]int64{}
	d.statuses.Range(func(k, v any) bool {
		out[k.(int)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

// msgCounts counts the json_events lines (the event log file or the
// dashboard's JSONL export) of this run by message.
func (d *deliveryRun) msgCounts(r io.Reader) map[string]int {
	out := map[string]int{}
	b, _ := io.ReadAll(r)
	for _, line := range bytes.Split(b, []byte("\n")) {
		var l struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(line, &l) == nil && strings.HasPrefix(l.Msg, d.run+" ") {
			out[l.Msg]++
		}
	}
	return out
}

// checkExactlyOnce fails unless got holds each of the first `requests`
// requests' events exactly once.
func (d *deliveryRun) checkExactlyOnce(t *testing.T, what string, got map[string]int, requests int) {
	t.Helper()
	missing, dup := 0, 0
	for n := 0; n < requests; n++ {
		for i := 0; i < d.perReq; i++ {
			switch c := got[fmt.Sprintf("%s %d/%d", d.run, n, i)]; {
			case c == 0:
				missing++
			case c > 1:
				dup++
			}
		}
	}
	assert.Zero(t, missing, "%s: events missing of %d", what, requests*d.perReq)
	assert.Zero(t, dup, "%s: events held more than once", what)
	assert.Len(t, got, requests*d.perReq, "%s: distinct events of this run", what)
}

func dashboardExport(t *testing.T, port int) io.Reader {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/events.jsonl", port))
	if err != nil {
		return strings.NewReader("")
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return bytes.NewReader(b)
}

func fileReader(path string) io.Reader {
	b, _ := os.ReadFile(path)
	return bytes.NewReader(b)
}

type sinkReport struct {
	Registry bool `json:"registry"`
	Sinks    []struct {
		Pipeline  string `json:"pipeline"`
		WhenFull  string `json:"when_full"`
		Health    string `json:"health"`
		Dropped   int64  `json:"dropped"`
		Refused   int64  `json:"refused"`
		QueueSize int64  `json:"queue_size"`
		LastError string `json:"last_error"`
		Exporters []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Error  string `json:"error"`
		} `json:"exporters"`
	} `json:"sinks"`
	MetricsError string `json:"metrics_error"`
}

func sinks(port int) (sinkReport, error) {
	var rep sinkReport
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/sinks", port))
	if err != nil {
		return rep, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return rep, fmt.Errorf("GET /api/sinks: %s", resp.Status)
	}
	return rep, json.NewDecoder(resp.Body).Decode(&rep)
}

// hangingBackend accepts connections and never answers: an OTLP backend
// that hangs.
func hangingBackend(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns sync.WaitGroup
	done := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Go(func() {
				go func() { <-done; c.Close() }()
				_, _ = io.Copy(io.Discard, c)
			})
		}
	}()
	t.Cleanup(func() { close(done); ln.Close(); conns.Wait() })
	return "http://" + ln.Addr().String()
}

// A hanging observability backend (an optional sink) never makes a sender
// wait or retry: every request is answered 200, the dashboard and the event
// log hold every event once, and the dashboard shows observability failing
// with the events it dropped.
func TestHangingObservabilityBackendRefusesNobody(t *testing.T) {
	backend := hangingBackend(t)
	// A 256 KiB buffer fills within seconds; the default 64 MiB would take
	// minutes at this pace.
	d := startDefault(t, fmt.Sprintf(`
exporters:
  otlphttp/observability:
    endpoint: %s
    compression: none
    timeout: 2s
    sending_queue:
      storage: file_storage
      sizer: bytes
      queue_size: 262144
service:
  pipelines:
    logs/observability:
      exporters: [otlphttp/observability]
`, backend))
	const seconds, perSecond, conns = 32, 10, 4
	run := newDeliveryRun(d.track, "hang", 100, "info")
	run.paced(t, seconds*perSecond, perSecond, conns)
	requests := seconds * perSecond

	assert.Equal(t, map[int]int64{http.StatusOK: int64(requests)}, run.statusCounts(), "answers by status")
	eventlog := filepath.Join(d.col.Dir(), "var", "eventlog", "events.jsonl")
	d.col.WaitFor(60*time.Second, func() bool {
		return len(run.msgCounts(dashboardExport(t, d.dashboard))) >= requests*run.perReq &&
			len(run.msgCounts(fileReader(eventlog))) >= requests*run.perReq
	}, "the dashboard and the event log hold every event")
	run.checkExactlyOnce(t, "dashboard", run.msgCounts(dashboardExport(t, d.dashboard)), requests)
	run.checkExactlyOnce(t, "event log", run.msgCounts(fileReader(eventlog)), requests)

	rep, err := sinks(d.dashboard)
	require.NoError(t, err)
	assert.True(t, rep.Registry, "the sinkhealth extension is found")
	assert.Empty(t, rep.MetricsError)
	bySink := map[string]int{}
	for i, s := range rep.Sinks {
		bySink[s.Pipeline] = i
	}
	require.Contains(t, bySink, "logs/observability")
	obs := rep.Sinks[bySink["logs/observability"]]
	assert.Equal(t, "drop_newest", obs.WhenFull)
	assert.Equal(t, "failing", obs.Health)
	assert.Positive(t, obs.Dropped, "observability's dropped count")
	assert.Contains(t, obs.LastError, "sending queue is full")
	for _, name := range []string{"logs/dashboard", "logs/eventlog", "logs/notify", "logs/blog"} {
		require.Contains(t, bySink, name)
		s := rep.Sinks[bySink[name]]
		assert.Equal(t, "block", s.WhenFull, name)
		assert.Equal(t, "ok", s.Health, name)
		assert.Zero(t, s.Dropped+s.Refused, name)
	}
	t.Logf("observability dropped %d of %d events; statuses %v", obs.Dropped, requests*run.perReq, run.statusCounts())
}

// The event log's disk fails (its file is /dev/full, which takes the open
// and refuses every write with ENOSPC; no root or mount needed): the other
// sinks keep receiving and the dashboard shows the event log failing.
func TestEventLogOnAFullDisk(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "var", "eventlog"), 0o755))
	require.NoError(t, os.Symlink("/dev/full", filepath.Join(dir, "var", "eventlog", "events.jsonl")))
	d := startDefault(t, "", testbin.WithDir(dir))

	const requests = 20
	run := newDeliveryRun(d.track, "full", 10, "error")
	run.paced(t, requests, 10, 2)
	assert.Equal(t, map[int]int64{http.StatusOK: requests}, run.statusCounts(), "answers by status")

	d.col.WaitFor(60*time.Second, func() bool {
		return len(run.msgCounts(dashboardExport(t, d.dashboard))) >= requests*run.perReq
	}, "the dashboard holds every event")
	run.checkExactlyOnce(t, "dashboard", run.msgCounts(dashboardExport(t, d.dashboard)), requests)
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", d.metrics)
	d.col.WaitFor(60*time.Second, func() bool {
		return strings.Contains(scrape(metricsURL), fmt.Sprintf(`otelcol_exporter_sent_log_records{exporter="notify"} %d`, requests*run.perReq))
	}, "notify took every (error) event")

	var ev sinkReport
	d.col.WaitFor(30*time.Second, func() bool {
		rep, err := sinks(d.dashboard)
		if err != nil {
			return false
		}
		ev = rep
		for _, s := range rep.Sinks {
			if s.Pipeline == "logs/eventlog" {
				return s.Health == "failing" && strings.Contains(s.LastError, "no space left on device")
			}
		}
		return false
	}, "the dashboard shows the event log failing with ENOSPC")
	for _, s := range ev.Sinks {
		if s.Pipeline == "logs/dashboard" || s.Pipeline == "logs/notify" {
			assert.Equal(t, "ok", s.Health, s.Pipeline)
		}
	}
}

// The dashboard's port is taken at start-up: the collector runs, the event
// log and notify get every event, and once the port is free the dashboard
// starts and serves every event it missed.
func TestDashboardPortTakenAtStart(t *testing.T) {
	port := testbin.FreePort(t)
	squatter, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	require.NoError(t, err)
	defer squatter.Close()
	d := startDefault(t, "", testbin.WithEnv(fmt.Sprintf("UNITRACK_DASHBOARD_ENDPOINT=127.0.0.1:%d", port)))
	d.dashboard = port

	const requests = 20
	run := newDeliveryRun(d.track, "late", 10, "error")
	run.paced(t, requests, 10, 2)
	assert.Equal(t, map[int]int64{http.StatusOK: requests}, run.statusCounts(), "answers by status")

	eventlog := filepath.Join(d.col.Dir(), "var", "eventlog", "events.jsonl")
	d.col.WaitFor(60*time.Second, func() bool {
		return len(run.msgCounts(fileReader(eventlog))) >= requests*run.perReq
	}, "the event log holds every event")
	run.checkExactlyOnce(t, "event log", run.msgCounts(fileReader(eventlog)), requests)
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", d.metrics)
	d.col.WaitFor(60*time.Second, func() bool {
		return strings.Contains(scrape(metricsURL), fmt.Sprintf(`otelcol_exporter_sent_log_records{exporter="notify"} %d`, requests*run.perReq))
	}, "notify took every (error) event")
	assert.Contains(t, d.col.Output(), "address already in use")

	require.NoError(t, squatter.Close())
	d.col.WaitFor(90*time.Second, func() bool {
		return len(run.msgCounts(dashboardExport(t, port))) >= requests*run.perReq
	}, "the dashboard started once its port was free and serves every event")
	run.checkExactlyOnce(t, "dashboard", run.msgCounts(dashboardExport(t, port)), requests)
	rep, err := sinks(port)
	require.NoError(t, err)
	for _, s := range rep.Sinks {
		if s.Pipeline == "logs/dashboard" {
			require.Len(t, s.Exporters, 1)
			assert.Equal(t, "StatusOK", s.Exporters[0].Status, "recovered")
			assert.Contains(t, s.LastError, "address already in use", "the last error stays visible")
		}
	}
}

// A must-not-drop sink whose buffer stays full is the one thing that makes
// senders wait and retry: the dashboard cannot open its store (its
// directory cannot be created) and has a 64 KiB queue, so after a few
// requests every one waits max_block and is answered 503 + Retry-After; the
// optional observability sink was offered only what was answered 200.
func TestFullMustNotDropSinkRefusesSenders(t *testing.T) {
	d := startDefault(t, `
connectors:
  sinks:
    pipelines:
      logs/dashboard: {when_full: block, max_block: 300ms}
exporters:
  dashboard:
    directory: /proc/unitrack-cannot-create/dashboard
    sending_queue:
      queue_size: 65536
`)
	run := newDeliveryRun(d.track, "refused", 100, "info")
	client := &http.Client{Timeout: 30 * time.Second}
	ok, refused := 0, 0
	for n := 0; n < 12; n++ {
		resp, err := client.Post(run.url, "application/json", bytes.NewReader(run.body(n)))
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			ok++
		case http.StatusServiceUnavailable:
			refused++
			assert.NotEmpty(t, resp.Header.Get("Retry-After"), "a 503 says when to retry")
		default:
			t.Fatalf("request %d: status %d", n, resp.StatusCode)
		}
	}
	t.Logf("%d requests answered 200, %d answered 503", ok, refused)
	assert.Positive(t, ok, "the queue took the first requests")
	assert.Positive(t, refused, "a full must-not-drop queue refuses senders")
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", d.metrics)
	d.col.WaitFor(30*time.Second, func() bool {
		m := scrape(metricsURL)
		return strings.Contains(m, fmt.Sprintf(`otelcol_exporter_sent_log_records{exporter="debug"} %d`, ok*run.perReq)) &&
			strings.Contains(m, fmt.Sprintf(`otelcol_connector_sinks_refused_log_records{pipeline="logs/dashboard"} %d`, refused*run.perReq))
	}, "observability got exactly the accepted requests and the refusals are counted")
}
