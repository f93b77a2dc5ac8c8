package notifyexporter

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/metadata"
	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
)

var update = flag.Bool("update", false, "rewrite the golden payload files")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// capturedRequest is what a target server saw.
type capturedRequest struct {
	method  string
	path    string
	header  http.Header
	body    []byte
	handled time.Time
}

// targetServer is a real HTTP server on loopback playing a target. Its
// answer function decides the response of the n-th request (0-based).
type targetServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []capturedRequest
	answer   func(n int, w http.ResponseWriter)
}

func newTargetServer(t *testing.T, answer func(n int, w http.ResponseWriter)) *targetServer {
	ts := &targetServer{answer: answer}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts.mu.Lock()
		n := len(ts.requests)
		ts.requests = append(ts.requests, capturedRequest{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body, handled: time.Now()})
		answer := ts.answer
		ts.mu.Unlock()
		if answer != nil {
			answer(n, w)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *targetServer) all() []capturedRequest {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.requests)
}

func (ts *targetServer) waitFor(t *testing.T, n int) []capturedRequest {
	t.Helper()
	require.Eventually(t, func() bool { return len(ts.all()) >= n }, 15*time.Second, 10*time.Millisecond,
		"target server: want %d requests, got %d", n, len(ts.all()))
	return ts.all()
}

// fastConfig groups with short intervals so tests run in well under a second.
func fastConfig(targets ...TargetConfig) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Targets = targets
	cfg.GroupWait = 200 * time.Millisecond
	cfg.GroupInterval = 300 * time.Millisecond
	cfg.RepeatInterval = time.Hour
	cfg.RetryConfig.InitialInterval = 20 * time.Millisecond
	cfg.RetryConfig.MaxInterval = 100 * time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = 10 * time.Second
	return cfg
}

func httpTarget(name, typ, endpoint string) TargetConfig {
	tc := TargetConfig{Name: name, Type: typ}
	tc.Endpoint = endpoint
	return tc
}

type testEnv struct {
	tel  *componenttest.Telemetry
	logs *observer.ObservedLogs
	set  exporter.Settings
}

func newTestEnv(t *testing.T) *testEnv {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	core, logs := observer.New(zapcore.DebugLevel)
	set := exportertest.NewNopSettings(metadata.Type)
	// A stable id: storage (queue and grouping state) is keyed by it.
	set.ID = component.NewID(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	return &testEnv{tel: tel, logs: logs, set: set}
}

// start creates the exporter through the factory and starts it.
func (env *testEnv) start(t *testing.T, cfg *Config, host component.Host) exporter.Logs {
	t.Helper()
	require.NoError(t, cfg.Validate())
	exp, err := NewFactory().CreateLogs(context.Background(), env.set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), host))
	return exp
}

// sum adds up a counter's points whose attributes include want.
func (env *testEnv) sum(t *testing.T, name string, want ...attribute.KeyValue) int64 {
	t.Helper()
	m, err := env.tel.GetMetric(name)
	if err != nil {
		return 0
	}
	var total int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		ok := true
		for _, kv := range want {
			if v, found := dp.Attributes.Value(kv.Key); !found || v != kv.Value {
				ok = false
			}
		}
		if ok {
			total += dp.Value
		}
	}
	return total
}

func decodeBody(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "body: %s", b)
	return m
}

// goldenRequest renders a request in a stable, readable form.
func goldenRequest(r capturedRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.method, r.path)
	for _, h := range []string{"Content-Type", "Title", "Priority", "Tags", "Click", "Authorization", "User-Agent"} {
		if v := r.header.Get(h); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", h, v)
		}
	}
	b.WriteString("\n")
	if strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		// Indent keeps the bytes as sent (key order, escapes), only adding space.
		var out bytes.Buffer
		if err := json.Indent(&out, r.body, "", "  "); err == nil {
			b.Write(out.Bytes())
			b.WriteString("\n")
			return b.String()
		}
	}
	b.Write(r.body)
	b.WriteString("\n")
	return b.String()
}

func TestPayloadGolden(t *testing.T) {
	env := newTestEnv(t)
	srv := newTargetServer(t, nil)
	ntfy := httpTarget("phone", "ntfy", srv.URL+"/unitrack-alerts")
	ntfy.Headers = configopaque.MapList{{Name: "Authorization", Value: "Bearer tk_test"}}
	cfg := fastConfig(
		httpTarget("hook", "webhook", srv.URL+"/hook"),
		httpTarget("ops-slack", "slack", srv.URL+"/services/T000/B000/XXXX"),
		httpTarget("ops-discord", "discord", srv.URL+"/api/webhooks/1/abc"),
		ntfy,
	)
	// Every registered type has goldens here; a file line is the webhook body
	// (TestFileTargetWritesJSONL reads it back).
	covered := []string{"file"}
	for _, tc := range cfg.Targets {
		covered = append(covered, tc.Type)
	}
	assert.ElementsMatch(t, targetTypes.Types(), covered, "a registered type without golden payloads: add it above, run -update")
	e, err := newNotifyExporter(context.Background(), env.set, cfg)
	require.NoError(t, err)
	require.NoError(t, e.start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, e.shutdown(context.Background())) }()

	samples := sampleNotifications()
	samples[0].Body = "MCP server 'filesystem' failed: <!channel> timeout & retry"
	samples[1].Body = "circuit breaker closed for filesystem"
	samples[1].Expired = false
	for _, tgt := range e.targets {
		for _, n := range samples {
			n.Target = tgt.cfg.Name
			_, _, err := e.deliver(context.Background(), tgt, n)
			require.NoError(t, err)
		}
	}
	reqs := srv.all()
	require.Len(t, reqs, 4*len(samples))
	for i, r := range reqs {
		tgt := e.targets[i/len(samples)]
		sample := samples[i%len(samples)]
		kind := sample.Status
		if sample.Kind == target.KindOneShot {
			kind = target.KindOneShot
		}
		name := fmt.Sprintf("%s.%s.golden", tgt.cfg.Type, kind)
		path := filepath.Join("testdata", "payloads", name)
		got := goldenRequest(r)
		if *update {
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(t, os.WriteFile(path, []byte(got), 0o600))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "golden file %s (run with -update to create it)", path)
		assert.Equal(t, string(want), got, "payload of %s differs from %s", tgt.cfg.Name, path)
	}
}

func TestFileTargetWritesJSONL(t *testing.T) {
	env := newTestEnv(t)
	path := filepath.Join(t.TempDir(), "notify", "inbox.jsonl")
	cfg := fastConfig(TargetConfig{Name: "inbox", Type: "file", Path: path})
	exp := env.start(t, cfg, componenttest.NewNopHost())

	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(
		breaker("filesystem", "opened", t0, "01A"), breaker("filesystem", "failure", t0.Add(time.Second), "01B"))))
	lines := waitLines(t, path, 1)
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(breaker("filesystem", "closed", t0.Add(time.Minute), "01C"))))
	lines = waitLines(t, path, 2)
	require.NoError(t, exp.Shutdown(context.Background()))

	firing, resolved := decodeBody(t, lines[0]), decodeBody(t, lines[1])
	assert.Equal(t, "firing", firing["status"])
	assert.Equal(t, "inbox", firing["target"])
	assert.EqualValues(t, 2, firing["count"])
	assert.Equal(t, []any{"01A", "01B"}, firing["event_ids"])
	assert.Equal(t, "http://localhost:8790/#/events/01B", firing["dashboard_url"])
	assert.Equal(t, "MCP server filesystem: circuit breaker opened", firing["title"])
	assert.Equal(t, "incident", firing["kind"])
	assert.Equal(t, "high", firing["priority"])
	assert.Equal(t, "2026-11-28T12:00:00Z", firing["first_seen"])
	assert.Equal(t, "resolved", resolved["status"])
	assert.EqualValues(t, 3, resolved["count"])
	assert.Equal(t, "mcp.circuit_breaker.closed", resolved["event_name"])
	assert.Equal(t, "MCP server filesystem: circuit breaker opened (resolved after 1m0s)", resolved["title"])
	assert.Contains(t, resolved["text"], "It was resolved at 2026-11-28 12:01:00 UTC when the circuit breaker closed, after 1m0s.")
	assert.Equal(t, int64(1), env.sum(t, "otelcol_exporter_notify_notifications_sent", attribute.String("target", "inbox"), attribute.String("status", "firing")))
	assert.Equal(t, int64(1), env.sum(t, "otelcol_exporter_notify_notifications_sent", attribute.String("status", "resolved")))
	assert.Equal(t, int64(2), env.sum(t, "otelcol_exporter_notify_notifications_suppressed", attribute.String("reason", "grouped")))
}

func waitLines(t *testing.T, path string, n int) [][]byte {
	t.Helper()
	var lines [][]byte
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		lines = nil
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if l != "" {
				lines = append(lines, []byte(l))
			}
		}
		return len(lines) >= n
	}, 15*time.Second, 10*time.Millisecond, "want %d lines in %s", n, path)
	return lines
}

func TestStormOverHTTP(t *testing.T) {
	env := newTestEnv(t)
	srv := newTargetServer(t, nil)
	cfg := fastConfig(httpTarget("hook", "webhook", srv.URL+"/hook"))
	cfg.GroupWait = 500 * time.Millisecond
	cfg.GroupInterval = time.Hour
	exp := env.start(t, cfg, componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	servers := []string{"filesystem", "github", "memory", "search", "slack"}
	want := map[string]int{}
	for batch := range 100 {
		var evs []testEvent
		for i := range 100 {
			n := batch*100 + i
			srvName := servers[n%len(servers)]
			kind := "failure"
			if n < len(servers) {
				kind = "opened"
			}
			evs = append(evs, breaker(srvName, kind, t0.Add(time.Duration(n)*time.Millisecond), fmt.Sprintf("id-%05d", n)))
			want[srvName]++
		}
		require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(evs...)))
	}
	reqs := srv.waitFor(t, len(servers))
	got := map[string]int{}
	for _, r := range reqs {
		m := decodeBody(t, r.body)
		got[m["subject"].(string)] = int(m["count"].(float64))
	}
	assert.Equal(t, want, got)
	assert.Len(t, reqs, len(servers), "one notification per subject")
}

func TestFlapOverHTTP(t *testing.T) {
	env := newTestEnv(t)
	srv := newTargetServer(t, nil)
	cfg := fastConfig(httpTarget("hook", "webhook", srv.URL+"/hook"))
	cfg.GroupWait = time.Second
	exp := env.start(t, cfg, componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	ctx := context.Background()

	// Failure and recovery inside group_wait: nothing.
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breaker("fs", "opened", t0, "a"))))
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breaker("fs", "closed", t0.Add(time.Second), "b"))))
	require.Eventually(t, func() bool {
		return env.sum(t, "otelcol_exporter_notify_notifications_suppressed", attribute.String("reason", "unfired")) == 1
	}, 15*time.Second, 10*time.Millisecond)
	assert.Empty(t, srv.all(), "a blip inside group_wait stays silent")

	// Failure, then recovery after group_wait: one firing, one resolved.
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breaker("fs", "opened", t0.Add(time.Minute), "c"))))
	srv.waitFor(t, 1)
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breaker("fs", "closed", t0.Add(2*time.Minute), "d"))))
	reqs := srv.waitFor(t, 2)
	require.Len(t, reqs, 2)
	assert.Equal(t, "firing", decodeBody(t, reqs[0].body)["status"])
	assert.Equal(t, "resolved", decodeBody(t, reqs[1].body)["status"])
	assert.GreaterOrEqual(t, reqs[1].handled.Sub(reqs[0].handled), cfg.GroupInterval/2,
		"the resolution waits for group_interval")
}

func TestRetryOn500ThenDelivered(t *testing.T) {
	env := newTestEnv(t)
	srv := newTargetServer(t, func(n int, w http.ResponseWriter) {
		if n == 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	exp := env.start(t, fastConfig(httpTarget("hook", "webhook", srv.URL+"/hook")), componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(breaker("fs", "opened", t0, "a"))))
	reqs := srv.waitFor(t, 2)
	require.Eventually(t, func() bool {
		return env.sum(t, "otelcol_exporter_notify_notifications_sent", attribute.String("target", "hook")) == 1
	}, 15*time.Second, 10*time.Millisecond)
	require.NoError(t, exp.Shutdown(context.Background()))
	assert.Len(t, srv.all(), 2, "delivered once retried, not again")
	assert.Equal(t, reqs[0].body, reqs[1].body, "the retry sends the same notification")
	assert.Equal(t, int64(1), env.sum(t, "otelcol_exporter_notify_notifications_failed", attribute.Bool("permanent", false)))
}

func TestRetryAfterIsHonoured(t *testing.T) {
	env := newTestEnv(t)
	srv := newTargetServer(t, func(n int, w http.ResponseWriter) {
		if n == 0 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	exp := env.start(t, fastConfig(httpTarget("hook", "webhook", srv.URL+"/hook")), componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(breaker("fs", "opened", t0, "a"))))
	reqs := srv.waitFor(t, 2)
	// The backoff alone would retry after at most 100 ms; Retry-After says 1 s.
	assert.GreaterOrEqual(t, reqs[1].handled.Sub(reqs[0].handled), 900*time.Millisecond,
		"the retry waited %s, want Retry-After's 1s", reqs[1].handled.Sub(reqs[0].handled))
}

func TestPermanentErrorDroppedAndLoggedWithoutSecrets(t *testing.T) {
	env := newTestEnv(t)
	srv := newTargetServer(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusBadRequest) })
	slack := httpTarget("ops-slack", "slack", srv.URL+"/services/T000/B000/SECRETTOKEN")
	slack.Headers = configopaque.MapList{{Name: "Authorization", Value: "Bearer tk_secret"}}
	exp := env.start(t, fastConfig(slack), componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(breaker("fs", "opened", t0, "a"))))
	srv.waitFor(t, 1)
	require.Eventually(t, func() bool {
		return env.sum(t, "otelcol_exporter_notify_notifications_failed", attribute.Bool("permanent", true)) == 1
	}, 15*time.Second, 10*time.Millisecond)
	require.NoError(t, exp.Shutdown(context.Background()))
	assert.Len(t, srv.all(), 1, "a 400 is not retried")

	var sawReject bool
	for _, entry := range env.logs.All() {
		line := entry.Message + " " + fmt.Sprint(entry.ContextMap())
		for _, secret := range []string{srv.URL, "SECRETTOKEN", "tk_secret", "/services/"} {
			assert.NotContains(t, line, secret, "log line leaks %q: %s", secret, line)
		}
		if strings.Contains(line, `target \"ops-slack\" answered 400 Bad Request`) || strings.Contains(line, `target "ops-slack" answered 400 Bad Request`) {
			sawReject = true
		}
	}
	assert.True(t, sawReject, "the rejection is logged with the target name and status")
}

// TestFullQueueKeepsNotificationsInBacklog: a queue that refuses (full)
// does not lose notifications; they are offered again until accepted.
func TestFullQueueKeepsNotificationsInBacklog(t *testing.T) {
	env := newTestEnv(t)
	release := make(chan struct{})
	srv := newTargetServer(t, func(n int, w http.ResponseWriter) {
		if n == 0 {
			<-release
		}
		w.WriteHeader(http.StatusOK)
	})
	cfg := fastConfig(httpTarget("hook", "webhook", srv.URL+"/hook"))
	q := cfg.QueueConfig.Get()
	q.QueueSize, q.NumConsumers = 1, 1
	exp := env.start(t, cfg, componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(
		breaker("a", "opened", t0, "1"), breaker("b", "opened", t0, "2"), breaker("c", "opened", t0, "3"))))
	require.Eventually(t, func() bool {
		return env.sum(t, "otelcol_exporter_notify_notifications_failed", attribute.Bool("permanent", false)) >= 1
	}, 15*time.Second, 10*time.Millisecond, "the full queue refuses")
	close(release)
	reqs := srv.waitFor(t, 3)
	subjects := map[string]bool{}
	for _, r := range reqs {
		subjects[decodeBody(t, r.body)["subject"].(string)] = true
	}
	assert.Equal(t, map[string]bool{"a": true, "b": true, "c": true}, subjects)
	assert.Zero(t, env.sum(t, "otelcol_exporter_notify_notifications_failed", attribute.Bool("permanent", true)))
}
