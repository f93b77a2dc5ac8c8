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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

// BenchmarkDelivery posts 100-event track_event arrays over 8 connections to
// the built binary running, side by side in one run: today's default
// otelcol.yaml (sinks connector, persistent queues on file_storage), the
// former in-memory pipeline (e2e/testdata/inmemory.yaml: forward connector,
// in-memory queues) and the default with file_storage fsync: true. A round
// is timed from its first request until the dashboard (the slowest sink)
// holds every event of it, so a queue that only grows does not count as
// speed; requests refused with 503 are retried, as senders do. Rounds of
// the three configs alternate, so a noisy neighbour hurts them alike.
// It reports events/s of each, the ratio default/inmemory (target >= 0.8)
// and each collector's peak RSS (VmHWM).
func BenchmarkDelivery(b *testing.B) {
	const (
		requestsPerRound = 200
		perRequest       = 100
		conns            = 8
	)
	root := testbin.RepoRoot(b)
	type target struct {
		name    string
		d       defaultCollector
		elapsed time.Duration
		events  int
		refused int
	}
	targets := []*target{
		{name: "default", d: startConfig(b, filepath.Join(root, "otelcol.yaml"), "")},
		{name: "inmemory", d: startConfig(b, filepath.Join(root, "e2e", "testdata", "inmemory.yaml"), "")},
		{name: "fsync", d: startConfig(b, filepath.Join(root, "otelcol.yaml"), "extensions:\n  file_storage:\n    fsync: true\n")},
	}
	bodies := make([][]byte, requestsPerRound)
	for i := range bodies {
		var buf bytes.Buffer
		buf.WriteByte('[')
		for j := 0; j < perRequest; j++ {
			if j > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"event_type":"bench_event","message":"bench %d/%d","severity":"info","category":"bench","metadata":{"request":%d,"index":%d,"ratio":0.5}}`, i, j, i, j)
		}
		buf.WriteByte(']')
		bodies[i] = buf.Bytes()
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
	defer client.CloseIdleConnections()

	round := func(tg *target) {
		url := fmt.Sprintf("http://127.0.0.1:%d/v1/track", tg.d.track)
		before := dashboardTotal(b, tg.d.dashboard)
		start := time.Now()
		jobs := make(chan []byte)
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range conns {
			wg.Go(func() {
				for body := range jobs {
					for {
						resp, err := client.Post(url, "application/json", bytes.NewReader(body))
						require.NoError(b, err)
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == http.StatusOK {
							break
						}
						require.Contains(b, []int{http.StatusServiceUnavailable, http.StatusTooManyRequests}, resp.StatusCode)
						mu.Lock()
						tg.refused++
						mu.Unlock()
						time.Sleep(20 * time.Millisecond)
					}
				}
			})
		}
		for _, body := range bodies {
			jobs <- body
		}
		close(jobs)
		wg.Wait()
		want := before + requestsPerRound*perRequest
		deadline := time.Now().Add(5 * time.Minute)
		for dashboardTotal(b, tg.d.dashboard) < want {
			require.True(b, time.Now().Before(deadline), "%s: the dashboard did not catch up", tg.name)
			time.Sleep(10 * time.Millisecond)
		}
		tg.elapsed += time.Since(start)
		tg.events += requestsPerRound * perRequest
	}

	// One warm-up round each (SQLite and bbolt files grow, caches fill).
	for _, tg := range targets {
		round(tg)
		tg.elapsed, tg.events, tg.refused = 0, 0, 0
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for r := 0; r < 5; r++ {
			for _, tg := range targets {
				round(tg)
			}
		}
	}
	b.StopTimer()
	rate := map[string]float64{}
	for _, tg := range targets {
		rate[tg.name] = float64(tg.events) / tg.elapsed.Seconds()
		rss := vmHWM(b, tg.d.col.PID())
		b.ReportMetric(rate[tg.name], tg.name+"_events/s")
		b.ReportMetric(float64(rss)/1024, tg.name+"_peak_rss_MiB")
		b.Logf("%-8s %8.0f events/s, peak RSS %4d MiB, %d requests refused and retried", tg.name, rate[tg.name], rss/1024, tg.refused)
	}
	b.ReportMetric(rate["default"]/rate["inmemory"], "ratio_default/inmemory")
	b.ReportMetric(rate["fsync"]/rate["default"], "ratio_fsync/default")
}

// dashboardTotal is the dashboard's event count (0 while it does not answer).
func dashboardTotal(b *testing.B, port int) int {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/stats", port))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var st struct {
		Total int `json:"total"`
	}
	if json.NewDecoder(resp.Body).Decode(&st) != nil {
		return 0
	}
	return st.Total
}

// vmHWM is the peak resident set of a process in KiB.
func vmHWM(b *testing.B, pid int) int {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(b, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			require.NoError(b, err)
			return n
		}
	}
	b.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
