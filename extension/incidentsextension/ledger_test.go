package incidentsextension

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.uber.org/goleak"

	"github.com/unitrack/unitrack/extension/incidentsextension/internal/metadata"
	"github.com/unitrack/unitrack/internal/incidents"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

const fsKey = "mcp|agent-runner|mcp.server.name=filesystem"

// startLedger starts the extension on a fresh directory and finds it
// through a host as the components do.
func startLedger(t *testing.T, mutate func(*Config)) (*ledger, incidents.Ledger) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Directory = t.TempDir()
	if mutate != nil {
		mutate(cfg)
	}
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	l := ext.(*ledger)
	l.now = func() time.Time { return t0 }
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	found, ok := incidents.Find(extHost{component.NewID(metadata.Type): ext})
	require.True(t, ok, "the extension is not found as an incidents.Ledger")
	return l, found
}

type extHost map[component.ID]component.Component

func (h extHost) GetExtensions() map[component.ID]component.Component { return h }

func fsEvent(kind, id string, at time.Time) incidents.Event {
	return incidents.Event{Key: fsKey, Kind: kind, SubjectKey: "mcp.server.name", Subject: "filesystem", Service: "agent-runner",
		Category: "mcp", EventName: "mcp.circuit_breaker.opened", EventID: id, Time: at}
}

func TestIncidentsFoldEvents(t *testing.T) {
	_, led := startLedger(t, func(c *Config) { c.SampleEventIDs = 3 })
	ctx := context.Background()
	// A storm: notify and blog both record the same events; ids count once.
	var storm []incidents.Event
	for i := range 5 {
		storm = append(storm, fsEvent("firing", fmt.Sprintf("ev-%d", i), t0.Add(time.Duration(i)*time.Second)))
	}
	require.NoError(t, led.RecordEvents(ctx, storm))
	require.NoError(t, led.RecordEvents(ctx, storm[2:]))
	// An event of no open incident that does not fire opens nothing.
	require.NoError(t, led.RecordEvents(ctx, []incidents.Event{{Key: "task|x|", Kind: "other", EventID: "stray", Time: t0}}))

	list, err := led.Incidents(ctx, incidents.Query{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	in := list[0]
	assert.Equal(t, fsKey, in.Key)
	assert.Equal(t, "filesystem", in.Subject)
	assert.Equal(t, incidents.StatusOpen, in.Status)
	assert.Equal(t, int64(5), in.Events, "events recorded twice count once")
	assert.Equal(t, []string{"ev-2", "ev-3", "ev-4"}, in.EventIDs, "sample bounded to the newest")
	assert.Equal(t, t0, in.FirstSeen)
	assert.Equal(t, t0.Add(4*time.Second), in.LastSeen)
	assert.Equal(t, 4.0, in.Duration)

	// The recovery resolves it; the next failure opens a new incident.
	require.NoError(t, led.RecordEvents(ctx, []incidents.Event{
		fsEvent("resolved", "ev-5", t0.Add(10*time.Second)),
		fsEvent("firing", "ev-6", t0.Add(20*time.Second)),
	}))
	list, err = led.Incidents(ctx, incidents.Query{})
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, incidents.StatusOpen, list[0].Status)
	assert.Equal(t, int64(1), list[0].Events)
	assert.Equal(t, incidents.StatusResolved, list[1].Status)
	assert.Equal(t, t0.Add(10*time.Second), list[1].ResolvedAt)
	assert.Equal(t, 10.0, list[1].Duration)
	resolved, err := led.Incidents(ctx, incidents.Query{Status: incidents.StatusResolved})
	require.NoError(t, err)
	require.Len(t, resolved, 1)
	assert.Equal(t, list[1].ID, resolved[0].ID)

	of, err := led.IncidentOfEvent(ctx, "ev-3")
	require.NoError(t, err)
	assert.Equal(t, list[1].ID, of.ID)
	_, err = led.IncidentOfEvent(ctx, "stray")
	require.ErrorIs(t, err, incidents.ErrNotFound)
	_, err = led.Incident(ctx, 999)
	require.ErrorIs(t, err, incidents.ErrNotFound)
}

func TestDeliveriesAndPosts(t *testing.T) {
	_, led := startLedger(t, func(c *Config) { c.MaxDeliveries = 2 })
	ctx := context.Background()
	require.NoError(t, led.RecordEvents(ctx, []incidents.Event{fsEvent("firing", "ev-1", t0)}))
	for i, st := range []string{incidents.DeliveryRetrying, incidents.DeliveryRetrying, incidents.DeliveryDelivered} {
		require.NoError(t, led.RecordDelivery(ctx, incidents.Delivery{Key: fsKey, Target: "slack", Time: t0.Add(time.Duration(i) * time.Second),
			Status: st, Kind: "firing", Title: "MCP server filesystem: circuit opened", Text: "text", Error: map[bool]string{true: "503"}[st != incidents.DeliveryDelivered]}))
	}
	require.NoError(t, led.RecordPost(ctx, incidents.Post{Key: fsKey, Slug: "2026-11-28-filesystem", Title: "first", Path: "/b/2026-11-28-filesystem.md", Time: t0}))
	require.NoError(t, led.RecordPost(ctx, incidents.Post{Key: fsKey, Slug: "2026-11-28-filesystem", Title: "updated", Path: "/b/2026-11-28-filesystem.md", Time: t0.Add(time.Minute)}))
	// Of no incident: kept for notify's own history, never shown on one.
	require.NoError(t, led.RecordDelivery(ctx, incidents.Delivery{Key: "other|x|", Target: "slack", Time: t0, Status: incidents.DeliveryDelivered, Kind: "one_shot"}))
	require.NoError(t, led.RecordPost(ctx, incidents.Post{Key: "other|x|", Slug: "x", Time: t0}))

	list, err := led.Incidents(ctx, incidents.Query{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	d, err := led.Incident(ctx, list[0].ID)
	require.NoError(t, err)
	require.Len(t, d.Deliveries, 2, "max_deliveries keeps the newest")
	assert.Equal(t, incidents.DeliveryRetrying, d.Deliveries[0].Status)
	assert.Equal(t, "503", d.Deliveries[0].Error)
	assert.Equal(t, incidents.DeliveryDelivered, d.Deliveries[1].Status)
	assert.Equal(t, "MCP server filesystem: circuit opened", d.Deliveries[1].Title)
	require.Len(t, d.Posts, 1)
	assert.Equal(t, "updated", d.Posts[0].Title)
	assert.Equal(t, t0.Add(time.Minute), d.Posts[0].Time)

	// A resolution notify sent by its resolve_timeout resolves the incident.
	require.NoError(t, led.RecordDelivery(ctx, incidents.Delivery{Key: fsKey, Target: "slack", Time: t0.Add(time.Hour), Status: incidents.DeliveryDelivered, Kind: "resolved"}))
	d, err = led.Incident(ctx, list[0].ID)
	require.NoError(t, err)
	assert.Equal(t, incidents.StatusResolved, d.Status)
}

func TestSilences(t *testing.T) {
	tests := []struct {
		name    string
		matcher incidents.Matcher
		n       incidents.Notification
		want    bool
	}{
		{"subject", incidents.Matcher{Subject: "filesystem"}, incidents.Notification{Subject: "filesystem", Service: "a"}, true},
		{"all fields", incidents.Matcher{Subject: "filesystem", GroupKey: "mcp|a|filesystem", Category: "mcp", Service: "a", EventName: "mcp.circuit_breaker.opened"},
			incidents.Notification{Subject: "filesystem", GroupKey: "mcp|a|filesystem", Category: "mcp", Service: "a", EventName: "mcp.circuit_breaker.opened"}, true},
		{"one field differs", incidents.Matcher{Subject: "filesystem", Service: "b"}, incidents.Notification{Subject: "filesystem", Service: "a"}, false},
		{"case matters", incidents.Matcher{Category: "MCP"}, incidents.Notification{Category: "mcp"}, false},
		{"empty matches nothing", incidents.Matcher{}, incidents.Notification{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.matcher.Matches(tt.n))
		})
	}
}

func TestSilenceSuppressesAndIsNotedOnce(t *testing.T) {
	l, led := startLedger(t, nil)
	ctx := context.Background()
	_, err := led.CreateSilence(ctx, incidents.Silence{Matcher: incidents.Matcher{Subject: "filesystem"}, EndsAt: t0.Add(-time.Minute), Author: "ops"})
	require.EqualError(t, err, "ends_at: must be after starts_at (2026-11-28T10:00:00Z), got 2026-11-28T09:59:00Z")
	_, err = led.CreateSilence(ctx, incidents.Silence{EndsAt: t0.Add(time.Hour)})
	require.EqualError(t, err, "matcher: set at least one of subject, group_key, category, service, event_name\nauthor: must not be empty")

	s, err := led.CreateSilence(ctx, incidents.Silence{Matcher: incidents.Matcher{Subject: "filesystem"}, EndsAt: t0.Add(time.Hour), Author: "ops", Comment: "restarting"})
	require.NoError(t, err)
	assert.Equal(t, t0, s.StartsAt, "starts now when not given")
	n := incidents.Notification{Key: fsKey, Subject: "filesystem"}
	for range 2 {
		v, err := led.Check(ctx, n, t0.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, s.ID, v.SilencedBy)
		assert.Empty(t, v.Expired)
	}
	other, err := led.Check(ctx, incidents.Notification{Key: "task|x|", Subject: "nightly"}, t0.Add(time.Minute))
	require.NoError(t, err)
	assert.Zero(t, other.SilencedBy)

	list, err := led.Silences(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, int64(2), list[0].Suppressed)

	// Expired early by hand: the next notification of the incident is told, once.
	l.now = func() time.Time { return t0.Add(2 * time.Minute) }
	exp, err := led.ExpireSilence(ctx, s.ID, t0.Add(2*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, t0.Add(2*time.Minute), exp.EndsAt)
	v, err := led.Check(ctx, n, t0.Add(3*time.Minute))
	require.NoError(t, err)
	assert.Zero(t, v.SilencedBy)
	require.Len(t, v.Expired, 1)
	assert.Equal(t, int64(2), v.Expired[0].Suppressed)
	assert.Equal(t, "ops", v.Expired[0].Silence.Author)
	assert.Equal(t, "restarting", v.Expired[0].Silence.Comment)
	v, err = led.Check(ctx, n, t0.Add(4*time.Minute))
	require.NoError(t, err)
	assert.Empty(t, v.Expired, "an expiry is told once")
	// Other incidents the silence never held back are not told.
	v, err = led.Check(ctx, incidents.Notification{Key: "task|x|", Subject: "nightly"}, t0.Add(4*time.Minute))
	require.NoError(t, err)
	assert.Empty(t, v.Expired)

	_, err = led.ExpireSilence(ctx, 999, t0)
	require.ErrorIs(t, err, incidents.ErrNotFound)
}

func TestStaticSilences(t *testing.T) {
	static := SilenceConfig{Matcher: incidents.Matcher{Service: "batch"}, EndsAt: t0.Add(24 * time.Hour), Author: "config", Comment: "batch host retired"}
	dir := t.TempDir()
	l, led := startLedger(t, func(c *Config) { c.Directory = dir; c.Silences = []SilenceConfig{static} })
	ctx := context.Background()
	v, err := led.Check(ctx, incidents.Notification{Key: "k", Service: "batch"}, t0.Add(time.Minute))
	require.NoError(t, err)
	require.NotZero(t, v.SilencedBy)
	list, err := led.Silences(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].Static)
	assert.Equal(t, t0, list[0].StartsAt)
	_, err = led.ExpireSilence(ctx, list[0].ID, t0)
	require.ErrorIs(t, err, incidents.ErrStatic)

	// Restarted with the same list: the same silence, its count kept.
	require.NoError(t, l.Shutdown(ctx))
	_, led = startLedger(t, func(c *Config) { c.Directory = dir; c.Silences = []SilenceConfig{static} })
	list, err = led.Silences(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, int64(1), list[0].Suppressed)
	// Removed from the configuration: gone.
	_, led = startLedger(t, func(c *Config) { c.Directory = dir })
	list, err = led.Silences(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)
}

func TestRetention(t *testing.T) {
	l, led := startLedger(t, func(c *Config) {
		c.MaxIncidents, c.MaxEventLinks, c.MaxAge, c.ResolveTimeout = 3, 4, 48*time.Hour, time.Hour
	})
	ctx := context.Background()
	for i := range 5 {
		key := fmt.Sprintf("task|svc|task.name=t%d", i)
		at := t0.Add(time.Duration(i) * time.Minute)
		require.NoError(t, led.RecordEvents(ctx, []incidents.Event{{Key: key, Kind: "firing", EventID: fmt.Sprintf("e%d", i), Time: at}}))
		require.NoError(t, led.RecordDelivery(ctx, incidents.Delivery{Key: key, Target: "t", Time: at, Status: incidents.DeliveryDelivered, Kind: "firing"}))
	}
	old, err := led.CreateSilence(ctx, incidents.Silence{Matcher: incidents.Matcher{Service: "svc"}, EndsAt: t0.Add(time.Hour), Author: "ops"})
	require.NoError(t, err)

	require.NoError(t, l.prune(ctx, t0.Add(30*time.Minute)))
	list, err := led.Incidents(ctx, incidents.Query{})
	require.NoError(t, err)
	require.Len(t, list, 3, "max_incidents keeps the most recently seen")
	assert.Equal(t, "task|svc|task.name=t4", list[0].Key)
	_, err = led.IncidentOfEvent(ctx, "e0")
	require.ErrorIs(t, err, incidents.ErrNotFound, "links of removed incidents go with them")
	of, err := led.IncidentOfEvent(ctx, "e2")
	require.NoError(t, err)
	assert.Equal(t, "task|svc|task.name=t2", of.Key)
	assert.Equal(t, incidents.StatusOpen, list[0].Status)

	// Quiet for resolve_timeout: resolved at its last event.
	require.NoError(t, l.prune(ctx, t0.Add(2*time.Hour)))
	list, err = led.Incidents(ctx, incidents.Query{Status: incidents.StatusOpen})
	require.NoError(t, err)
	assert.Empty(t, list)
	// Older than max_age: incidents and ended silences are gone.
	require.NoError(t, l.prune(ctx, t0.Add(72*time.Hour)))
	list, err = led.Incidents(ctx, incidents.Query{})
	require.NoError(t, err)
	assert.Empty(t, list)
	sil, err := led.Silences(ctx)
	require.NoError(t, err)
	assert.Empty(t, sil, "silence %d ended more than max_age ago", old.ID)
	var deliveries int
	require.NoError(t, l.db.sql.QueryRow("SELECT count(*) FROM deliveries").Scan(&deliveries))
	assert.Zero(t, deliveries)
}

func TestEventLinksBounded(t *testing.T) {
	l, led := startLedger(t, func(c *Config) { c.MaxEventLinks = 2 })
	ctx := context.Background()
	var evs []incidents.Event
	for i := range 4 {
		evs = append(evs, fsEvent("firing", fmt.Sprintf("ev-%d", i), t0))
	}
	require.NoError(t, led.RecordEvents(ctx, evs))
	require.NoError(t, l.prune(ctx, t0))
	_, err := led.IncidentOfEvent(ctx, "ev-1")
	require.ErrorIs(t, err, incidents.ErrNotFound)
	_, err = led.IncidentOfEvent(ctx, "ev-3")
	require.NoError(t, err)
	list, err := led.Incidents(ctx, incidents.Query{})
	require.NoError(t, err)
	assert.Equal(t, int64(4), list[0].Events, "events still count")
}
