package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/unitrack/unitrack/internal/testbin"
)

// The agent/gateway deployment of deploy/kafka/, run as the files are, on
// kfake (an in-process Kafka speaking the wire protocol) and the real binary.

const (
	kafkaTopic      = "unitrack-events"
	kafkaPartitions = 8
	breakerServer   = "filesystem"
)

func startKafka(t testing.TB) (*kfake.Cluster, string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(kafkaPartitions, kafkaTopic))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c, strings.Join(c.ListenAddrs(), ",")
}

func deployFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testbin.RepoRoot(t), "deploy", "kafka", name))
	require.NoError(t, err)
	return string(b)
}

type kafkaAgent struct {
	col   *testbin.Collector
	track int
}

// startAgent runs routes.yaml + agent.yaml unchanged, listeners moved
// through the environment.
func startAgent(t testing.TB, brokers string, extra ...testbin.Option) kafkaAgent {
	t.Helper()
	health, trk := testbin.FreePort(t), testbin.FreePort(t)
	opts := append([]testbin.Option{testbin.WithOverlay(deployFile(t, "agent.yaml"))}, extra...)
	col := testbin.Start(t, deployFile(t, "routes.yaml"), append(opts,
		testbin.WithHealthPort(health),
		testbin.WithEnv(
			"UNITRACK_KAFKA_BROKERS="+brokers,
			"UNITRACK_KAFKA_TOPIC="+kafkaTopic,
			fmt.Sprintf("UNITRACK_HEALTH_ENDPOINT=127.0.0.1:%d", health),
			fmt.Sprintf("UNITRACK_TRACK_ENDPOINT=127.0.0.1:%d", trk),
			fmt.Sprintf("UNITRACK_OTLP_HTTP_ENDPOINT=127.0.0.1:%d", testbin.FreePort(t)),
			fmt.Sprintf("UNITRACK_OTLP_GRPC_ENDPOINT=127.0.0.1:%d", testbin.FreePort(t)),
			fmt.Sprintf("UNITRACK_METRICS_PORT=%d", testbin.FreePort(t)),
		))...)
	return kafkaAgent{col: col, track: trk}
}

type kafkaGateway struct {
	name        string
	col         *testbin.Collector
	dashboard   int
	metricsPort int
}

// metrics are the gateway's own notify, route and receiver metrics (for
// failure messages).
func (g *kafkaGateway) metrics(t *testing.T) string {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", g.metricsPort))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if (strings.Contains(l, "notify") || strings.Contains(l, "route") || strings.Contains(l, "kafka")) && !strings.HasPrefix(l, "#") {
			out = append(out, g.name+" "+l)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// gatewayTimings only shortens notify's waits so that the test takes
// seconds; everything else is gateway.yaml as shipped.
const gatewayTimings = `
exporters:
  notify:
    group_wait: 1s
    group_interval: 1s
`

func startGateway(t testing.TB, name, brokers string, extra ...testbin.Option) *kafkaGateway {
	t.Helper()
	health, dash, metrics := testbin.FreePort(t), testbin.FreePort(t), testbin.FreePort(t)
	opts := append([]testbin.Option{testbin.WithOverlay(deployFile(t, "gateway.yaml")), testbin.WithOverlay(gatewayTimings)}, extra...)
	col := testbin.Start(t, deployFile(t, "routes.yaml"), append(opts,
		testbin.WithHealthPort(health),
		testbin.WithEnv(
			"UNITRACK_GATEWAY_NAME="+name,
			"UNITRACK_KAFKA_BROKERS="+brokers,
			"UNITRACK_KAFKA_TOPIC="+kafkaTopic,
			fmt.Sprintf("UNITRACK_HEALTH_ENDPOINT=127.0.0.1:%d", health),
			fmt.Sprintf("UNITRACK_DASHBOARD_ENDPOINT=127.0.0.1:%d", dash),
			fmt.Sprintf("UNITRACK_METRICS_PORT=%d", metrics),
		))...)
	return &kafkaGateway{name: name, col: col, dashboard: dash, metricsPort: metrics}
}

// postBreakers sends events seq from..to-1 as NDJSON bodies of 50 to the
// agent's circuit-breaker path; every request must be acknowledged (200).
func postBreakers(t *testing.T, a kafkaAgent, server, event string, from, to int) {
	t.Helper()
	for start := from; start < to; start += 50 {
		var b strings.Builder
		for i := start; i < min(start+50, to); i++ {
			fmt.Fprintf(&b, `{"server":%q,"event":%q,"state":"open","failure_count":%d,"threshold":5,"error":"Timeout after 30s","cooldown_seconds":60}`+"\n", server, event, i)
		}
		resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/v1/legacy/circuit-breaker", a.track), "application/x-ndjson", strings.NewReader(b.String()))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "POST events %d..%d", start, min(start+50, to)-1)
	}
}

// storm sends events from..to-1 for server, alternating the agents batch by
// batch (half to each), from two goroutines as two hosts would.
func storm(t *testing.T, agents []kafkaAgent, server string, from, to int) {
	t.Helper()
	var wg sync.WaitGroup
	half := (to - from) / 2
	for i, a := range agents {
		wg.Go(func() { postBreakers(t, a, server, "opened", from+i*half, from+(i+1)*half) })
	}
	wg.Wait()
}

// failureCounts are the circuit_breaker.failure_count values of the
// opened events the gateway's dashboard holds for server.
func (g *kafkaGateway) failureCounts(t *testing.T, server string) map[int]bool {
	t.Helper()
	got := map[int]bool{}
	cursor := ""
	for {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/events?event_name=mcp.circuit_breaker.opened&limit=1000&cursor=%s", g.dashboard, cursor))
		if err != nil {
			return got
		}
		var page struct {
			Events []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"events"`
			NextCursor string `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return got
		}
		for _, ev := range page.Events {
			if fmt.Sprint(ev.Attributes["mcp.server.name"]) != server {
				continue
			}
			if n, ok := ev.Attributes["circuit_breaker.failure_count"].(float64); ok {
				got[int(n)] = true
			}
		}
		if page.NextCursor == "" {
			return got
		}
		cursor = page.NextCursor
	}
}

type inboxEntry struct {
	Status  string `json:"status"`
	Repeat  bool   `json:"repeat"`
	Subject string `json:"subject"`
	Count   int    `json:"count"`
}

// inbox is what the gateway's notify file target wrote, whole lines only.
func (g *kafkaGateway) inbox(t *testing.T) []inboxEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(g.col.Dir(), "var", "notify", "inbox.jsonl"))
	if err != nil {
		return nil
	}
	var out []inboxEntry
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasSuffix(line, "\n") {
			break
		}
		var e inboxEntry
		require.NoError(t, json.Unmarshal([]byte(line), &e), "inbox line %q", line)
		out = append(out, e)
	}
	return out
}

func countInbox(t *testing.T, gws []*kafkaGateway, subject, status string) int {
	n := 0
	for _, g := range gws {
		for _, e := range g.inbox(t) {
			if e.Subject == subject && e.Status == status && !e.Repeat {
				n++
			}
		}
	}
	return n
}

// blogPosts are the incident posts of subject in every gateway's blog.
func blogPosts(t *testing.T, gws []*kafkaGateway, subject string) []string {
	t.Helper()
	var out []string
	for _, g := range gws {
		mds, _ := filepath.Glob(filepath.Join(g.col.Dir(), "var", "blog", "*.md"))
		for _, p := range mds {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			if strings.Contains(string(b), "kind: incident") && strings.Contains(string(b), "subject: mcp.server.name="+subject) {
				out = append(out, g.name+":"+filepath.Base(p))
			}
		}
	}
	return out
}

func waitFor(t *testing.T, timeout time.Duration, cond func() bool, msg func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s (after %v)", msg(), timeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// usedPartitions are the topic's partitions holding at least one record.
func usedPartitions(c *kfake.Cluster) []int32 {
	var out []int32
	for _, p := range c.PartitionInfos(kafkaTopic) {
		if p.HighWatermark > 0 {
			out = append(out, p.Partition)
		}
	}
	return out
}

// TestKafkaStormOneNotification: 1 000 breaker-opened events for one
// server, half through each agent, make one firing notification and one
// blog post across both gateways, and every gateway's dashboard holds all
// of them.
func TestKafkaStormOneNotification(t *testing.T) {
	cluster, brokers := startKafka(t)
	gws := []*kafkaGateway{startGateway(t, "gw1", brokers), startGateway(t, "gw2", brokers)}
	agents := []kafkaAgent{startAgent(t, brokers), startAgent(t, brokers)}
	_, err := cluster.WaitGroupStable(t.Context(), "unitrack-incidents", 2)
	require.NoError(t, err)

	storm(t, agents, breakerServer, 1, 1001)

	for _, g := range gws {
		waitFor(t, 60*time.Second, func() bool { return len(g.failureCounts(t, breakerServer)) == 1000 },
			func() string {
				return fmt.Sprintf("%s dashboard holds %d of 1000 events\n%s", g.name, len(g.failureCounts(t, breakerServer)), g.col.Output())
			})
	}
	assert.Len(t, usedPartitions(cluster), 1, "one incident, one partition")

	waitFor(t, 30*time.Second, func() bool { return countInbox(t, gws, breakerServer, "firing") > 0 },
		func() string { return "no firing notification:\n" + gws[0].metrics(t) + gws[1].metrics(t) })
	// The marker: the recovery of the same incident, on the same partition
	// and so behind every opened event, which notify sends as "resolved";
	// a second firing notification would come before it.
	postBreakers(t, agents[0], breakerServer, "closed", 1001, 1002)
	waitFor(t, 60*time.Second, func() bool { return countInbox(t, gws, breakerServer, "resolved") == 1 },
		func() string {
			return fmt.Sprintf("no resolved notification: %v / %v; blog posts %v; gateway metrics:\n%s", gws[0].inbox(t), gws[1].inbox(t), blogPosts(t, gws, breakerServer), gws[0].metrics(t)+gws[1].metrics(t))
		})
	assert.Equal(t, 1, countInbox(t, gws, breakerServer, "firing"), "firing notifications, want exactly one: %v / %v", gws[0].inbox(t), gws[1].inbox(t))

	waitFor(t, 30*time.Second, func() bool { return len(blogPosts(t, gws, breakerServer)) > 0 },
		func() string { return "no blog post" })
	// The post is resolved once the recovery reached it: the later marker.
	waitFor(t, 30*time.Second, func() bool {
		for _, g := range gws {
			mds, _ := filepath.Glob(filepath.Join(g.col.Dir(), "var", "blog", "*.md"))
			for _, p := range mds {
				b, _ := os.ReadFile(p)
				if strings.Contains(string(b), "status: resolved") && strings.Contains(string(b), "mcp.server.name="+breakerServer) {
					return true
				}
			}
		}
		return false
	}, func() string { return "blog post never resolved" })
	assert.Len(t, blogPosts(t, gws, breakerServer), 1, "blog posts of the incident, want one")
}

// TestKafkaGatewayKillMovesPartitions: the gateway that owns the storm's
// incident (it paged) is killed mid-stream; its partitions move to the
// other gateway, whose dashboard holds every acknowledged event, and the
// incident is not paged a second time.
func TestKafkaGatewayKillMovesPartitions(t *testing.T) {
	cluster, brokers := startKafka(t)
	gws := []*kafkaGateway{startGateway(t, "gw1", brokers), startGateway(t, "gw2", brokers)}
	agents := []kafkaAgent{startAgent(t, brokers), startAgent(t, brokers)}
	_, err := cluster.WaitGroupStable(t.Context(), "unitrack-incidents", 2)
	require.NoError(t, err)

	storm(t, agents, breakerServer, 1, 501)
	var owner, survivor *kafkaGateway
	waitFor(t, 30*time.Second, func() bool {
		for i, g := range gws {
			for _, e := range g.inbox(t) {
				if e.Subject == breakerServer && e.Status == "firing" {
					owner, survivor = g, gws[1-i]
					return true
				}
			}
		}
		return false
	}, func() string { return "no firing notification:\n" + gws[0].metrics(t) + gws[1].metrics(t) })

	// The owner has finished paging once its sent counter moved: the ledger
	// is written between delivery and that count. (A gateway killed between
	// the two can page twice: the window documented in docs/scale-out.md.)
	waitFor(t, 30*time.Second, func() bool {
		return strings.Contains(owner.metrics(t), `otelcol_exporter_notify_notifications_sent{status="firing",target="inbox"} 1`)
	}, func() string { return "owner never counted its page:\n" + owner.metrics(t) })

	// Mid-stream: the second half is on its way while the owner dies.
	done := make(chan struct{})
	go func() {
		defer close(done)
		storm(t, agents, breakerServer, 501, 1001)
	}()
	owner.col.Kill()
	<-done

	info, err := cluster.WaitGroupStable(t.Context(), "unitrack-incidents", 1)
	require.NoError(t, err)
	require.Len(t, info.Members, 1)
	assert.Equal(t, kafkaPartitions, info.Members[0].NumAssigned(), "the survivor owns every partition")

	waitFor(t, 60*time.Second, func() bool { return len(survivor.failureCounts(t, breakerServer)) == 1000 },
		func() string {
			return fmt.Sprintf("%s dashboard holds %d of 1000 acknowledged events", survivor.name, len(survivor.failureCounts(t, breakerServer)))
		})

	// The marker: the recovery, now consumed by the survivor, resolves the
	// incident the dead gateway paged; a second firing would come first.
	postBreakers(t, agents[1], breakerServer, "closed", 1001, 1002)
	waitFor(t, 60*time.Second, func() bool { return countInbox(t, gws, breakerServer, "resolved") == 1 },
		func() string {
			return fmt.Sprintf("no resolved notification: %s %v / %s %v\n%s", owner.name, owner.inbox(t), survivor.name, survivor.inbox(t), survivor.metrics(t))
		})
	assert.Equal(t, 1, countInbox(t, gws, breakerServer, "firing"), "firing notifications, want exactly one: %s %v / %s %v", owner.name, owner.inbox(t), survivor.name, survivor.inbox(t))
}
