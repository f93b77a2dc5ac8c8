package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Filter selects events. Empty fields do not filter; several values of one
// field are alternatives (OR), different fields all apply (AND).
type Filter struct {
	// SeverityMin keeps events with severity_number >= SeverityMin.
	SeverityMin int32
	Categories  []string
	Sources     []string
	Services    []string
	EventNames  []string
	TraceID     string
	// SinceNs and UntilNs bound the event time: SinceNs <= time < UntilNs.
	SinceNs int64
	UntilNs int64
	// Text is a full-text query over bodies and attribute values: every word
	// must occur; a word ending in * matches as a prefix.
	Text string
	// BeforeID and AfterID bound the row id (cursor paging, live catch-up).
	BeforeID int64
	AfterID  int64
}

// ErrNotFound is returned by Get for an unknown event id.
var ErrNotFound = errors.New("event not found")

// eventCols are read from events e (the narrow, filterable columns) and
// event_data d (the rest), joined on the row id.
const eventCols = `e.id, e.event_id, e.time_ns, d.observed_ns, e.severity_number, d.severity_text, e.event_name,
	e.category, e.source, e.service, d.body, d.body_json, e.trace_id, e.span_id, d.flags, d.routes, d.scope,
	d.scope_version, d.attributes, d.resource`

// withData joins event_data after events e; CROSS JOIN keeps events the
// outer loop, so filters run over the narrow table and only the rows that
// pass are looked up in the wide one.
const withData = " CROSS JOIN event_data d ON d.id = e.id"

func scanEvent(sc interface{ Scan(...any) error }) (Event, error) {
	var ev Event
	var routes string
	var flags int64
	err := sc.Scan(&ev.ID, &ev.EventID, &ev.TimeUnixNano, &ev.ObservedUnixNano, &ev.SeverityNumber, &ev.SeverityText,
		&ev.EventName, &ev.Category, &ev.Source, &ev.Service, &ev.Body, &ev.BodyJSON, &ev.TraceID, &ev.SpanID,
		&flags, &routes, &ev.Scope, &ev.ScopeVersion, &ev.Attributes, &ev.Resource)
	ev.Flags = uint32(flags)
	if routes != "" {
		ev.Routes = strings.Split(routes, ",")
	}
	return ev, err
}

// FTSQuery turns what a user typed into an FTS5 query: each word becomes a
// quoted phrase (so operators and punctuation are taken literally), text in
// double quotes stays one phrase, and a trailing * makes a word a prefix
// query. Every part must match. It returns "" when nothing is searchable.
func FTSQuery(text string) string {
	// NUL ends a string for SQLite's FTS5 parser; no control character is
	// searchable anyway.
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, text)
	var parts []string
	add := func(w string, prefix bool) {
		w = strings.TrimSpace(strings.ReplaceAll(w, `"`, " "))
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) {
			return
		}
		p := `"` + w + `"`
		if prefix {
			p += "*"
		}
		parts = append(parts, p)
	}
	for text != "" {
		text = strings.TrimLeftFunc(text, unicode.IsSpace)
		if text == "" {
			break
		}
		if text[0] == '"' {
			if end := strings.IndexByte(text[1:], '"'); end >= 0 {
				add(text[1:1+end], false)
				text = text[end+2:]
				continue
			}
			text = text[1:] // an unmatched quote is ignored
			continue
		}
		end := strings.IndexFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
		if end < 0 {
			end = len(text)
		}
		w := text[:end]
		text = text[end:]
		prefix := strings.HasSuffix(w, "*")
		add(strings.Trim(w, "*"), prefix)
	}
	return strings.Join(parts, " AND ")
}

// where builds the WHERE clause (without the full-text match) for f over
// table alias e.
func (f *Filter) where(args []any) (string, []any) {
	var conds []string
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		if len(vals) == 1 {
			conds = append(conds, col+" = ?")
			args = append(args, vals[0])
			return
		}
		conds = append(conds, col+" IN (?"+strings.Repeat(",?", len(vals)-1)+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	if f.SeverityMin > 0 {
		conds = append(conds, "e.severity_number >= ?")
		args = append(args, f.SeverityMin)
	}
	in("e.category", f.Categories)
	in("e.source", f.Sources)
	in("e.service", f.Services)
	in("e.event_name", f.EventNames)
	if f.TraceID != "" {
		conds = append(conds, "e.trace_id = ?")
		args = append(args, strings.ToLower(f.TraceID))
	}
	if f.SinceNs != 0 {
		conds = append(conds, "e.time_ns >= ?")
		args = append(args, f.SinceNs)
	}
	if f.UntilNs != 0 {
		conds = append(conds, "e.time_ns < ?")
		args = append(args, f.UntilNs)
	}
	if f.BeforeID > 0 {
		conds = append(conds, "e.id < ?")
		args = append(args, f.BeforeID)
	}
	if f.AfterID > 0 {
		conds = append(conds, "e.id > ?")
		args = append(args, f.AfterID)
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// from is the FROM ... WHERE part for f, driving from the full-text index
// (newest rowid first) when f has a text query; data joins event_data d.
func (f *Filter) from(data ...bool) (string, []any, bool) {
	join := ""
	if len(data) > 0 && data[0] {
		join = withData
	}
	fts := FTSQuery(f.Text)
	if fts == "" {
		w, args := f.where(nil)
		return " FROM events e" + join + w, args, false
	}
	w, args := f.where([]any{fts})
	if w == "" {
		w = " WHERE events_fts MATCH ?"
	} else {
		w = " WHERE events_fts MATCH ? AND " + strings.TrimPrefix(w, " WHERE ")
	}
	return " FROM events_fts CROSS JOIN events e ON e.id = events_fts.rowid" + join + w, args, true
}

// Query returns up to limit events matching f, newest (highest id) first,
// and the cursor (the BeforeID) for the next page, 0 when there is none.
func (s *Store) Query(ctx context.Context, f Filter, limit int) ([]Event, int64, error) {
	if limit <= 0 {
		limit = 100
	}
	from, args, fts := f.from(true)
	order := " ORDER BY e.id DESC"
	if fts {
		order = " ORDER BY events_fts.rowid DESC"
	}
	q := "SELECT " + eventCols + from + order + " LIMIT ?"
	args = append(args, limit+1)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("query events: %w", err)
	}
	defer rows.Close()
	out := make([]Event, 0, min(limit, 256))
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("read event: %w", err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("query events: %w", err)
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// Get returns the event with the given event id.
func (s *Store) Get(ctx context.Context, eventID string) (Event, error) {
	ev, err := scanEvent(s.r.QueryRowContext(ctx, "SELECT "+eventCols+" FROM events e"+withData+" WHERE e.event_id = ?", eventID))
	if errors.Is(err, sql.ErrNoRows) {
		return ev, ErrNotFound
	}
	if err != nil {
		return ev, fmt.Errorf("get event: %w", err)
	}
	return ev, nil
}

// Each calls fn for every event matching f, oldest first, reading in pages so
// that no read transaction stays open long.
func (s *Store) Each(ctx context.Context, f Filter, fn func(*Event) error) error {
	f.BeforeID = 0
	const page = 1000
	for {
		from, args, fts := f.from(true)
		order := " ORDER BY e.id ASC"
		if fts {
			order = " ORDER BY events_fts.rowid ASC"
		}
		rows, err := s.r.QueryContext(ctx, "SELECT "+eventCols+from+order+" LIMIT ?", append(args, page)...)
		if err != nil {
			return fmt.Errorf("query events: %w", err)
		}
		var batch []Event
		for rows.Next() {
			ev, err := scanEvent(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("read event: %w", err)
			}
			batch = append(batch, ev)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("query events: %w", err)
		}
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		if len(batch) < page {
			return nil
		}
		f.AfterID = batch[len(batch)-1].ID
	}
}

// Count is the number of stored events.
func (s *Store) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n)
	return n, err
}

// FacetCount is one value of a facet and how many events have it.
type FacetCount struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// HistogramBucket counts the events of one time slot per severity bucket.
type HistogramBucket struct {
	// Start is the slot's start, in Unix milliseconds.
	Start  int64            `json:"start"`
	Counts map[string]int64 `json:"counts"`
}

// Stats is what /api/stats serves.
type Stats struct {
	Total int64 `json:"total"`
	// Facets count, per dimension, the events matching the filter with that
	// dimension's own filter left out (so the other values stay visible).
	Facets map[string][]FacetCount `json:"facets"`
	// FacetSample is the number of newest matching events the facets were
	// counted over (the counts are exact when fewer matched).
	FacetSample   int               `json:"facet_sample"`
	BucketSeconds int64             `json:"bucket_seconds"`
	Histogram     []HistogramBucket `json:"histogram"`
	Status        []StatusEntry     `json:"status"`
	TaskFailures  []JSON            `json:"task_failures"`
}

// FacetSample bounds the rows one facet count reads.
const FacetSample = 100_000

// Stats computes facets and the histogram for f, and the status board.
// The histogram covers [f.SinceNs, f.UntilNs), by default the last hour.
func (s *Store) Stats(ctx context.Context, f Filter, now time.Time) (*Stats, error) {
	st := &Stats{Facets: map[string][]FacetCount{}, FacetSample: FacetSample}
	var err error
	if st.Total, err = s.Count(ctx); err != nil {
		return nil, fmt.Errorf("count: %w", err)
	}
	f.BeforeID, f.AfterID = 0, 0
	if err := s.allFacets(ctx, st, f); err != nil {
		return nil, err
	}
	if st.BucketSeconds, st.Histogram, err = s.histogram(ctx, f, now); err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	if st.Status, err = s.Status(ctx); err != nil {
		return nil, err
	}
	if st.TaskFailures, err = s.TaskFailures(ctx, 20); err != nil {
		return nil, err
	}
	return st, nil
}

// facetDim is one dimension the facets count, and how to leave its own
// filter out.
type facetDim struct {
	name, col string
	clear     func(*Filter)
}

var facetDims = []facetDim{
	{"severity", "e.severity_number", func(g *Filter) { g.SeverityMin = 0 }},
	{"category", "e.category", func(g *Filter) { g.Categories = nil }},
	{"source", "e.source", func(g *Filter) { g.Sources = nil }},
	{"service", "e.service", func(g *Filter) { g.Services = nil }},
	{"event_name", "e.event_name", func(g *Filter) { g.EventNames = nil }},
}

// allFacets counts every dimension. Dimensions without a filter of their
// own share the base filter: one pass counts them all. A filtered
// dimension is counted with its own filter left out.
func (s *Store) allFacets(ctx context.Context, st *Stats, f Filter) error {
	var shared []facetDim
	for _, d := range facetDims {
		g := f
		d.clear(&g)
		if filterEqual(&g, &f) {
			shared = append(shared, d)
			continue
		}
		if err := s.facets(ctx, st, g, []facetDim{d}); err != nil {
			return err
		}
	}
	if len(shared) == 0 {
		return nil
	}
	return s.facets(ctx, st, f, shared)
}

// histogram counts events per slot and severity bucket over [f.SinceNs,
// f.UntilNs) (by default the last hour), in slots of a minute widened so a
// long range keeps <= 240 of them. It returns the slot width in seconds.
func (s *Store) histogram(ctx context.Context, f Filter, now time.Time) (int64, []HistogramBucket, error) {
	h := f
	if h.UntilNs == 0 {
		h.UntilNs = now.UnixNano()
	}
	if h.SinceNs == 0 {
		h.SinceNs = h.UntilNs - int64(time.Hour)
	}
	width := int64(time.Minute)
	for (h.UntilNs-h.SinceNs)/width > 240 {
		width *= 2
	}
	slots, err := s.histogramSlots(ctx, h, width)
	if err != nil {
		return 0, nil, err
	}
	var out []HistogramBucket
	for slot := h.SinceNs / width; slot <= (h.UntilNs-1)/width; slot++ {
		c := slots[slot]
		if c == nil {
			c = map[string]int64{}
		}
		out = append(out, HistogramBucket{Start: slot * width / int64(time.Millisecond), Counts: c})
	}
	return width / int64(time.Second), out, nil
}

// histogramSlots counts the events of h per slot of width and severity bucket.
func (s *Store) histogramSlots(ctx context.Context, h Filter, width int64) (map[int64]map[string]int64, error) {
	var q string
	var args []any
	if h.onlyTime() {
		// Whole minutes from the per-minute counts; a slot is a whole
		// number of minutes, so only the range's first and last minute
		// may count a little more than the exact range.
		q = "SELECT minute * ? / ?, severity_number, sum(n) FROM minute_counts WHERE minute >= ? AND minute <= ? GROUP BY 1, 2"
		args = []any{nsPerMinute, width, h.SinceNs / nsPerMinute, (h.UntilNs - 1) / nsPerMinute}
	} else {
		var from string
		from, args, _ = h.from()
		q = "SELECT e.time_ns / ? AS slot, e.severity_number, count(*)" + from + " GROUP BY slot, e.severity_number"
		args = append([]any{width}, args...)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	slots := map[int64]map[string]int64{}
	for rows.Next() {
		var slot, n int64
		var sev int32
		if err := rows.Scan(&slot, &sev, &n); err != nil {
			return nil, err
		}
		if n <= 0 {
			continue
		}
		m := slots[slot]
		if m == nil {
			m = map[string]int64{}
			slots[slot] = m
		}
		m[SeverityBucket(sev)] += n
	}
	return slots, rows.Err()
}

// onlyTime reports whether f filters on nothing but the time range.
func (f *Filter) onlyTime() bool {
	return f.SeverityMin == 0 && len(f.Categories) == 0 && len(f.Sources) == 0 && len(f.Services) == 0 &&
		len(f.EventNames) == 0 && f.TraceID == "" && FTSQuery(f.Text) == "" && f.BeforeID == 0 && f.AfterID == 0
}

func filterEqual(a, b *Filter) bool {
	return a.SeverityMin == b.SeverityMin && slices.Equal(a.Categories, b.Categories) &&
		slices.Equal(a.Sources, b.Sources) && slices.Equal(a.Services, b.Services) &&
		slices.Equal(a.EventNames, b.EventNames)
}

// facets counts the values of dims over the newest FacetSample events
// matching f, in one pass.
// facets counts dims over the newest FacetSample events of f, in one pass.
func (s *Store) facets(ctx context.Context, st *Stats, f Filter, dims []facetDim) error {
	from, args, fts := f.from()
	order := "e.id"
	if fts {
		order = "events_fts.rowid"
	}
	inner := make([]string, len(dims))
	outer := make([]string, len(dims))
	for i, d := range dims {
		outer[i] = "c" + strconv.Itoa(i)
		inner[i] = d.col + " AS " + outer[i]
	}
	list := strings.Join(outer, ", ")
	q := "SELECT " + list + ", count(*) FROM (SELECT " + strings.Join(inner, ", ") + from + " ORDER BY " + order +
		" DESC LIMIT " + strconv.Itoa(FacetSample) + ") GROUP BY " + list
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("facets: %w", err)
	}
	defer rows.Close()
	counts, err := scanFacets(rows, dims)
	if err != nil {
		return fmt.Errorf("facets: %w", err)
	}
	for i, d := range dims {
		st.Facets[d.name] = facetList(d, counts[i])
	}
	return nil
}

// scanFacets adds up the grouped rows per dimension and value (severities
// by bucket).
func scanFacets(rows *sql.Rows, dims []facetDim) ([]map[string]int64, error) {
	counts := make([]map[string]int64, len(dims))
	for i := range counts {
		counts[i] = map[string]int64{}
	}
	vals := make([]sql.RawBytes, len(dims))
	dest := make([]any, len(dims)+1)
	for i := range vals {
		dest[i] = &vals[i]
	}
	var n int64
	dest[len(dims)] = &n
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		for i, d := range dims {
			v := string(vals[i])
			if d.name == "severity" {
				sn, _ := strconv.Atoi(v)
				v = SeverityBucket(int32(sn))
			}
			counts[i][v] += n
		}
	}
	return counts, rows.Err()
}

// facetList orders a dimension's counts: severities in their order, other
// values by count (then value), the first 50.
func facetList(d facetDim, counts map[string]int64) []FacetCount {
	out := []FacetCount{}
	if d.name == "severity" {
		for _, b := range severityBuckets {
			if c := counts[b]; c > 0 {
				out = append(out, FacetCount{Value: b, Count: c})
			}
		}
		return out
	}
	for v, c := range counts {
		out = append(out, FacetCount{Value: v, Count: c})
	}
	slices.SortFunc(out, func(a, b FacetCount) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return strings.Compare(a.Value, b.Value)
	})
	if len(out) > 50 {
		out = out[:50]
	}
	return out
}

// Status is the status board: the latest state per health check and per MCP
// server circuit breaker.
func (s *Store) Status(ctx context.Context) ([]StatusEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT kind, subject, service, state, time_ns, event_id, event_name, severity_number, message
		FROM status ORDER BY kind, subject, service`)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	defer rows.Close()
	out := []StatusEntry{}
	for rows.Next() {
		var e StatusEntry
		var t int64
		if err := rows.Scan(&e.Kind, &e.Subject, &e.Service, &e.State, &t, &e.EventID, &e.EventName, &e.SeverityNumber, &e.Message); err != nil {
			return nil, fmt.Errorf("status: %w", err)
		}
		e.Time = time.Unix(0, t).UTC().Format(time.RFC3339Nano)
		out = append(out, e)
	}
	return out, rows.Err()
}

// TaskFailures are the newest task.failed events that were final (no retry
// left, or task.final absent).
func (s *Store) TaskFailures(ctx context.Context, limit int) ([]JSON, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+eventCols+` FROM events e`+withData+` WHERE e.event_name = 'task.failed'
		AND coalesce(json_extract(d.attributes, '$."task.final"'), 1) = 1 ORDER BY e.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("task failures: %w", err)
	}
	defer rows.Close()
	out := []JSON{}
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("task failures: %w", err)
		}
		out = append(out, ev.ToJSON())
	}
	return out, rows.Err()
}

// Match reports whether ev passes f, for events that are not read back from
// the database (the live stream). The text query is approximated by a
// case-insensitive substring test of each word.
func (f *Filter) Match(ev *Event) bool {
	if f.SeverityMin > 0 && ev.SeverityNumber < f.SeverityMin {
		return false
	}
	if !matchAny(f.Categories, ev.Category) || !matchAny(f.Sources, ev.Source) ||
		!matchAny(f.Services, ev.Service) || !matchAny(f.EventNames, ev.EventName) {
		return false
	}
	if f.TraceID != "" && !strings.EqualFold(f.TraceID, ev.TraceID) {
		return false
	}
	if f.SinceNs != 0 && ev.TimeUnixNano < f.SinceNs || f.UntilNs != 0 && ev.TimeUnixNano >= f.UntilNs {
		return false
	}
	if f.BeforeID > 0 && ev.ID >= f.BeforeID || f.AfterID > 0 && ev.ID <= f.AfterID {
		return false
	}
	if FTSQuery(f.Text) != "" {
		hay := strings.ToLower(ev.Body + " " + ev.text + " " + ev.Attributes)
		for _, p := range strings.Split(FTSQuery(strings.ToLower(f.Text)), " AND ") {
			p = strings.TrimSuffix(strings.TrimSuffix(p, "*"), `"`)
			p = strings.TrimPrefix(p, `"`)
			if p != "" && !strings.Contains(hay, p) {
				return false
			}
		}
	}
	return true
}

func matchAny(vals []string, v string) bool {
	if len(vals) == 0 {
		return true
	}
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}
