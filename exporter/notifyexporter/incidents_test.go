package notifyexporter

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"

	"github.com/unitrack/unitrack/extension/incidentsextension/incidentstest"
	"github.com/unitrack/unitrack/internal/incidents"
)

// startIncidents runs the real incidents extension (notify finds it through
// the host, as in the collector).
func startIncidents(t testing.TB) (component.Host, incidents.Ledger) {
	t.Helper()
	return incidentstest.Start(t, nil)
}

func onlyIncident(t *testing.T, led incidents.Ledger) incidents.Detail {
	t.Helper()
	list, err := led.Incidents(context.Background(), incidents.Query{})
	require.NoError(t, err)
	require.Len(t, list, 1, "one incident")
	d, err := led.Incident(context.Background(), list[0].ID)
	require.NoError(t, err)
	return d
}

// Notify records the incident and every delivery attempt; a silence holds
// reminders back (counted on it), and once it ends the next notification
// says so.
func TestLedgerRecordsAndSilences(t *testing.T) {
	env := newTestEnv(t)
	srv := newTargetServer(t, func(n int, w http.ResponseWriter) {
		if n == 0 {
			w.WriteHeader(http.StatusServiceUnavailable) // the first attempt is retried
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	host, led := startIncidents(t)
	cfg := fastConfig(httpTarget("hook", "webhook", srv.URL+"/hook"))
	cfg.GroupInterval = 200 * time.Millisecond
	cfg.RepeatInterval = 300 * time.Millisecond
	exp := env.start(t, cfg, host)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	ctx := context.Background()

	now := time.Now()
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(
		breaker("filesystem", "opened", now, "01A"), breaker("filesystem", "failure", now.Add(time.Millisecond), "01B"))))
	srv.waitFor(t, 2)
	require.Eventually(t, func() bool {
		return len(onlyIncident(t, led).Deliveries) >= 2
	}, 15*time.Second, 10*time.Millisecond)
	d := onlyIncident(t, led)
	assert.Equal(t, "mcp|agent-runner|mcp.server.name=filesystem", d.Key)
	assert.Equal(t, incidents.StatusOpen, d.Status)
	assert.Equal(t, int64(2), d.Events)
	assert.Equal(t, []string{"01A", "01B"}, d.EventIDs)
	assert.Equal(t, incidents.DeliveryRetrying, d.Deliveries[0].Status)
	assert.Contains(t, d.Deliveries[0].Error, "503")
	assert.Equal(t, incidents.DeliveryDelivered, d.Deliveries[1].Status)
	assert.Equal(t, "hook", d.Deliveries[1].Target)
	assert.Equal(t, "firing", d.Deliveries[1].Kind)
	assert.Equal(t, "MCP server filesystem: circuit breaker opened", d.Deliveries[1].Title)
	assert.Contains(t, d.Deliveries[1].Text, "MCP server filesystem")

	sil, err := led.CreateSilence(ctx, incidents.Silence{
		Matcher: incidents.Matcher{Subject: "filesystem"}, EndsAt: time.Now().Add(time.Hour), Author: "ops", Comment: "restarting filesystem",
	})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		list, err := led.Silences(ctx)
		return err == nil && len(list) == 1 && list[0].Suppressed >= 2
	}, 15*time.Second, 10*time.Millisecond, "reminders are held back by the silence")
	sent := len(srv.all())
	_, err = led.ExpireSilence(ctx, sil.ID, time.Now())
	require.NoError(t, err)
	list, err := led.Silences(ctx)
	require.NoError(t, err)
	held := list[0].Suppressed
	assert.GreaterOrEqual(t, sent, 2)

	reqs := srv.waitFor(t, sent+1)
	body := decodeBody(t, reqs[sent].body)
	note, _ := body["silence_note"].(string)
	assert.Contains(t, note, "The silence by ops")
	assert.Contains(t, note, "has ended; it held back")
	assert.Contains(t, note, "Its comment: restarting filesystem")
	assert.Contains(t, body["text"], note, "the default text carries the note")
	assert.Equal(t, true, body["repeat"])
	// Only the first notification after the end says so.
	reqs = srv.waitFor(t, sent+2)
	assert.NotContains(t, decodeBody(t, reqs[sent+1].body), "silence_note")

	d = onlyIncident(t, led)
	var silenced int64
	for _, dl := range d.Deliveries {
		if dl.Status == incidents.DeliverySilenced {
			silenced++
			assert.Equal(t, sil.ID, dl.SilenceID)
			assert.Equal(t, "repeat", dl.Kind)
		}
	}
	assert.Equal(t, held, silenced, "each held-back reminder is in the incident's history")
	assert.Equal(t, held, env.sum(t, "otelcol_exporter_notify_notifications_suppressed", attribute.String("reason", "silenced")))
}

// Without the extension nothing is recorded and nothing is held back.
func TestNoLedgerNoSilences(t *testing.T) {
	env := newTestEnv(t)
	srv := newTargetServer(t, nil)
	exp := env.start(t, fastConfig(httpTarget("hook", "webhook", srv.URL+"/hook")), componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(breaker("filesystem", "opened", time.Now(), "01A"))))
	srv.waitFor(t, 1)
}

// A silence made before an incident fires holds back its first firing
// notification (nothing reaches the target); once expired, the resolution
// is sent and tells of it.
func TestSilenceHoldsFirstFiring(t *testing.T) {
	env := newTestEnv(t)
	host, led := startIncidents(t)
	path := t.TempDir() + "/inbox.jsonl"
	exp := env.start(t, fastConfig(TargetConfig{Name: "inbox", Type: "file", Path: path}), host)
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	ctx := context.Background()
	sil, err := led.CreateSilence(ctx, incidents.Silence{Matcher: incidents.Matcher{Service: "agent-runner", EventName: "mcp.circuit_breaker.opened"},
		EndsAt: time.Now().Add(time.Hour), Author: "ops"})
	require.NoError(t, err)

	now := time.Now()
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breaker("filesystem", "opened", now, "01A"))))
	require.Eventually(t, func() bool {
		d := onlyIncident(t, led)
		return len(d.Deliveries) == 1 && d.Deliveries[0].Status == incidents.DeliverySilenced
	}, 15*time.Second, 10*time.Millisecond, "the first firing held back")
	d := onlyIncident(t, led)
	assert.Equal(t, "firing", d.Deliveries[0].Kind)
	assert.Equal(t, sil.ID, d.Deliveries[0].SilenceID)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Empty(t, b, "nothing reached the target")

	_, err = led.ExpireSilence(ctx, sil.ID, time.Now())
	require.NoError(t, err)
	require.NoError(t, exp.ConsumeLogs(ctx, logsOf(breaker("filesystem", "closed", now.Add(time.Second), "01B"))))
	lines := waitLines(t, path, 1)
	resolved := decodeBody(t, lines[0])
	assert.Equal(t, "resolved", resolved["status"])
	assert.Contains(t, resolved["silence_note"], "The silence by ops")
	assert.Contains(t, resolved["silence_note"], "it held back 1 notification of this incident.")
	assert.Equal(t, int64(1), env.sum(t, "otelcol_exporter_notify_notifications_suppressed", attribute.String("reason", "silenced")))
	assert.Equal(t, incidents.StatusResolved, onlyIncident(t, led).Status)
}
