package notifyexporter

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

// collectorWithNotify returns the built collector (testbin.Binary: $UNITRACK_BIN,
// else make build) and fails the test when it does not hold the notify exporter.
func collectorWithNotify(t *testing.T) string {
	t.Helper()
	bin := testbin.Binary(t)
	out, err := exec.Command(bin, "components").CombinedOutput()
	require.NoError(t, err, "%s components: %s", bin, out)
	require.Contains(t, string(out), "- name: notify\n", "%s components lists no notify exporter", bin)
	t.Setenv("UNITRACK_BIN", bin)
	return bin
}

func otlpBreaker(event, id string, sev int, at time.Time) string {
	return fmt.Sprintf(`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"agent-runner"}}]},
"scopeLogs":[{"logRecords":[{"timeUnixNano":"%d","eventName":"mcp.circuit_breaker.%s","severityNumber":%d,
"body":{"stringValue":"breaker %s"},"attributes":[{"key":"mcp.server.name","value":{"stringValue":"filesystem"}},
{"key":"track.event_id","value":{"stringValue":"%s"}}]}]}]}]}`, at.UnixNano(), event, sev, event, id)
}

// TestCollectorEndToEnd runs the real binary: OTLP in, JSONL inbox out, a
// SIGKILL between firing and recovery, one firing and one resolved line.
func TestCollectorEndToEnd(t *testing.T) {
	collectorWithNotify(t)
	health, otlpPort, metricsPort := testbin.FreePort(t), testbin.FreePort(t), testbin.FreePort(t)
	cfg := fmt.Sprintf(`
extensions:
  health_check:
    endpoint: 127.0.0.1:%d
  file_storage:
    directory: ./var/storage
    create_directory: true
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
exporters:
  notify:
    group_wait: 300ms
    group_interval: 500ms
    storage: file_storage
    sending_queue:
      storage: file_storage
    targets:
      - name: inbox
        type: file
        path: ./var/notify/inbox.jsonl
service:
  extensions: [health_check, file_storage]
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %d
  pipelines:
    logs:
      receivers: [otlp]
      exporters: [notify]
`, health, otlpPort, metricsPort)
	c := testbin.Start(t, cfg, testbin.WithHealthPort(health))
	inbox := filepath.Join(c.Dir(), "var", "notify", "inbox.jsonl")
	post := func(body string) {
		resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/v1/logs", otlpPort), "application/json", bytes.NewBufferString(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	lines := func() []string {
		b, _ := os.ReadFile(inbox)
		if len(b) == 0 {
			return nil
		}
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	now := time.Now()
	post(otlpBreaker("opened", "01A", 17, now))
	post(otlpBreaker("failure", "01B", 13, now.Add(time.Millisecond)))
	c.WaitFor(20*time.Second, func() bool { return len(lines()) == 1 }, "firing line in the inbox")

	// The state is saved right after the notification is queued, and the
	// queue records the delivery just after the inbox write; nothing outside
	// the collector shows when both are on disk, so give them a generous
	// moment (a loaded CI machine) before the crash.
	time.Sleep(3 * time.Second)
	c.Kill()
	c.Restart()
	post(otlpBreaker("opened", "01C", 17, now.Add(time.Second)))
	post(otlpBreaker("closed", "01D", 9, now.Add(2*time.Second)))
	c.WaitFor(20*time.Second, func() bool { return len(lines()) >= 2 }, "resolved line in the inbox")
	got := lines()
	require.Len(t, got, 2, "no second firing after the crash")
	firing, resolved := decodeBody(t, []byte(got[0])), decodeBody(t, []byte(got[1]))
	assert.Equal(t, "firing", firing["status"])
	assert.EqualValues(t, 2, firing["count"])
	assert.Equal(t, "resolved", resolved["status"])
	assert.EqualValues(t, 4, resolved["count"])
	assert.Equal(t, []any{"01A", "01B", "01C", "01D"}, resolved["event_ids"])
}
