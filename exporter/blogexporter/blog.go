package blogexporter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/clip"
	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/recentids"
	"github.com/unitrack/unitrack/internal/track"
)

const (
	// maxEventIDs is how many event ids (the most recent) a post lists.
	maxEventIDs = 50
	// maxRecent is how many events (the most recent) an incident post shows.
	maxRecent = 20
	// seenCapacity bounds the set of event ids remembered to make a retried
	// batch a no-op.
	seenCapacity = 1 << 16
	// maxEarlierIDs is how many more event ids (the most recent before the
	// listed ones) an incident post keeps in its front matter, so that a
	// batch replayed after a crash is still recognised once the state is
	// rebuilt from the directory.
	maxEarlierIDs = 950
)

// blogState is the in-memory blog: every post of the directory, which post
// is the latest of each incident key, and what changed since the last flush.
// It does no I/O; the exporter renders and writes what it marks dirty.
type blogState struct {
	window       time.Duration
	dashboardURL string

	posts  map[string]*post  // by slug
	latest map[string]string // group key -> slug of its latest post
	seen   *recentids.Set
	stats  *digestStats

	dirty      map[string]struct{} // slugs whose files must be written
	removed    map[string]struct{} // slugs whose files must be deleted
	reserved   map[string]struct{} // stems of files the blog could not read
	listsDirty bool                // index.html and feed.atom must be written
}

func newBlogState(window time.Duration, dashboardURL string) *blogState {
	return &blogState{
		window:       window,
		dashboardURL: dashboardURL,
		posts:        map[string]*post{},
		latest:       map[string]string{},
		seen:         recentids.New(seenCapacity),
		stats:        newDigestStats(time.Time{}),
		dirty:        map[string]struct{}{},
		removed:      map[string]struct{}{},
		reserved:     map[string]struct{}{},
	}
}

// load adds a post read from the directory.
func (b *blogState) load(p *post) {
	b.posts[p.slug] = p
	for _, id := range p.EarlierIDs {
		b.seen.Add(id)
	}
	for _, id := range p.EventIDs {
		b.seen.Add(id)
	}
	if p.GroupKey != "" && p.Status != statusPublished {
		if cur, ok := b.posts[b.latest[p.GroupKey]]; !ok || p.Date.After(cur.Date) ||
			p.Date.Equal(cur.Date) && p.slug > cur.slug {
			b.latest[p.GroupKey] = p.slug
		}
	}
}

func (b *blogState) taken(slug string) bool {
	_, ok := b.posts[slug]
	if !ok {
		_, ok = b.removed[slug]
	}
	if !ok {
		_, ok = b.reserved[slug]
	}
	return ok
}

func (b *blogState) markDirty(p *post) {
	b.dirty[p.slug] = struct{}{}
	b.listsDirty = true
}

// touch sets Updated to now, strictly later than before, so a feed reader
// always sees a change.
func touch(p *post, now time.Time) {
	now = now.UTC()
	if !now.After(p.Updated) {
		now = p.Updated.Add(time.Millisecond)
	}
	p.Updated = now
}

// event is what the blog keeps of one log record.
type event struct {
	ref      eventRef
	sevNum   int32
	category string
	service  string
	key      incident.Key
	kind     incident.Kind
	record   plog.LogRecord
}

func newEvent(lr plog.LogRecord, res pcommon.Resource, now time.Time) event {
	attrs := lr.Attributes()
	t := track.EventTime(lr, now)
	ev := event{
		ref: eventRef{
			Time:     t.UTC(),
			Name:     cleanLine(lr.EventName(), maxFieldRunes),
			Severity: track.SeverityLabel(lr.SeverityNumber()),
			Message:  cleanLine(lr.Body().AsString(), maxMessageRunes),
			ID:       cleanLine(attrString(attrs, track.AttrEventID), maxFieldRunes),
		},
		sevNum:   int32(lr.SeverityNumber()),
		category: cleanLine(attrString(attrs, track.AttrCategory), maxFieldRunes),
		key:      incident.KeyOf(lr, res),
		kind:     incident.Classify(lr),
		record:   lr,
	}
	if ev.ref.Name == "" {
		ev.ref.Name = "event"
	}
	if ev.category == "" {
		ev.category = cleanLine(track.CategoryOf(lr.EventName(), ""), maxFieldRunes)
	}
	if ev.category == "" {
		ev.category = "uncategorized"
	}
	ev.service = cleanLine(ev.key.Service, maxFieldRunes)
	return ev
}

func attrString(attrs pcommon.Map, key string) string {
	if v, ok := attrs.Get(key); ok {
		return v.AsString()
	}
	return ""
}

// apply takes one record into the blog. It reports whether the event joined
// a post, and returns false for a duplicate (an event id already seen, as
// when a failed batch is retried), which changes nothing.
func (b *blogState) apply(lr plog.LogRecord, res pcommon.Resource, now time.Time) (joined bool, category string, duplicate bool) {
	ev := newEvent(lr, res, now)
	if ev.ref.ID != "" {
		if !b.seen.Add(ev.ref.ID) {
			return false, "", true
		}
	}
	b.stats.count(ev.category, ev.ref.Severity)
	switch {
	case lr.EventName() == track.EventBlogPost, lr.EventName() == track.EventAnomalyDetected, ev.kind == incident.OneShot:
		p := b.newLegacyPost(ev, now)
		b.stats.touchPost(p.slug)
		return true, ev.category, false
	}
	p := b.incidentPost(ev, now)
	if p == nil {
		return false, ev.category, false
	}
	b.stats.touchPost(p.slug)
	return true, ev.category, false
}

// incidentPost applies the incident rules and returns the post the event
// joined, or nil when it joins none.
func (b *blogState) incidentPost(ev event, now time.Time) *post {
	gk := ev.key.String()
	p := b.posts[b.latest[gk]]
	within := p != nil && !ev.ref.Time.Before(p.FirstEvent.Add(-b.window)) && !ev.ref.Time.After(p.LastEvent.Add(b.window))
	switch ev.kind {
	case incident.Firing:
		if !within {
			p = b.newIncident(ev, gk, now)
			b.stats.Opened++
			return p
		}
		if p.Status == statusResolved {
			p.Status = statusFiring
			p.ResolvedAt = time.Time{}
			p.Duration = ""
			p.ResolvedBy = ""
		}
	case incident.Resolving:
		switch {
		case p != nil && p.Status == statusFiring:
			b.addEvent(p, ev, now)
			p.Status = statusResolved
			p.ResolvedAt = ev.ref.Time
			p.Duration = p.ResolvedAt.Sub(p.FirstEvent).Round(time.Second).String()
			p.ResolvedBy = ev.ref.Name
			p.Title = incidentTitle(p)
			b.stats.Resolved++
			return p
		case within:
		default:
			return nil
		}
	default:
		if !within {
			return nil
		}
	}
	b.addEvent(p, ev, now)
	return p
}

func (b *blogState) newIncident(ev event, gk string, now time.Time) *post {
	p := &post{
		Date:           ev.ref.Time,
		Kind:           kindIncident,
		Status:         statusFiring,
		Severity:       ev.ref.Severity,
		SeverityNumber: ev.sevNum,
		Tags:           incidentTags(ev),
		Service:        ev.service,
		Category:       ev.category,
		EventIDs:       []string{},
		GroupKey:       cleanLine(gk, 4*maxFieldRunes),
		TitleEvent:     ev.ref.Name,
		FirstEvent:     ev.ref.Time,
		LastEvent:      ev.ref.Time,
		Counts:         map[string]int64{},
	}
	if ev.key.SubjectKey != "" {
		p.Subject = cleanLine(ev.key.SubjectKey+"="+ev.key.SubjectValue, maxFieldRunes)
	}
	p.ID = entryID(p.Date, kindIncident, gk, ev.ref.ID)
	p.slug = makeSlug(p.Date, subjectOf(p)+" "+humanize(p.TitleEvent), b.taken)
	b.posts[p.slug] = p
	b.latest[gk] = p.slug
	b.addEvent(p, ev, now)
	return p
}

func incidentTags(ev event) []string {
	tags := []string{ev.category}
	// The subject's domain (mcp), else the event name's namespace.
	if first, _, ok := strings.Cut(ev.key.Family, "."); (ok || ev.key.SubjectKey != "") && first != ev.category {
		tags = append(tags, cleanLine(first, maxFieldRunes))
	}
	return tags
}

func (b *blogState) addEvent(p *post, ev event, now time.Time) {
	p.EventCount++
	if p.Counts == nil {
		p.Counts = map[string]int64{}
	}
	p.Counts[ev.ref.Name]++
	if ev.ref.Time.Before(p.FirstEvent) {
		p.FirstEvent = ev.ref.Time
	}
	if ev.ref.Time.After(p.LastEvent) {
		p.LastEvent = ev.ref.Time
	}
	if ev.ref.Name == p.TitleEvent && ev.ref.Time.After(p.LastTitleEvent) {
		p.LastTitleEvent = ev.ref.Time
	}
	if ev.sevNum > p.SeverityNumber {
		p.SeverityNumber = ev.sevNum
		p.Severity = ev.ref.Severity
	}
	if ev.ref.ID != "" {
		if len(p.EventIDs) >= maxEventIDs {
			p.EarlierIDs = appendCapped(p.EarlierIDs, p.EventIDs[0], maxEarlierIDs)
		}
		p.EventIDs = appendCapped(p.EventIDs, ev.ref.ID, maxEventIDs)
	}
	p.Recent = appendCapped(p.Recent, ev.ref, maxRecent)
	if ev.kind == incident.Firing {
		p.Failures++
		p.FiringEvent, p.FiringMessage = ev.ref.Name, ev.ref.Message
		p.Facts = cleanFacts(incident.FactsOf(ev.record.Attributes()))
	}
	p.Title = incidentTitle(p)
	touch(p, now)
	b.markDirty(p)
}

func cleanFacts(facts map[string]string) map[string]string {
	for k, v := range facts {
		facts[k] = cleanLine(v, maxMessageRunes)
	}
	return facts
}

// storyOf is what incident.Sentence and incident.Narrative tell of a post;
// it is rebuilt from the front matter alone.
func storyOf(p *post) incident.Story {
	subjectKey, subject, _ := strings.Cut(p.Subject, "=")
	st := incident.Story{
		Kind: incident.Firing, SubjectKey: subjectKey, Subject: subject, Service: p.Service,
		EventName: p.FiringEvent, Body: p.FiringMessage, Facts: p.Facts,
		Events: p.EventCount, Failures: p.Failures, FirstSeen: p.FirstEvent, LastSeen: p.LastEvent,
	}
	if st.EventName == "" { // a post written before these fields existed
		st.EventName = p.TitleEvent
		for i := len(p.Recent) - 1; i >= 0; i-- {
			if p.Recent[i].Name == p.TitleEvent {
				st.Body = p.Recent[i].Message
				break
			}
		}
	}
	if p.Status == statusResolved {
		st.Kind, st.ResolvedAt, st.ResolvedBy = incident.Resolving, p.ResolvedAt, p.ResolvedBy
	}
	return st
}

func appendCapped[T any](s []T, v T, n int) []T {
	if len(s) >= n {
		s = slices.Delete(s, 0, len(s)-n+1)
	}
	return append(s, v)
}

// subjectOf names what an incident is about: its subject's value, else its
// service.
func subjectOf(p *post) string {
	if _, v, ok := strings.Cut(p.Subject, "="); ok && v != "" {
		return v
	}
	if p.Service != "" {
		return p.Service
	}
	return p.Category
}

// humanize turns an event name into words: mcp.circuit_breaker.opened ->
// "circuit breaker opened" (a leading namespace is dropped when there are
// three segments or more), task.failed -> "task failed".
func humanize(name string) string {
	parts := strings.Split(name, ".")
	if len(parts) >= 3 {
		parts = parts[1:]
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.Join(parts, " "), "_", " ")), " ")
}

// incidentTitle says what happened in a sentence (incident.Sentence): "MCP
// server filesystem: circuit breaker opened after 5 failures — Timeout after
// 30s", with "(resolved after 7m0s)" once resolved.
func incidentTitle(p *post) string {
	return clip.Runes(cleanLine(incident.Sentence(storyOf(p)), maxTitleRunes), maxTitleRunes)
}

// entryID is the Atom entry id of a post: a tag URI from its start date and
// a hash of what identifies it, stable for the post's whole life.
func entryID(date time.Time, kind, groupKey, firstEventID string) string {
	h := sha256.Sum256([]byte(groupKey + "\x00" + date.UTC().Format(time.RFC3339Nano) + "\x00" + firstEventID))
	return "tag:unitrack.local," + date.UTC().Format("2006-01-02") + ":blog/" + kind + "/" + hex.EncodeToString(h[:12])
}

// newLegacyPost makes a post of its own from a blog.post or anomaly.detected
// event, keeping its Markdown body.
func (b *blogState) newLegacyPost(ev event, now time.Time) *post {
	attrs := ev.record.Attributes()
	kind := kindPost
	if ev.record.EventName() == track.EventAnomalyDetected {
		kind = kindAnomaly
	}
	title := cleanLine(attrString(attrs, track.AttrBlogTitle), maxTitleRunes)
	if ev.kind == incident.OneShot {
		title = cleanLine(incident.Sentence(incident.Story{
			Kind: incident.OneShot, Service: ev.service, EventName: ev.ref.Name,
			Body: ev.record.Body().AsString(), Facts: incident.FactsOf(attrs),
		}), maxTitleRunes)
	}
	if title == "" {
		first, _, _ := strings.Cut(cleanText(ev.record.Body().AsString(), true), "\n")
		title = cleanLine(strings.TrimLeft(first, "# "), maxTitleRunes)
	}
	if title == "" {
		title = humanize(ev.ref.Name)
	}
	p := &post{
		Title:          title,
		Date:           ev.ref.Time,
		Kind:           kind,
		Status:         statusPublished,
		Severity:       ev.ref.Severity,
		SeverityNumber: ev.sevNum,
		Tags:           legacyTags(attrs, ev.category),
		Service:        ev.service,
		Category:       ev.category,
		Author:         cleanLine(attrString(attrs, track.AttrBlogAuthor), maxFieldRunes),
		EventCount:     1,
		EventIDs:       []string{},
		GroupKey:       cleanLine(ev.key.String(), 4*maxFieldRunes),
		FirstEvent:     ev.ref.Time,
		LastEvent:      ev.ref.Time,
	}
	if ev.ref.ID != "" {
		p.EventIDs = append(p.EventIDs, ev.ref.ID)
	}
	if kind == kindAnomaly {
		p.Anomaly = legacyAnomaly(attrs)
	}
	body, cut := truncateBytes(cleanText(ev.record.Body().AsString(), true), maxBodyBytes)
	body = strings.TrimRight(body, "\n")
	if cut {
		body += "\n\n*(truncated: the post was longer than 256 KiB)*"
	}
	body += legacyFooter(p, ev.ref.ID, b.dashboardURL)
	p.body = body + "\n"
	p.ID = entryID(p.Date, kind, p.GroupKey, ev.ref.ID)
	p.slug = makeSlug(p.Date, title, b.taken)
	touch(p, now)
	b.posts[p.slug] = p
	b.markDirty(p)
	return p
}

func legacyTags(attrs pcommon.Map, category string) []string {
	tags := []string{}
	if v, ok := attrs.Get(track.AttrTags); ok {
		switch v.Type() {
		case pcommon.ValueTypeSlice:
			for _, t := range v.Slice().All() {
				tags = append(tags, t.AsString())
			}
		default:
			tags = append(tags, strings.Split(v.AsString(), ",")...)
		}
	}
	tags = append(tags, category)
	out := tags[:0]
	for _, t := range tags {
		t = cleanLine(t, 64)
		if t != "" && !slices.Contains(out, t) && len(out) < 20 {
			out = append(out, t)
		}
	}
	return out
}

func legacyAnomaly(attrs pcommon.Map) *anomalyInfo {
	a := &anomalyInfo{}
	if v, ok := attrs.Get("anomaly.metric"); ok {
		a.Metric = cleanLine(v.AsString(), maxFieldRunes)
	}
	a.Value = attrFloat(attrs, "anomaly.value")
	a.Baseline = attrFloat(attrs, "anomaly.baseline")
	a.ZScore = attrFloat(attrs, "anomaly.zscore")
	return a
}

func attrFloat(attrs pcommon.Map, key string) float64 {
	v, ok := attrs.Get(key)
	if !ok {
		return 0
	}
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		return v.Double()
	case pcommon.ValueTypeInt:
		return float64(v.Int())
	}
	return 0
}

// legacyFooter is appended to a kept body: the anomaly's figures and the
// link to the event on the dashboard.
func legacyFooter(p *post, eventID, dashboardURL string) string {
	var b strings.Builder
	b.WriteString("\n\n---\n\n")
	if a := p.Anomaly; a != nil {
		fmt.Fprintf(&b, "*Anomaly:* %s = %g, baseline %g, z-score %g  \n", escapeMarkdown(orDash(a.Metric)), a.Value, a.Baseline, a.ZScore)
	}
	fmt.Fprintf(&b, "*Posted by* %s *at* %s", escapeMarkdown(orDash(p.Author)), p.Date.UTC().Format("2006-01-02 15:04:05 UTC"))
	if link := track.EventLink(dashboardURL, eventID); link != "" {
		fmt.Fprintf(&b, " · [event on the dashboard](<%s>)", link)
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// expire applies retention: posts not updated within maxAge, then the least
// recently updated beyond maxPosts, are removed. It returns how many.
func (b *blogState) expire(now time.Time, maxAge time.Duration, maxPosts int) int {
	var gone []*post
	if maxAge > 0 {
		cutoff := now.Add(-maxAge)
		for _, p := range b.posts {
			if p.Updated.Before(cutoff) {
				gone = append(gone, p)
			}
		}
	}
	for _, p := range gone {
		b.remove(p)
	}
	n := len(gone)
	if maxPosts > 0 && len(b.posts) > maxPosts {
		sorted := b.sortedPosts()
		for _, p := range sorted[maxPosts:] {
			b.remove(p)
			n++
		}
	}
	return n
}

func (b *blogState) remove(p *post) {
	delete(b.posts, p.slug)
	delete(b.dirty, p.slug)
	b.removed[p.slug] = struct{}{}
	if b.latest[p.GroupKey] == p.slug {
		delete(b.latest, p.GroupKey)
	}
	b.listsDirty = true
}

// sortedPosts is every post, most recently updated first (slug breaks ties).
func (b *blogState) sortedPosts() []*post {
	out := make([]*post, 0, len(b.posts))
	for _, p := range b.posts {
		out = append(out, p)
	}
	slices.SortFunc(out, func(x, y *post) int {
		if c := y.Updated.Compare(x.Updated); c != 0 {
			return c
		}
		return strings.Compare(y.slug, x.slug)
	})
	return out
}
