package incidentsextension // import "github.com/unitrack/unitrack/extension/incidentsextension"

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/unitrack/unitrack/internal/clip"
	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/incidents"
)

// This file folds events into incidents and keeps each incident's title,
// the plain sentence of internal/incident, current as they arrive: the one
// place that says an incident in words for every reader of the ledger.

// Bounds of what the ledger keeps of a firing event for its title (the
// sentence quotes one line of each, and clips itself).
const (
	maxBodyRunes = 1000
	maxFactRunes = 1000
)

// incidentRow is an incident as it is updated: what folding changes and
// what its title is written from.
type incidentRow struct {
	id                                int64
	key, subjectKey, subject, service string
	first, last, res                  int64
	events, failures                  int64
	sample                            []string
	status                            string
	// fireEvent, fireBody and fireFacts are those of the latest firing
	// event; resolvedBy is the name of the event that resolved it.
	fireEvent, fireBody string
	fireFacts           map[string]string
	resolvedBy          string
	// dirty: changed in this transaction, to be saved.
	dirty bool
}

const rowCols = "id, key, subject_key, subject, service, first_ns, last_ns, resolved_ns, events, failures, sample, status, fire_event, fire_body, fire_facts, resolved_by"

func scanRow(sc interface{ Scan(...any) error }) (*incidentRow, error) {
	r := &incidentRow{}
	var sample, facts string
	if err := sc.Scan(&r.id, &r.key, &r.subjectKey, &r.subject, &r.service, &r.first, &r.last, &r.res, &r.events, &r.failures,
		&sample, &r.status, &r.fireEvent, &r.fireBody, &facts, &r.resolvedBy); err != nil {
		return nil, err
	}
	r.sample = decodeSample(sample)
	_ = json.Unmarshal([]byte(facts), &r.fireFacts)
	return r, nil
}

// story is what internal/incident tells the incident from.
func (r *incidentRow) story() incident.Story {
	st := incident.Story{
		Kind: incident.Firing, SubjectKey: r.subjectKey, Subject: r.subject, Service: r.service,
		EventName: r.fireEvent, Body: r.fireBody, Facts: r.fireFacts,
		Events: r.events, Failures: r.failures, FirstSeen: fromNs(r.first), LastSeen: fromNs(r.last),
	}
	if r.status == incidents.StatusResolved {
		st.Kind, st.ResolvedAt, st.ResolvedBy = incident.Resolving, fromNs(r.res), r.resolvedBy
	}
	return st
}

// title is the incident in plain words; its key when nothing names it.
func (r *incidentRow) title() string {
	if s := incident.Sentence(r.story()); s != "" {
		return s
	}
	return r.key
}

// add folds one (new) event into the incident.
func (r *incidentRow) add(ev incidents.Event) {
	t := ns(ev.Time)
	r.events++
	r.first = min(r.first, t)
	r.last = max(r.last, t)
	r.dirty = true
	switch ev.Kind {
	case incident.Firing.String():
		r.failures++
		r.fireEvent, r.fireBody, r.fireFacts = ev.EventName, clip.Runes(ev.Body, maxBodyRunes), clipFacts(ev.Facts)
	case incident.Resolving.String():
		r.status, r.res, r.resolvedBy = incidents.StatusResolved, t, ev.EventName
	}
}

func clipFacts(f map[string]string) map[string]string {
	if len(f) == 0 {
		return nil
	}
	out := make(map[string]string, len(f))
	for k, v := range f {
		out[k] = clip.Runes(v, maxFactRunes)
	}
	return out
}

// saveRow writes the row and its title.
func saveRow(ctx context.Context, tx *sql.Tx, r *incidentRow) error {
	facts := "{}"
	if len(r.fireFacts) > 0 {
		b, err := json.Marshal(r.fireFacts)
		if err != nil {
			return err
		}
		facts = string(b)
	}
	_, err := tx.ExecContext(ctx, `UPDATE incidents SET first_ns = ?, last_ns = ?, resolved_ns = ?, status = ?, events = ?, failures = ?, sample = ?,
		fire_event = ?, fire_body = ?, fire_facts = ?, resolved_by = ?, title = ? WHERE id = ?`,
		r.first, r.last, r.res, r.status, r.events, r.failures, encodeSample(r.sample),
		r.fireEvent, r.fireBody, facts, r.resolvedBy, r.title(), r.id)
	return err
}

// updateRows applies change to the incidents where selects and saves them
// with their new title.
func updateRows(ctx context.Context, tx *sql.Tx, change func(*incidentRow), where string, args ...any) error {
	rows, err := tx.QueryContext(ctx, "SELECT "+rowCols+" FROM incidents "+where, args...)
	if err != nil {
		return err
	}
	var all []*incidentRow
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		change(r)
		if err := saveRow(ctx, tx, r); err != nil {
			return err
		}
	}
	return nil
}

// resolveAt resolves an incident without a recovery event, at its last one.
func resolveAt(r *incidentRow) {
	r.status, r.res = incidents.StatusResolved, max(r.last, r.first)
}

// folder folds the events of one RecordEvents call in its transaction.
type folder struct {
	tx         *sql.Tx
	sampleSize int
	// open holds each key's newest incident (nil: none) as it is updated.
	open map[string]*incidentRow
	// touched keeps, in order, every incident to save: also one resolved
	// and replaced within the batch.
	touched    []*incidentRow
	seq        int64
	seen, link *sql.Stmt
}

func newFolder(ctx context.Context, tx *sql.Tx, sampleSize int) (*folder, error) {
	f := &folder{tx: tx, sampleSize: sampleSize, open: map[string]*incidentRow{}}
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM event_links").Scan(&f.seq); err != nil {
		return nil, err
	}
	var err error
	if f.seen, err = tx.PrepareContext(ctx, "SELECT 1 FROM event_links WHERE event_id = ?"); err != nil {
		return nil, err
	}
	if f.link, err = tx.PrepareContext(ctx, "INSERT OR IGNORE INTO event_links(event_id, incident_id, seq) VALUES (?, ?, ?)"); err != nil {
		f.seen.Close()
		return nil, err
	}
	return f, nil
}

func (f *folder) close() {
	f.seen.Close()
	f.link.Close()
}

// fold adds one event to its incident: it opens one when it fires and
// none is open, and is counted once by its event id.
func (f *folder) fold(ctx context.Context, ev incidents.Event) error {
	inc, err := f.incidentOf(ctx, ev)
	if err != nil || inc == nil {
		return err
	}
	if ev.EventID != "" {
		fresh, err := f.linkEvent(ctx, ev.EventID, inc)
		if err != nil || !fresh {
			return err
		}
	}
	if !inc.dirty {
		f.touched = append(f.touched, inc)
	}
	inc.add(ev)
	return nil
}

// incidentOf is the open incident ev joins, a new one when ev fires, or
// nil when it joins none.
func (f *folder) incidentOf(ctx context.Context, ev incidents.Event) (*incidentRow, error) {
	inc, ok := f.open[ev.Key]
	if !ok {
		var err error
		if inc, err = loadNewest(ctx, f.tx, ev.Key); err != nil {
			return nil, err
		}
		f.open[ev.Key] = inc
	}
	if inc != nil && inc.status == incidents.StatusOpen {
		return inc, nil
	}
	if ev.Kind != incident.Firing.String() {
		return nil, nil
	}
	if ev.EventID != "" {
		var one int
		switch err := f.seen.QueryRowContext(ctx, ev.EventID).Scan(&one); {
		case err == nil:
			return nil, nil // folded in already (notify and blog both saw it)
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
	}
	inc, err := insertIncident(ctx, f.tx, ev)
	if err != nil {
		return nil, err
	}
	f.open[ev.Key] = inc
	return inc, nil
}

// linkEvent links an event id to inc and adds it to its sample; false when
// the id was folded in already (notify and blog both saw it).
func (f *folder) linkEvent(ctx context.Context, eventID string, inc *incidentRow) (bool, error) {
	res, err := f.link.ExecContext(ctx, eventID, inc.id, f.seq+1)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, nil
	}
	f.seq++
	inc.sample = append(inc.sample, eventID)
	if over := len(inc.sample) - f.sampleSize; over > 0 {
		inc.sample = inc.sample[over:]
	}
	return true, nil
}

func (f *folder) save(ctx context.Context) error {
	for _, r := range f.touched {
		if err := saveRow(ctx, f.tx, r); err != nil {
			return err
		}
	}
	return nil
}

// loadNewest returns the newest incident of key, or nil.
func loadNewest(ctx context.Context, tx *sql.Tx, key string) (*incidentRow, error) {
	r, err := scanRow(tx.QueryRowContext(ctx, "SELECT "+rowCols+" FROM incidents WHERE key = ? ORDER BY id DESC LIMIT 1", key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

func insertIncident(ctx context.Context, tx *sql.Tx, ev incidents.Event) (*incidentRow, error) {
	t := ns(ev.Time)
	res, err := tx.ExecContext(ctx, `INSERT INTO incidents(key, subject_key, subject, service, category, event_name, status, first_ns, last_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ev.Key, ev.SubjectKey, ev.Subject, ev.Service, ev.Category, ev.EventName, incidents.StatusOpen, t, t)
	if err != nil {
		return nil, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, err
	}
	return &incidentRow{id: id, key: ev.Key, subjectKey: ev.SubjectKey, subject: ev.Subject, service: ev.Service,
		first: t, last: t, status: incidents.StatusOpen, sample: []string{}}, nil
}
