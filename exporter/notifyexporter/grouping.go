package notifyexporter

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/track"
)

// This file is the grouping stage: a pure state machine over events and a
// clock passed in by the caller. It decides when a group notifies; it does
// no I/O.
//
// A group opens on a Firing event and collects every event of its key.
// group_wait after it opened it notifies "firing" if it is still firing,
// or goes away silently if it resolved in the meantime. After that it is
// looked at every group_interval: it notifies "resolved" once every member
// has resolved (or no event came for resolve_timeout), "firing" again when a
// new member fired, or as a reminder after repeat_interval; otherwise it
// stays quiet.

// groupKeySep separates group_by values inside a group key.
const groupKeySep = '\x1f'

const maxAttributes = 64

// groupSettings are the grouping options shared by every target.
type groupSettings struct {
	groupBy []string
	// coversIncident is true when group_by includes family, service.name and
	// subject: a group is then exactly one incident, and members need no
	// tracking.
	coversIncident bool
	groupWait      time.Duration
	groupInterval  time.Duration
	repeatInterval time.Duration
	resolveTimeout time.Duration
	dedupeWindow   time.Duration
	maxEventIDs    int
	dashboardURL   string
}

func newGroupSettings(cfg *Config) *groupSettings {
	has := func(k string) bool { return slices.Contains(cfg.GroupBy, k) }
	return &groupSettings{
		groupBy:        cfg.GroupBy,
		coversIncident: has(groupByFamily) && has(groupByService) && has(groupBySubject),
		groupWait:      cfg.GroupWait,
		groupInterval:  cfg.GroupInterval,
		repeatInterval: cfg.RepeatInterval,
		resolveTimeout: cfg.ResolveTimeout,
		dedupeWindow:   cfg.DedupeWindow,
		maxEventIDs:    cfg.MaxEventIDs,
		dashboardURL:   cfg.DashboardURL,
	}
}

// eventView is what grouping reads of one record, computed once for all targets.
type eventView struct {
	lr       plog.LogRecord
	resource pcommon.Resource
	kind     incident.Kind
	severity plog.SeverityNumber
	time     time.Time
	id       string
	ik       incident.Key
	// groupKey is the group_by values joined with groupKeySep; it aliases a
	// reused buffer and is only valid during the call.
	groupKey []byte
	// member is the incident key string, set only when group_by does not
	// cover the incident.
	member string
}

// viewer builds eventViews, reusing its key buffer.
type viewer struct {
	s   *groupSettings
	buf []byte
}

func (v *viewer) view(ev *eventView, lr plog.LogRecord, res pcommon.Resource, now time.Time) {
	ev.lr, ev.resource = lr, res
	ev.kind = incident.Classify(lr)
	ev.severity = lr.SeverityNumber()
	ev.time = track.EventTime(lr, now)
	ev.id = ""
	if id, ok := lr.Attributes().Get(track.AttrEventID); ok {
		ev.id = id.AsString()
	}
	ev.ik = incident.KeyOf(lr, res)
	v.buf = v.buf[:0]
	for i, k := range v.s.groupBy {
		if i > 0 {
			v.buf = append(v.buf, groupKeySep)
		}
		v.buf = append(v.buf, groupValue(k, lr, res, ev.ik)...)
	}
	ev.groupKey = v.buf
	ev.member = ""
	if !v.s.coversIncident {
		ev.member = ev.ik.String()
	}
}

// groupValue is the value of one group_by key for a record.
func groupValue(key string, lr plog.LogRecord, res pcommon.Resource, ik incident.Key) string {
	switch key {
	case groupByFamily:
		return ik.Family
	case groupByEventName:
		return lr.EventName()
	case groupByService:
		return ik.Service
	case groupBySubject:
		return ik.SubjectValue
	}
	if v, ok := lr.Attributes().Get(key); ok {
		return v.AsString()
	}
	if v, ok := res.Attributes().Get(key); ok {
		return v.AsString()
	}
	return ""
}

// group is the state of one group for one target. Exported fields are
// persisted (see state.go).
type group struct {
	Key        string            `json:"key"`
	Labels     map[string]string `json:"labels,omitempty"`
	Family     string            `json:"family"`
	Service    string            `json:"service"`
	SubjectKey string            `json:"subject_key,omitempty"`
	Subject    string            `json:"subject,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	// Facts are the sentence attributes (incident.FactsOf) of the latest
	// firing event; Failures counts the firing events.
	Facts       map[string]string `json:"facts,omitempty"`
	Failures    int               `json:"failures,omitempty"`
	OpenedAt    time.Time         `json:"opened_at"`
	Firing      bool              `json:"firing"`
	Members     map[string]bool   `json:"members,omitempty"`
	FiringCount int               `json:"firing_members,omitempty"`
	NewMember   bool              `json:"new_member,omitempty"`

	Count       int       `json:"count"`
	SentCount   int       `json:"sent_count"`
	HeldCount   int       `json:"held_count"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	LastArrival time.Time `json:"last_arrival"`
	// IDs is a ring of the most recent event ids; IDHead is the next slot.
	IDs    []string `json:"ids"`
	IDHead int      `json:"id_head"`

	EventName    string              `json:"event_name"`
	Body         string              `json:"body"`
	MaxSeverity  plog.SeverityNumber `json:"max_severity"`
	ResolvedName string              `json:"resolved_name,omitempty"`
	ResolvedBody string              `json:"resolved_body,omitempty"`
	ResolvedAt   time.Time           `json:"resolved_at,omitzero"`

	Notified  bool      `json:"notified"`
	LastSent  time.Time `json:"last_sent"`
	NextFlush time.Time `json:"next_flush"`
}

func (g *group) isFiring(covers bool) bool {
	if covers {
		return g.Firing
	}
	return g.FiringCount > 0
}

// suppressed counts notifications held back, by reason, since the last take.
type suppressed struct {
	grouped, repeat, unfired, duplicate int64
}

// oneShotSeen is what the dedupe window remembers of a one-shot message.
type oneShotSeen struct {
	// Last is when its last copy was delivered.
	Last time.Time `json:"last"`
	// Held counts the exact repeats held back since then.
	Held int `json:"held,omitempty"`
}

// grouper is the grouping state of one target.
type grouper struct {
	target      string
	minSeverity plog.SeverityNumber
	s           *groupSettings
	groups      map[string]*group
	// oneShots are the one-shot messages delivered within dedupe_window, by
	// oneShotKey; pruned when it has doubled since the last prune.
	oneShots   map[string]*oneShotSeen
	nextPrune  int
	suppressed suppressed
	// dirty is set by every change worth persisting.
	dirty bool
	// opened are the keys of the groups opened since the last takeOpened,
	// kept only when trackOpened (a ledger is configured).
	opened      []string
	trackOpened bool
}

// takeOpened returns and forgets the keys of the groups opened lately.
func (gr *grouper) takeOpened() []string {
	keys := gr.opened
	gr.opened = nil
	return keys
}

// adopt marks an open group as notified at lastSent without sending: another
// collector paged for its incident. It reports whether the group was
// adopted (it may have fired or closed meanwhile).
func (gr *grouper) adopt(key string, lastSent time.Time) bool {
	g := gr.groups[key]
	if g == nil || g.Notified {
		return false
	}
	g.Notified, g.LastSent, g.SentCount, g.HeldCount = true, lastSent, g.Count, g.Count
	gr.dirty = true
	return true
}

func newGrouper(target string, minSeverity plog.SeverityNumber, s *groupSettings) *grouper {
	return &grouper{target: target, minSeverity: minSeverity, s: s, groups: map[string]*group{}, oneShots: map[string]*oneShotSeen{}, nextPrune: minPrune}
}

const minPrune = 64

// oneShot turns a one-shot event into its notification, at once: no
// group_wait, no group, never a "resolved". An exact repeat within
// dedupe_window of the copy delivered last is held back (and counted in the
// next copy delivered).
func (gr *grouper) oneShot(ev *eventView, now time.Time) (target.Notification, bool) {
	if ev.severity < gr.minSeverity {
		return target.Notification{}, false
	}
	key := oneShotKey(ev)
	held := 0
	if seen := gr.oneShots[key]; seen != nil {
		if gr.s.dedupeWindow > 0 && now.Sub(seen.Last) < gr.s.dedupeWindow {
			seen.Held++
			gr.suppressed.duplicate++
			gr.dirty = true
			return target.Notification{}, false
		}
		held = seen.Held
	}
	if gr.s.dedupeWindow > 0 {
		if len(gr.oneShots) >= gr.nextPrune {
			for k, seen := range gr.oneShots {
				if now.Sub(seen.Last) >= gr.s.dedupeWindow {
					delete(gr.oneShots, k)
				}
			}
			gr.nextPrune = max(minPrune, 2*len(gr.oneShots))
		}
		gr.oneShots[key] = &oneShotSeen{Last: now}
		gr.dirty = true
	}
	attrs := ev.lr.Attributes()
	facts := incident.FactsOf(attrs)
	st := incident.Story{
		Kind: incident.OneShot, SubjectKey: ev.ik.SubjectKey, Subject: ev.ik.SubjectValue, Service: ev.ik.Service,
		EventName: ev.lr.EventName(), Body: ev.lr.Body().AsString(), Facts: facts,
		Events: 1, FirstSeen: ev.time, LastSeen: ev.time,
	}
	n := target.Notification{
		Version:        target.NotificationVersion,
		Target:         gr.target,
		Kind:           target.KindOneShot,
		Status:         target.StatusFiring,
		Priority:       oneShotPriority(facts[track.AttrNotificationPriority], ev.severity),
		Headline:       incident.Sentence(st),
		Narrative:      incident.Narrative(st),
		GroupKey:       ev.ik.String(),
		Family:         ev.ik.Family,
		Service:        ev.ik.Service,
		SubjectKey:     ev.ik.SubjectKey,
		Subject:        ev.ik.SubjectValue,
		EventName:      ev.lr.EventName(),
		Severity:       track.SeverityLabel(ev.severity),
		SeverityNumber: int32(ev.severity),
		Body:           st.Body,
		Count:          1 + held,
		FirstSeen:      ev.time.UTC(),
		LastSeen:       ev.time.UTC(),
		EventIDs:       []string{},
		Attributes:     attributeStrings(attrs),
		Time:           now.UTC(),
	}
	if ev.id != "" {
		n.EventIDs = append(n.EventIDs, ev.id)
		if link := track.EventLink(gr.s.dashboardURL, ev.id); link != "" {
			n.Links = []string{link}
			n.DashboardURL = link
		}
	}
	return n, true
}

// oneShotKey identifies exact repeats: same service, event name, title,
// message and priority.
func oneShotKey(ev *eventView) string {
	h := sha256.New()
	attrs := ev.lr.Attributes()
	for _, part := range []string{
		ev.ik.Service, ev.lr.EventName(), attrString(attrs, track.AttrNotificationTitle),
		ev.lr.Body().AsString(), attrString(attrs, track.AttrNotificationPriority), strconv.Itoa(int(ev.severity)),
	} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func attrString(m pcommon.Map, key string) string {
	if v, ok := m.Get(key); ok {
		return v.AsString()
	}
	return ""
}

// oneShotPriority is the priority a legacy notify() call was sent with
// (critical is urgent), else the one of its severity.
func oneShotPriority(word string, sev plog.SeverityNumber) string {
	switch word {
	case target.PriorityLow, target.PriorityNormal, target.PriorityHigh, target.PriorityUrgent:
		return word
	case "critical":
		return target.PriorityUrgent
	}
	return target.SeverityPriority(sev)
}

// add folds one event into its group. It reports whether a group was
// opened (so the caller can re-arm its timer).
func (gr *grouper) add(ev *eventView, now time.Time) (opened bool) {
	if ev.kind != incident.Resolving && ev.severity < gr.minSeverity {
		return false
	}
	g := gr.groups[string(ev.groupKey)]
	if g == nil {
		if ev.kind != incident.Firing {
			return false
		}
		g = gr.open(ev, now)
		opened = true
	} else {
		gr.suppressed.grouped++
	}
	gr.dirty = true
	g.Count++
	if ev.time.Before(g.FirstSeen) || g.FirstSeen.IsZero() {
		g.FirstSeen = ev.time
	}
	if ev.time.After(g.LastSeen) {
		g.LastSeen = ev.time
	}
	g.LastArrival = now
	if ev.id != "" {
		if len(g.IDs) < gr.s.maxEventIDs {
			g.IDs = append(g.IDs, ev.id)
		} else {
			g.IDs[g.IDHead] = ev.id
			g.IDHead = (g.IDHead + 1) % len(g.IDs)
		}
	}
	switch ev.kind {
	case incident.Firing:
		g.EventName, g.Body = ev.lr.EventName(), ev.lr.Body().AsString()
		g.Facts = incident.FactsOf(ev.lr.Attributes())
		g.Failures++
		g.MaxSeverity = max(g.MaxSeverity, ev.severity)
		if gr.s.coversIncident {
			g.Firing = true
		} else if firing, known := g.Members[ev.member]; !firing {
			if !known && g.Notified {
				g.NewMember = true
			}
			g.setMember(ev.member, true)
		}
	case incident.Resolving:
		g.ResolvedName, g.ResolvedBody = ev.lr.EventName(), ev.lr.Body().AsString()
		g.ResolvedAt = ev.time
		if gr.s.coversIncident {
			g.Firing = false
		} else if g.Members[ev.member] {
			g.setMember(ev.member, false)
		}
	}
	return opened
}

func (g *group) setMember(member string, firing bool) {
	if g.Members == nil {
		g.Members = map[string]bool{}
	}
	if firing {
		g.FiringCount++
	} else {
		g.FiringCount--
	}
	g.Members[member] = firing
}

func (gr *grouper) open(ev *eventView, now time.Time) *group {
	g := &group{
		Key:        string(ev.groupKey),
		Family:     ev.ik.Family,
		Service:    ev.ik.Service,
		SubjectKey: ev.ik.SubjectKey,
		Subject:    ev.ik.SubjectValue,
		OpenedAt:   now,
		NextFlush:  now.Add(gr.s.groupWait),
		Attributes: attributeStrings(ev.lr.Attributes()),
		IDs:        make([]string, 0, min(gr.s.maxEventIDs, 8)),
	}
	if len(gr.s.groupBy) > 0 {
		g.Labels = make(map[string]string, len(gr.s.groupBy))
		for _, k := range gr.s.groupBy {
			g.Labels[k] = groupValue(k, ev.lr, ev.resource, ev.ik)
		}
	}
	gr.groups[g.Key] = g
	if gr.trackOpened {
		gr.opened = append(gr.opened, g.Key)
	}
	return g
}

func attributeStrings(m pcommon.Map) map[string]string {
	out := make(map[string]string, min(m.Len(), maxAttributes))
	for k, v := range m.All() {
		if len(out) == maxAttributes {
			break
		}
		if k == track.AttrRoutes {
			continue
		}
		out[k] = v.AsString()
	}
	return out
}

// flush returns the notifications due at now, oldest group key first, and
// advances every group it looked at.
func (gr *grouper) flush(now time.Time) []target.Notification {
	var out []target.Notification
	covers := gr.s.coversIncident
	for key, g := range gr.groups {
		if now.Before(g.NextFlush) {
			continue
		}
		gr.dirty = true
		firing := g.isFiring(covers)
		expired := g.Notified && gr.s.resolveTimeout > 0 && now.Sub(g.LastArrival) >= gr.s.resolveTimeout
		switch {
		case !firing || expired:
			if g.Notified {
				out = append(out, gr.notificationOf(g, target.StatusResolved, false, expired, now))
			} else {
				gr.suppressed.unfired++
			}
			delete(gr.groups, key)
			continue
		case !g.Notified, g.NewMember:
			out = append(out, gr.notificationOf(g, target.StatusFiring, false, false, now))
			g.Notified, g.LastSent, g.SentCount, g.HeldCount, g.NewMember = true, now, g.Count, g.Count, false
		case now.Sub(g.LastSent) >= gr.s.repeatInterval:
			out = append(out, gr.notificationOf(g, target.StatusFiring, true, false, now))
			g.LastSent, g.SentCount, g.HeldCount = now, g.Count, g.Count
		case g.Count > g.HeldCount:
			gr.suppressed.repeat++
			g.HeldCount = g.Count
		}
		g.NextFlush = now.Add(gr.s.groupInterval)
	}
	slices.SortFunc(out, func(a, b target.Notification) int { return strings.Compare(a.GroupKey, b.GroupKey) })
	return out
}

// nextDue is the earliest time a group needs looking at; zero when there
// is no group.
func (gr *grouper) nextDue() time.Time {
	var next time.Time
	for _, g := range gr.groups {
		if next.IsZero() || g.NextFlush.Before(next) {
			next = g.NextFlush
		}
	}
	return next
}

func (gr *grouper) takeSuppressed() suppressed {
	s := gr.suppressed
	gr.suppressed = suppressed{}
	return s
}

func (gr *grouper) notificationOf(g *group, status string, repeat, expired bool, now time.Time) target.Notification {
	st := incident.Story{
		Kind: incident.Firing, SubjectKey: g.SubjectKey, Subject: g.Subject, Service: g.Service,
		EventName: g.EventName, Body: g.Body, Facts: g.Facts,
		Events: int64(g.Count), Failures: int64(g.Failures), FirstSeen: g.FirstSeen, LastSeen: g.LastSeen,
	}
	if status == target.StatusResolved {
		st.Kind, st.Expired = incident.Resolving, expired
		switch {
		case expired:
			st.ResolvedAt = g.LastSeen
		case !g.ResolvedAt.IsZero():
			st.ResolvedAt, st.ResolvedBy = g.ResolvedAt, g.ResolvedName
		default:
			st.ResolvedAt, st.ResolvedBy = g.LastSeen, g.ResolvedName
		}
	}
	n := target.Notification{
		Version:        target.NotificationVersion,
		Target:         gr.target,
		Kind:           target.KindIncident,
		Status:         status,
		Priority:       target.SeverityPriority(g.MaxSeverity),
		Headline:       incident.Sentence(st),
		Narrative:      incident.Narrative(st),
		Repeat:         repeat,
		Expired:        expired,
		GroupKey:       strings.ReplaceAll(g.Key, string(groupKeySep), "|"),
		GroupLabels:    g.Labels,
		Family:         g.Family,
		Service:        g.Service,
		SubjectKey:     g.SubjectKey,
		Subject:        g.Subject,
		EventName:      g.EventName,
		Severity:       track.SeverityLabel(g.MaxSeverity),
		SeverityNumber: int32(g.MaxSeverity),
		Body:           g.Body,
		Count:          g.Count,
		FirstSeen:      g.FirstSeen.UTC(),
		LastSeen:       g.LastSeen.UTC(),
		Attributes:     g.Attributes,
		Time:           now.UTC(),
	}
	if status == target.StatusResolved && g.ResolvedName != "" && !expired {
		n.EventName, n.Body = g.ResolvedName, g.ResolvedBody
	}
	n.EventIDs = make([]string, 0, len(g.IDs))
	n.EventIDs = append(n.EventIDs, g.IDs[g.IDHead:]...)
	n.EventIDs = append(n.EventIDs, g.IDs[:g.IDHead]...)
	if gr.s.dashboardURL != "" && len(n.EventIDs) > 0 {
		n.Links = make([]string, len(n.EventIDs))
		for i, id := range n.EventIDs {
			n.Links[i] = track.EventLink(gr.s.dashboardURL, id)
		}
		n.DashboardURL = n.Links[len(n.Links)-1]
	}
	return n
}
