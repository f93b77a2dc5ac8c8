package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/track"
)

// The analytics answer questions over weeks (uptime, new errors, rates per
// source; incidents per subject are the incident ledger's) from small tables kept at insert, so that a 30-day
// question never scans the events, and so that they outlive the events'
// retention (they are pruned by Retention.AnalyticsMaxAge).

// mark is what an event does to its incident (internal/incident): only
// firing and resolving events are kept, in incident_marks.
type mark struct {
	kind incident.Kind
	key  incident.Key
}

func markOf(lr plog.LogRecord, res pcommon.Resource) mark {
	k := incident.Classify(lr)
	if k != incident.Firing && k != incident.Resolving {
		return mark{}
	}
	return mark{kind: k, key: incident.KeyOf(lr, res)}
}

// SourceOf names where an event came from: its legacy format (track.source),
// or "otlp:<service>" for OTLP records and records without a source.
func SourceOf(source, service string) string {
	if source == "" || source == track.SourceOTLP {
		return track.SourceOTLP + ":" + service
	}
	return source
}

const (
	nsPerHour     = int64(time.Hour)
	severityError = 17
	markChunk     = 400 // rows of 7 parameters in one statement
)

func addAnalytics(ctx context.Context, tx *sql.Tx, stored []Event) error {
	type srcKey struct {
		minute int64
		source string
	}
	type errKey struct {
		hour int64
		name string
	}
	type errAgg struct {
		n, firstNs int64
		firstID    string
	}
	sources := map[srcKey]int64{}
	errs := map[errKey]errAgg{}
	var marks []any
	for i := range stored {
		ev := &stored[i]
		sources[srcKey{ev.TimeUnixNano / nsPerMinute, SourceOf(ev.Source, ev.Service)}]++
		if ev.SeverityNumber >= severityError {
			k := errKey{ev.TimeUnixNano / nsPerHour, ev.EventName}
			a := errs[k]
			if a.n == 0 || ev.TimeUnixNano < a.firstNs {
				a.firstNs, a.firstID = ev.TimeUnixNano, ev.EventID
			}
			a.n++
			errs[k] = a
		}
		if m := ev.mark; m.kind == incident.Firing || m.kind == incident.Resolving {
			firing := 0
			if m.kind == incident.Firing {
				firing = 1
			}
			marks = append(marks, m.key.String(), m.key.Family, m.key.SubjectValue, m.key.Service, ev.TimeUnixNano, firing, ev.EventID)
		}
	}
	for k, n := range sources {
		if _, err := tx.ExecContext(ctx, `INSERT INTO source_minutes (minute, source, n) VALUES (?,?,?)
			ON CONFLICT (minute, source) DO UPDATE SET n = n + excluded.n`, k.minute, k.source, n); err != nil {
			return fmt.Errorf("count events per source: %w", err)
		}
	}
	for k, a := range errs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO error_hours (event_name, hour, n) VALUES (?,?,?)
			ON CONFLICT (event_name, hour) DO UPDATE SET n = n + excluded.n`, k.name, k.hour, a.n); err != nil {
			return fmt.Errorf("count errors per hour: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO error_first (event_name, first_ns, event_id) VALUES (?,?,?)
			ON CONFLICT (event_name) DO UPDATE SET first_ns = excluded.first_ns, event_id = excluded.event_id
			WHERE excluded.first_ns < error_first.first_ns`, k.name, a.firstNs, a.firstID); err != nil {
			return fmt.Errorf("record first error: %w", err)
		}
	}
	const cols = 7
	for lo := 0; lo < len(marks); lo += markChunk * cols {
		part := marks[lo:min(lo+markChunk*cols, len(marks))]
		q := "INSERT OR IGNORE INTO incident_marks (key, family, subject, service, time_ns, firing, event_id) VALUES (?,?,?,?,?,?,?)" +
			strings.Repeat(",(?,?,?,?,?,?,?)", len(part)/cols-1)
		if _, err := tx.ExecContext(ctx, q, part...); err != nil {
			return fmt.Errorf("record incident marks: %w", err)
		}
	}
	return nil
}

// backfillAnalytics fills the analytics tables from the events a database
// held before it had them (schema version 3), with the same code as inserts.
func backfillAnalytics(ctx context.Context, tx *sql.Tx) error {
	const page = 2000
	var after int64
	for {
		rows, err := tx.QueryContext(ctx, "SELECT "+eventCols+" FROM events e"+withData+" WHERE e.id > ? ORDER BY e.id LIMIT ?", after, page)
		if err != nil {
			return fmt.Errorf("backfill analytics: %w", err)
		}
		var batch []Event
		for rows.Next() {
			ev, err := scanEvent(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("backfill analytics: %w", err)
			}
			batch = append(batch, ev)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("backfill analytics: %w", err)
		}
		for i := range batch {
			res, lr := pcommon.NewResource(), plog.NewLogRecord()
			if err := batch[i].Record(res, lr); err == nil {
				batch[i].mark = markOf(lr, res)
			}
		}
		if err := addAnalytics(ctx, tx, batch); err != nil {
			return err
		}
		if len(batch) < page {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}

// pruneAnalytics drops aggregates older than cut (Unix ns). error_first is
// kept: it is one row per error name and says when it was first seen.
func (s *Store) pruneAnalytics(ctx context.Context, cut int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	for _, q := range []struct {
		sql string
		arg int64
	}{
		{"DELETE FROM source_minutes WHERE minute < ?", cut / nsPerMinute},
		{"DELETE FROM error_hours WHERE hour < ?", cut / nsPerHour},
		{"DELETE FROM incident_marks WHERE time_ns < ?", cut},
		{"DELETE FROM removed_events WHERE removed_ns < ?", cut},
	} {
		if _, err := s.w.ExecContext(ctx, q.sql, q.arg); err != nil {
			return fmt.Errorf("prune analytics: %w", err)
		}
	}
	return nil
}

// Outage is one interval a subject was down (Unix ms); Open when it still is.
type Outage struct {
	Start   int64  `json:"start"`
	End     int64  `json:"end"`
	Open    bool   `json:"open"`
	EventID string `json:"event_id"`
}

// UptimeWindow is a subject's availability over the last Seconds.
type UptimeWindow struct {
	Window  string `json:"window"`
	Seconds int64  `json:"seconds"`
	// Uptime is the share of the known time the subject was up (nil when
	// nothing was heard of it in or before the window). Known time starts
	// at the window's start, or at the first event about the subject.
	Uptime       *float64 `json:"uptime"`
	KnownSeconds float64  `json:"known_seconds"`
	DownSeconds  float64  `json:"down_seconds"`
	Outages      []Outage `json:"outages"`
}

// UptimeSubject is one health check or MCP server.
type UptimeSubject struct {
	Family  string         `json:"family"`
	Subject string         `json:"subject"`
	Service string         `json:"service"`
	Up      bool           `json:"up"`
	Windows []UptimeWindow `json:"windows"`
}

// UptimeWindows are the windows Uptime reports.
var UptimeWindows = []struct {
	Name string
	D    time.Duration
}{{"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}, {"30d", 30 * 24 * time.Hour}}

type markRow struct {
	key, family, subject, service string
	timeNs                        int64
	firing                        bool
	eventID                       string
}

func (s *Store) marks(ctx context.Context, q string, args ...any) ([]markRow, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []markRow
	for rows.Next() {
		var m markRow
		if err := rows.Scan(&m.key, &m.family, &m.subject, &m.service, &m.timeNs, &m.firing, &m.eventID); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

const markCols = "key, family, subject, service, time_ns, firing, event_id"

// marksFrom is, per incident key of the families (all when none), the last
// mark before sinceNs (the state the window starts in) and every mark from
// sinceNs to untilNs, ordered by key and time. With families, only keys with
// a subject count: an event named mcp.x without a server is of family mcp too.
func (s *Store) marksFrom(ctx context.Context, families []string, sinceNs, untilNs int64) ([]markRow, error) {
	fam, args := "", []any{}
	if len(families) > 0 {
		fam = " AND subject != '' AND family IN (?" + strings.Repeat(",?", len(families)-1) + ")"
		for _, f := range families {
			args = append(args, f)
		}
	}
	// SQLite takes the bare columns of a max() aggregate from the row of the max.
	before, err := s.marks(ctx, "SELECT key, family, subject, service, max(time_ns), firing, event_id FROM incident_marks WHERE time_ns < ?"+fam+" GROUP BY key",
		append([]any{sinceNs}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("incident marks: %w", err)
	}
	in, err := s.marks(ctx, "SELECT "+markCols+" FROM incident_marks WHERE time_ns >= ? AND time_ns < ?"+fam+" ORDER BY key, time_ns",
		append([]any{sinceNs, untilNs}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("incident marks: %w", err)
	}
	all := append(before, in...)
	slices.SortStableFunc(all, func(a, b markRow) int {
		return cmp.Or(strings.Compare(a.key, b.key), cmp.Compare(a.timeNs, b.timeNs))
	})
	return all, nil
}

// Uptime is the availability of every health check and MCP server heard of
// in the last 30 days (or before, while still down): down from an event
// that fires its incident (unhealthy, circuit opened, a failure) to the next
// that resolves it (healthy, circuit closed), as internal/incident classifies.
func (s *Store) Uptime(ctx context.Context, now time.Time) ([]UptimeSubject, error) {
	nowNs := now.UnixNano()
	longest := UptimeWindows[len(UptimeWindows)-1].D
	all, err := s.marksFrom(ctx, []string{incident.DomainHealth, incident.DomainMCP}, nowNs-int64(longest), nowNs+1)
	if err != nil {
		return nil, err
	}
	out := []UptimeSubject{}
	for lo := 0; lo < len(all); {
		hi := lo
		for hi < len(all) && all[hi].key == all[lo].key {
			hi++
		}
		out = append(out, uptimeOf(all[lo:hi], nowNs))
		lo = hi
	}
	slices.SortFunc(out, func(a, b UptimeSubject) int {
		return cmp.Or(strings.Compare(a.Family, b.Family), strings.Compare(a.Subject, b.Subject), strings.Compare(a.Service, b.Service))
	})
	return out, nil
}

// uptimeOf turns one subject's marks (time order) into its outages and
// their share of each window.
func uptimeOf(ms []markRow, nowNs int64) UptimeSubject {
	type span struct {
		start, end int64
		open       bool
		id         string
	}
	var downs []span
	down := false
	var cur span
	for _, m := range ms {
		switch {
		case m.firing && !down:
			down, cur = true, span{start: m.timeNs, id: m.eventID}
		case !m.firing && down:
			cur.end = m.timeNs
			downs = append(downs, cur)
			down = false
		}
	}
	if down {
		cur.end, cur.open = nowNs, true
		downs = append(downs, cur)
	}
	u := UptimeSubject{Family: ms[0].family, Subject: ms[0].subject, Service: ms[0].service, Up: !down}
	knownFrom := ms[0].timeNs
	for _, w := range UptimeWindows {
		ws := nowNs - int64(w.D)
		win := UptimeWindow{Window: w.Name, Seconds: int64(w.D / time.Second), Outages: []Outage{}}
		from := max(ws, knownFrom)
		if from < nowNs {
			win.KnownSeconds = float64(nowNs-from) / 1e9
		}
		var downNs int64
		for _, d := range downs {
			a, z := max(d.start, ws), min(d.end, nowNs)
			if z <= a && !(d.open && a == z) {
				continue
			}
			downNs += z - a
			win.Outages = append(win.Outages, Outage{Start: a / 1e6, End: z / 1e6, Open: d.open, EventID: d.id})
		}
		win.DownSeconds = float64(downNs) / 1e9
		if win.KnownSeconds > 0 {
			v := 1 - win.DownSeconds/win.KnownSeconds
			win.Uptime = &v
		}
		u.Windows = append(u.Windows, win)
	}
	return u
}

// ErrorName is one error event name (severity ERROR and above).
type ErrorName struct {
	EventName string `json:"event_name"`
	// Count is the number in the last 24 hours, Previous in the 24 before.
	Count    int64 `json:"count"`
	Previous int64 `json:"previous"`
	// FirstSeen is the time of its first error (Unix ms), FirstEventID
	// that event, since the dashboard has counted errors.
	FirstSeen    int64  `json:"first_seen"`
	FirstEventID string `json:"first_event_id"`
}

// ErrorReport is the top error names and the ones first seen today.
type ErrorReport struct {
	Top            []ErrorName `json:"top"`
	FirstSeenToday []ErrorName `json:"first_seen_today"`
}

// Errors ranks error names over the last 24 hours (whole hours, the current
// one included) against the 24 before, and lists the names whose first
// error is at or after todayNs.
func (s *Store) Errors(ctx context.Context, now time.Time, todayNs int64, limit int) (*ErrorReport, error) {
	h := now.UnixNano() / nsPerHour
	rep := &ErrorReport{Top: []ErrorName{}, FirstSeenToday: []ErrorName{}}
	rows, err := s.r.QueryContext(ctx, `SELECT c.event_name, c.n,
			coalesce((SELECT sum(n) FROM error_hours p WHERE p.event_name = c.event_name AND p.hour > ? AND p.hour <= ?), 0),
			coalesce(f.first_ns, 0), coalesce(f.event_id, '')
		FROM (SELECT event_name, sum(n) AS n FROM error_hours WHERE hour > ? AND hour <= ? GROUP BY event_name) c
		LEFT JOIN error_first f ON f.event_name = c.event_name
		ORDER BY c.n DESC, c.event_name LIMIT ?`, h-48, h-24, h-24, h, limit)
	if err != nil {
		return nil, fmt.Errorf("top errors: %w", err)
	}
	for rows.Next() {
		var e ErrorName
		if err := rows.Scan(&e.EventName, &e.Count, &e.Previous, &e.FirstSeen, &e.FirstEventID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("top errors: %w", err)
		}
		e.FirstSeen /= 1e6
		rep.Top = append(rep.Top, e)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("top errors: %w", err)
	}
	rows, err = s.r.QueryContext(ctx, `SELECT f.event_name, f.first_ns, f.event_id,
			coalesce((SELECT sum(n) FROM error_hours c WHERE c.event_name = f.event_name AND c.hour > ? AND c.hour <= ?), 0)
		FROM error_first f WHERE f.first_ns >= ? ORDER BY f.first_ns DESC LIMIT ?`, h-24, h, todayNs, limit)
	if err != nil {
		return nil, fmt.Errorf("new errors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e ErrorName
		if err := rows.Scan(&e.EventName, &e.FirstSeen, &e.FirstEventID, &e.Count); err != nil {
			return nil, fmt.Errorf("new errors: %w", err)
		}
		e.FirstSeen /= 1e6
		rep.FirstSeenToday = append(rep.FirstSeenToday, e)
	}
	return rep, rows.Err()
}

// SourceRate is the rate of events of one source.
type SourceRate struct {
	Source        string  `json:"source"`
	Total         int64   `json:"total"`
	PerMinute     float64 `json:"per_minute"`
	PeakPerMinute float64 `json:"peak_per_minute"`
	// Series counts the events of each slot (SourceReport.BucketSeconds wide).
	Series []int64 `json:"series"`
}

// SourceReport is events per minute per source over a range.
type SourceReport struct {
	Start         int64        `json:"start"`
	BucketSeconds int64        `json:"bucket_seconds"`
	Sources       []SourceRate `json:"sources"`
}

// Sources counts events per source (SourceOf) in [sinceNs, untilNs) in whole
// minutes, in at most 60 slots.
func (s *Store) Sources(ctx context.Context, sinceNs, untilNs int64) (*SourceReport, error) {
	first, last := sinceNs/nsPerMinute, (untilNs-1)/nsPerMinute
	minutes := last - first + 1
	width := int64(1)
	for (minutes+width-1)/width > 60 {
		width *= 2
	}
	slots := int((minutes + width - 1) / width)
	rep := &SourceReport{Start: first * nsPerMinute / 1e6, BucketSeconds: width * 60, Sources: []SourceRate{}}
	rows, err := s.r.QueryContext(ctx, `SELECT (minute - ?) / ?, source, sum(n) FROM source_minutes
		WHERE minute >= ? AND minute <= ? GROUP BY 1, 2`, first, width, first, last)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	defer rows.Close()
	bySource := map[string]*SourceRate{}
	for rows.Next() {
		var slot, n int64
		var src string
		if err := rows.Scan(&slot, &src, &n); err != nil {
			return nil, fmt.Errorf("sources: %w", err)
		}
		r := bySource[src]
		if r == nil {
			r = &SourceRate{Source: src, Series: make([]int64, slots)}
			bySource[src] = r
		}
		if slot >= 0 && slot < int64(slots) {
			r.Series[slot] += n
		}
		r.Total += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	for _, r := range bySource {
		r.PerMinute = float64(r.Total) / float64(minutes)
		for i, n := range r.Series {
			span := width
			if i == slots-1 && minutes%width != 0 {
				span = minutes % width
			}
			r.PeakPerMinute = max(r.PeakPerMinute, float64(n)/float64(span))
		}
		rep.Sources = append(rep.Sources, *r)
	}
	slices.SortFunc(rep.Sources, func(a, b SourceRate) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), strings.Compare(a.Source, b.Source))
	})
	return rep, nil
}

// Removed is what the store remembers of an event retention removed.
type Removed struct {
	EventID   string `json:"event_id"`
	Time      string `json:"time"`
	EventName string `json:"event_name"`
	RemovedAt string `json:"removed_at"`
}

// RemovedEvent says whether eventID was stored and removed by retention
// (within AnalyticsMaxAge of its removal); ErrNotFound when not.
func (s *Store) RemovedEvent(ctx context.Context, eventID string) (Removed, error) {
	var t, r int64
	rm := Removed{EventID: eventID}
	err := s.r.QueryRowContext(ctx, "SELECT time_ns, event_name, removed_ns FROM removed_events WHERE event_id = ?", eventID).Scan(&t, &rm.EventName, &r)
	if err == sql.ErrNoRows {
		return rm, ErrNotFound
	}
	if err != nil {
		return rm, fmt.Errorf("removed event: %w", err)
	}
	rm.Time = time.Unix(0, t).UTC().Format(time.RFC3339Nano)
	rm.RemovedAt = time.Unix(0, r).UTC().Format(time.RFC3339)
	return rm, nil
}
