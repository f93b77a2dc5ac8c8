package notifyexporter

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/track"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// testEvent is one record to feed the grouping stage.
type testEvent struct {
	name    string
	sev     plog.SeverityNumber
	attrs   map[string]any
	service string
	id      string
	at      time.Time
	body    string
}

func breaker(server, event string, at time.Time, id string) testEvent {
	sev := map[string]plog.SeverityNumber{"opened": 17, "closed": 9, "failure": 13, "half_open": 13}[event]
	return testEvent{
		name: "mcp.circuit_breaker." + event, sev: sev, service: "agent-runner", id: id, at: at,
		attrs: map[string]any{"mcp.server.name": server, "circuit_breaker.state": event},
		body:  fmt.Sprintf("circuit breaker %s for %s", event, server),
	}
}

func logsOf(events ...testEvent) plog.Logs {
	ld := plog.NewLogs()
	bySvc := map[string]plog.LogRecordSlice{}
	for _, ev := range events {
		svc := ev.service
		if svc == "" {
			svc = "agent-runner"
		}
		lrs, ok := bySvc[svc]
		if !ok {
			rl := ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr("service.name", svc)
			lrs = rl.ScopeLogs().AppendEmpty().LogRecords()
			bySvc[svc] = lrs
		}
		lr := lrs.AppendEmpty()
		lr.SetEventName(ev.name)
		lr.SetSeverityNumber(ev.sev)
		lr.SetTimestamp(pcommon.NewTimestampFromTime(ev.at))
		lr.Body().SetStr(ev.body)
		_ = lr.Attributes().FromRaw(ev.attrs)
		if ev.id != "" {
			lr.Attributes().PutStr(track.AttrEventID, ev.id)
		}
	}
	return ld
}

// testGrouping drives groupers directly with a fake clock.
type testGrouping struct {
	s        *groupSettings
	v        viewer
	groupers []*grouper
}

func newTestGrouping(cfg *Config, minSev ...plog.SeverityNumber) *testGrouping {
	s := newGroupSettings(cfg)
	tg := &testGrouping{s: s, v: viewer{s: s}}
	if len(minSev) == 0 {
		minSev = []plog.SeverityNumber{0}
	}
	for i, m := range minSev {
		tg.groupers = append(tg.groupers, newGrouper(fmt.Sprintf("t%d", i), m, s))
	}
	return tg
}

// consume feeds the groupers as consumeLogs does and returns the one-shot
// notifications, which leave at once.
func (tg *testGrouping) consume(ld plog.Logs, now time.Time) []target.Notification {
	var ev eventView
	var out []target.Notification
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				tg.v.view(&ev, lr, rl.Resource(), now)
				for _, gr := range tg.groupers {
					if ev.kind == incident.OneShot {
						if n, ok := gr.oneShot(&ev, now); ok {
							out = append(out, n)
						}
						continue
					}
					gr.add(&ev, now)
				}
			}
		}
	}
	return out
}

func (tg *testGrouping) flush(now time.Time) []target.Notification {
	var out []target.Notification
	for _, gr := range tg.groupers {
		out = append(out, gr.flush(now)...)
	}
	return out
}

func testConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.GroupWait = 30 * time.Second
	cfg.GroupInterval = 5 * time.Minute
	cfg.RepeatInterval = 4 * time.Hour
	cfg.ResolveTimeout = time.Hour
	return cfg
}

func TestStormBecomesOneNotificationPerSubject(t *testing.T) {
	tg := newTestGrouping(testConfig())
	servers := []string{"filesystem", "github", "memory", "search", "slack"}
	// 10 000 events in 5 s: for each server an opened breaker followed by failures.
	const total = 10_000
	want := map[string]int{}
	first := map[string]time.Time{}
	for i := range total {
		srv := servers[i%len(servers)]
		at := t0.Add(time.Duration(i) * 500 * time.Microsecond)
		ev := breaker(srv, "failure", at, fmt.Sprintf("id-%05d", i))
		if i < len(servers) {
			ev = breaker(srv, "opened", at, fmt.Sprintf("id-%05d", i))
		}
		tg.consume(logsOf(ev), at)
		want[srv]++
		if _, ok := first[srv]; !ok {
			first[srv] = at
		}
		// The clock passes, but group_wait has not: nothing is due yet.
		if i%1000 == 999 {
			require.Empty(t, tg.flush(at), "nothing may be sent before group_wait")
		}
	}
	got := tg.flush(t0.Add(31 * time.Second))
	require.Len(t, got, len(servers), "one notification per subject")
	for _, n := range got {
		assert.Equal(t, target.StatusFiring, n.Status)
		assert.Equal(t, want[n.Subject], n.Count, "count of %s", n.Subject)
		assert.Equal(t, "mcp", n.Family)
		assert.Equal(t, "agent-runner", n.Service)
		assert.Len(t, n.EventIDs, 20, "event ids are capped")
		assert.Len(t, n.Links, 20)
		assert.Equal(t, "http://localhost:8790/#/events/"+n.EventIDs[19], n.DashboardURL)
		assert.Equal(t, first[n.Subject], n.FirstSeen, "first seen of %s", n.Subject)
	}
	// The last ids are the most recent, oldest first.
	assert.Equal(t, "id-09900", got[0].EventIDs[0])
	assert.Equal(t, "id-09995", got[0].EventIDs[19])
	assert.Equal(t, int64(total-len(servers)), tg.groupers[0].takeSuppressed().grouped)

	// The storm goes on for github for 5 hours: only the repeat at
	// repeat_interval is allowed, group_interval ticks stay quiet. The other
	// subjects go quiet and expire after resolve_timeout.
	var repeats, expired []target.Notification
	for m := 1; m <= 5*60; m++ {
		now := t0.Add(31*time.Second + time.Duration(m)*time.Minute)
		tg.consume(logsOf(breaker("github", "failure", now, "")), now)
		for _, n := range tg.flush(now) {
			if n.Status == target.StatusFiring {
				repeats = append(repeats, n)
			} else {
				expired = append(expired, n)
			}
		}
	}
	require.Len(t, repeats, 1, "one repeat in 5 h with repeat_interval 4h")
	assert.Equal(t, "github", repeats[0].Subject)
	assert.True(t, repeats[0].Repeat)
	assert.Equal(t, want["github"]+4*60, repeats[0].Count)
	require.Len(t, expired, 4)
	for _, n := range expired {
		assert.True(t, n.Expired)
		assert.NotEqual(t, "github", n.Subject)
	}
	assert.Positive(t, tg.groupers[0].takeSuppressed().repeat)
}

func TestFlapInsideGroupWaitIsSilent(t *testing.T) {
	tg := newTestGrouping(testConfig())
	tg.consume(logsOf(breaker("filesystem", "opened", t0, "a")), t0)
	tg.consume(logsOf(breaker("filesystem", "closed", t0.Add(5*time.Second), "b")), t0.Add(5*time.Second))
	assert.Empty(t, tg.flush(t0.Add(30*time.Second)))
	assert.Empty(t, tg.groupers[0].groups, "the group is gone")
	assert.Equal(t, int64(1), tg.groupers[0].takeSuppressed().unfired)
	// Much later: nothing either.
	assert.Empty(t, tg.flush(t0.Add(10*time.Hour)))
}

func TestFlapEndingFiringNotifiesAfterGroupWait(t *testing.T) {
	tg := newTestGrouping(testConfig())
	tg.consume(logsOf(breaker("fs", "opened", t0, "a"), breaker("fs", "closed", t0.Add(time.Second), "b")), t0)
	tg.consume(logsOf(breaker("fs", "opened", t0.Add(2*time.Second), "c")), t0.Add(2*time.Second))
	got := tg.flush(t0.Add(30 * time.Second))
	require.Len(t, got, 1)
	assert.Equal(t, target.StatusFiring, got[0].Status)
	assert.Equal(t, 3, got[0].Count)
}

func TestFiringThenResolved(t *testing.T) {
	tg := newTestGrouping(testConfig())
	tg.consume(logsOf(breaker("fs", "opened", t0, "a")), t0)
	got := tg.flush(t0.Add(30 * time.Second))
	require.Len(t, got, 1)
	assert.Equal(t, target.StatusFiring, got[0].Status)
	assert.Equal(t, "mcp.circuit_breaker.opened", got[0].EventName)

	recovered := t0.Add(time.Minute)
	tg.consume(logsOf(breaker("fs", "closed", recovered, "b")), recovered)
	assert.Empty(t, tg.flush(recovered), "resolution waits for group_interval")
	got = tg.flush(t0.Add(30*time.Second + 5*time.Minute))
	require.Len(t, got, 1)
	assert.Equal(t, target.StatusResolved, got[0].Status)
	assert.Equal(t, "mcp.circuit_breaker.closed", got[0].EventName)
	assert.Equal(t, 2, got[0].Count)
	assert.Equal(t, []string{"a", "b"}, got[0].EventIDs)
	assert.False(t, got[0].Expired)
	assert.Empty(t, tg.groupers[0].groups)

	// A new failure opens a new group with its own group_wait.
	later := t0.Add(time.Hour)
	tg.consume(logsOf(breaker("fs", "opened", later, "c")), later)
	assert.Empty(t, tg.flush(later.Add(29*time.Second)))
	got = tg.flush(later.Add(30 * time.Second))
	require.Len(t, got, 1)
	assert.Equal(t, 1, got[0].Count)
}

func TestRefiringBeforeResolvedTickSendsNothing(t *testing.T) {
	tg := newTestGrouping(testConfig())
	tg.consume(logsOf(breaker("fs", "opened", t0, "a")), t0)
	require.Len(t, tg.flush(t0.Add(30*time.Second)), 1)
	tg.consume(logsOf(breaker("fs", "closed", t0.Add(time.Minute), "b")), t0.Add(time.Minute))
	tg.consume(logsOf(breaker("fs", "opened", t0.Add(2*time.Minute), "c")), t0.Add(2*time.Minute))
	assert.Empty(t, tg.flush(t0.Add(30*time.Second+5*time.Minute)), "still firing as far as the reader knows")
}

func TestResolvingEventWithoutGroupIsIgnored(t *testing.T) {
	tg := newTestGrouping(testConfig())
	tg.consume(logsOf(breaker("fs", "closed", t0, "a"), breaker("fs", "failure", t0, "b")), t0)
	assert.Empty(t, tg.groupers[0].groups)
	assert.Empty(t, tg.flush(t0.Add(time.Hour)))
}

func TestOtherEventsJoinOpenGroup(t *testing.T) {
	tg := newTestGrouping(testConfig())
	tg.consume(logsOf(breaker("fs", "opened", t0, "a"), breaker("fs", "failure", t0.Add(time.Second), "b"),
		breaker("fs", "half_open", t0.Add(2*time.Second), "c")), t0)
	got := tg.flush(t0.Add(30 * time.Second))
	require.Len(t, got, 1)
	assert.Equal(t, 3, got[0].Count)
	assert.Equal(t, "mcp.circuit_breaker.opened", got[0].EventName, "the title names the firing event")
	assert.Equal(t, t0.Add(2*time.Second), got[0].LastSeen)
}

func TestResolveTimeoutExpiresQuietGroup(t *testing.T) {
	tg := newTestGrouping(testConfig())
	ev := testEvent{name: "mcp_server_failure", sev: 17, id: "x", at: t0, attrs: map[string]any{"mcp.server.name": "fs"}}
	tg.consume(logsOf(ev), t0)
	require.Len(t, tg.flush(t0.Add(30*time.Second)), 1)
	var got []target.Notification
	for now := t0.Add(30 * time.Second); now.Before(t0.Add(2 * time.Hour)); now = now.Add(5 * time.Minute) {
		got = append(got, tg.flush(now)...)
	}
	require.Len(t, got, 1)
	assert.Equal(t, target.StatusResolved, got[0].Status)
	assert.True(t, got[0].Expired)
	assert.Equal(t, "mcp_server_failure", got[0].EventName)
}

func TestMinSeverityPerTarget(t *testing.T) {
	tg := newTestGrouping(testConfig(), plog.SeverityNumberInfo, plog.SeverityNumberFatal)
	tg.consume(logsOf(breaker("fs", "opened", t0, "a")), t0)
	got := tg.flush(t0.Add(30 * time.Second))
	require.Len(t, got, 1, "the fatal-only target is not paged for an ERROR")
	assert.Equal(t, "t0", got[0].Target)
	// The recovery (INFO) still resolves the target that fired.
	tg.consume(logsOf(breaker("fs", "closed", t0.Add(time.Minute), "b")), t0.Add(time.Minute))
	got = tg.flush(t0.Add(time.Hour))
	require.Len(t, got, 1)
	assert.Equal(t, target.StatusResolved, got[0].Status)
}

func TestCoarseGroupByTracksMembers(t *testing.T) {
	cfg := testConfig()
	cfg.GroupBy = []string{"service.name"}
	tg := newTestGrouping(cfg)
	tg.consume(logsOf(breaker("fs", "opened", t0, "a")), t0)
	got := tg.flush(t0.Add(30 * time.Second))
	require.Len(t, got, 1)
	assert.Equal(t, "agent-runner", got[0].GroupKey)
	assert.Equal(t, map[string]string{"service.name": "agent-runner"}, got[0].GroupLabels)

	// A second subject fires: the group notifies again at the next group_interval.
	tg.consume(logsOf(breaker("github", "opened", t0.Add(time.Minute), "b")), t0.Add(time.Minute))
	got = tg.flush(t0.Add(30*time.Second + 5*time.Minute))
	require.Len(t, got, 1)
	assert.Equal(t, target.StatusFiring, got[0].Status)
	assert.Equal(t, 2, got[0].Count)

	// One subject recovers: the group keeps firing.
	tg.consume(logsOf(breaker("fs", "closed", t0.Add(6*time.Minute), "c")), t0.Add(6*time.Minute))
	assert.Empty(t, tg.flush(t0.Add(30*time.Second+10*time.Minute)))
	// Both recovered: resolved.
	tg.consume(logsOf(breaker("github", "closed", t0.Add(11*time.Minute), "d")), t0.Add(11*time.Minute))
	got = tg.flush(t0.Add(30*time.Second + 15*time.Minute))
	require.Len(t, got, 1)
	assert.Equal(t, target.StatusResolved, got[0].Status)
}

func TestStateRoundTrip(t *testing.T) {
	cfg := testConfig()
	tg := newTestGrouping(cfg)
	tg.consume(logsOf(breaker("fs", "opened", t0, "a"), breaker("gh", "opened", t0, "b")), t0)
	require.Len(t, tg.flush(t0.Add(30*time.Second)), 2)
	tg.consume(logsOf(breaker("fs", "closed", t0.Add(time.Minute), "c")), t0.Add(time.Minute))
	b, err := encodeState(tg.groupers, nil, nil)
	require.NoError(t, err)

	restored := newTestGrouping(cfg)
	n, _, _, err := decodeState(b, restored.groupers)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	// Nothing fires again after the restart; the resolution still comes.
	got := restored.flush(t0.Add(30*time.Second + 5*time.Minute))
	require.Len(t, got, 1)
	assert.Equal(t, target.StatusResolved, got[0].Status)
	assert.Equal(t, "fs", got[0].Subject)
	assert.Equal(t, []string{"a", "c"}, got[0].EventIDs)

	_, _, _, err = decodeState([]byte(`{"version":2}`), restored.groupers)
	assert.EqualError(t, err, "decode grouping state: version 2, want 1")
	_, _, _, err = decodeState([]byte(`{`), restored.groupers)
	assert.ErrorContains(t, err, "decode grouping state: ")
}
