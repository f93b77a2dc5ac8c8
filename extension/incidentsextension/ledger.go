package incidentsextension // import "github.com/unitrack/unitrack/extension/incidentsextension"

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/internal/incidents"
)

// pruneInterval is how often retention runs.
const pruneInterval = time.Minute

// defaultLimit bounds a list of incidents when the query does not.
const defaultLimit = 200

type ledger struct {
	cfg    *Config
	logger *zap.Logger
	now    func() time.Time

	db   *db
	stop chan struct{}
	wg   sync.WaitGroup
}

var _ incidents.Ledger = (*ledger)(nil)

func newLedger(cfg *Config, logger *zap.Logger) *ledger {
	return &ledger{cfg: cfg, logger: logger, now: time.Now}
}

func (l *ledger) Start(ctx context.Context, _ component.Host) error {
	d, err := openDB(ctx, l.cfg.Directory)
	if err != nil {
		return err
	}
	l.db = d
	if err := l.syncStatic(ctx, l.now()); err != nil {
		d.close()
		return fmt.Errorf("silences: %w", err)
	}
	l.stop = make(chan struct{})
	l.wg.Add(1)
	go l.pruneLoop(l.stop)
	l.logger.Info("Incident ledger started", zap.String("directory", l.cfg.Directory), zap.Int("static_silences", len(l.cfg.Silences)))
	return nil
}

func (l *ledger) Shutdown(context.Context) error {
	if l.stop == nil {
		return nil // never started, or stopped already
	}
	close(l.stop)
	l.stop = nil
	l.wg.Wait()
	err := l.db.close()
	l.logger.Info("Incident ledger stopped")
	return err
}

func (l *ledger) pruneLoop(stop <-chan struct{}) {
	defer l.wg.Done()
	t := time.NewTicker(pruneInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := l.prune(context.Background(), l.now()); err != nil {
				l.logger.Warn("Incident ledger retention failed", zap.Error(err))
			}
		}
	}
}

// ---- incidents ---------------------------------------------------------------

func (l *ledger) RecordEvents(ctx context.Context, events []incidents.Event) error {
	if len(events) == 0 {
		return nil
	}
	return l.db.write(ctx, func(tx *sql.Tx) error {
		f, err := newFolder(ctx, tx, l.cfg.SampleEventIDs)
		if err != nil {
			return err
		}
		defer f.close()
		for _, ev := range events {
			if err := f.fold(ctx, ev); err != nil {
				return err
			}
		}
		return f.save(ctx)
	})
}

// latestIncident is the id of the newest incident of key; 0 when none.
func latestIncident(ctx context.Context, tx *sql.Tx, key string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM incidents WHERE key = ? ORDER BY id DESC LIMIT 1", key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func (l *ledger) RecordDelivery(ctx context.Context, d incidents.Delivery) error {
	return l.db.write(ctx, func(tx *sql.Tx) error {
		id, err := latestIncident(ctx, tx, d.Key)
		if err != nil {
			return err
		}
		var incID any
		if id != 0 {
			incID = id
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries(incident_id, key, target, time_ns, status, kind, title, text, error, silence_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, incID, d.Key, d.Target, ns(d.Time), d.Status, d.Kind, d.Title, d.Text, d.Error, d.SilenceID); err != nil {
			return err
		}
		if id == 0 {
			return nil
		}
		// A resolution notify sends without a recovery event (its
		// resolve_timeout) resolves the incident here too.
		if d.Kind == "resolved" && d.Status == incidents.DeliveryDelivered {
			if err := updateRows(ctx, tx, resolveAt, "WHERE id = ? AND status = ?", id, incidents.StatusOpen); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM deliveries WHERE incident_id = ? AND id <= (
			SELECT id FROM deliveries WHERE incident_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`, id, id, l.cfg.MaxDeliveries)
		return err
	})
}

func (l *ledger) RecordPost(ctx context.Context, p incidents.Post) error {
	return l.db.write(ctx, func(tx *sql.Tx) error {
		id, err := latestIncident(ctx, tx, p.Key)
		if err != nil || id == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO posts(incident_id, slug, title, path, url, time_ns) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT(incident_id, slug) DO UPDATE SET title = excluded.title, path = excluded.path, url = excluded.url, time_ns = excluded.time_ns`,
			id, p.Slug, p.Title, p.Path, p.URL, ns(p.Time))
		return err
	})
}

const incidentCols = "id, key, title, subject_key, subject, service, category, event_name, status, first_ns, last_ns, resolved_ns, events, sample"

func scanIncident(sc interface{ Scan(...any) error }) (incidents.Incident, error) {
	var in incidents.Incident
	var first, last, res int64
	var sample string
	if err := sc.Scan(&in.ID, &in.Key, &in.Title, &in.SubjectKey, &in.Subject, &in.Service, &in.Category, &in.EventName, &in.Status,
		&first, &last, &res, &in.Events, &sample); err != nil {
		return in, err
	}
	in.FirstSeen, in.LastSeen, in.ResolvedAt = fromNs(first), fromNs(last), fromNs(res)
	end := in.LastSeen
	if !in.ResolvedAt.IsZero() {
		end = in.ResolvedAt
	}
	in.Duration = end.Sub(in.FirstSeen).Seconds()
	in.EventIDs = decodeSample(sample)
	return in, nil
}

func (l *ledger) Incidents(ctx context.Context, q incidents.Query) ([]incidents.Incident, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	query := "SELECT " + incidentCols + " FROM incidents"
	args := []any{}
	if q.Status != "" {
		query += " WHERE status = ?"
		args = append(args, q.Status)
	}
	query += " ORDER BY last_ns DESC, id DESC LIMIT ?"
	rows, err := l.db.sql.QueryContext(ctx, query, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []incidents.Incident{}
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

func (l *ledger) Incident(ctx context.Context, id int64) (incidents.Detail, error) {
	in, err := scanIncident(l.db.sql.QueryRowContext(ctx, "SELECT "+incidentCols+" FROM incidents WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return incidents.Detail{}, fmt.Errorf("incident %d: %w", id, incidents.ErrNotFound)
	}
	if err != nil {
		return incidents.Detail{}, err
	}
	d := incidents.Detail{Incident: in, Deliveries: []incidents.Delivery{}, Posts: []incidents.Post{}}
	rows, err := l.db.sql.QueryContext(ctx, "SELECT target, time_ns, status, kind, title, text, error, silence_id FROM deliveries WHERE incident_id = ? ORDER BY id", id)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		var dl incidents.Delivery
		var t int64
		if err := rows.Scan(&dl.Target, &t, &dl.Status, &dl.Kind, &dl.Title, &dl.Text, &dl.Error, &dl.SilenceID); err != nil {
			return d, err
		}
		dl.Key, dl.Time = in.Key, fromNs(t)
		d.Deliveries = append(d.Deliveries, dl)
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	prows, err := l.db.sql.QueryContext(ctx, "SELECT slug, title, path, url, time_ns FROM posts WHERE incident_id = ? ORDER BY time_ns", id)
	if err != nil {
		return d, err
	}
	defer prows.Close()
	for prows.Next() {
		var p incidents.Post
		var t int64
		if err := prows.Scan(&p.Slug, &p.Title, &p.Path, &p.URL, &t); err != nil {
			return d, err
		}
		p.Key, p.Time = in.Key, fromNs(t)
		d.Posts = append(d.Posts, p)
	}
	return d, prows.Err()
}

func (l *ledger) IncidentOfEvent(ctx context.Context, eventID string) (incidents.Incident, error) {
	in, err := scanIncident(l.db.sql.QueryRowContext(ctx,
		"SELECT "+incidentCols+" FROM incidents WHERE id = (SELECT incident_id FROM event_links WHERE event_id = ?)", eventID))
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("incident of event %q: %w", eventID, incidents.ErrNotFound)
	}
	return in, err
}

// ---- silences ----------------------------------------------------------------

const silenceCols = "id, subject, group_key, category, service, event_name, starts_ns, ends_ns, author, comment, suppressed, static_key, created_ns"

func scanSilence(sc interface{ Scan(...any) error }) (incidents.Silence, error) {
	var s incidents.Silence
	var starts, ends, created int64
	var static string
	m := &s.Matcher
	err := sc.Scan(&s.ID, &m.Subject, &m.GroupKey, &m.Category, &m.Service, &m.EventName, &starts, &ends, &s.Author, &s.Comment, &s.Suppressed, &static, &created)
	s.StartsAt, s.EndsAt, s.CreatedAt, s.Static = fromNs(starts), fromNs(ends), fromNs(created), static != ""
	return s, err
}

func querySilences(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, where string, args ...any) ([]incidents.Silence, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+silenceCols+" FROM silences "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []incidents.Silence{}
	for rows.Next() {
		s, err := scanSilence(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (l *ledger) Silences(ctx context.Context) ([]incidents.Silence, error) {
	return querySilences(ctx, l.db.sql, "ORDER BY ends_ns DESC, id DESC")
}

func (l *ledger) CreateSilence(ctx context.Context, s incidents.Silence) (incidents.Silence, error) {
	now := l.now()
	if s.StartsAt.IsZero() {
		s.StartsAt = now
	}
	if err := s.Validate(); err != nil {
		return s, err
	}
	s.Static, s.Suppressed, s.CreatedAt = false, 0, now.UTC()
	err := l.db.write(ctx, func(tx *sql.Tx) error {
		id, err := insertSilence(ctx, tx, s, "")
		s.ID = id
		return err
	})
	s.StartsAt, s.EndsAt = s.StartsAt.UTC(), s.EndsAt.UTC()
	return s, err
}

func insertSilence(ctx context.Context, tx *sql.Tx, s incidents.Silence, staticKey string) (int64, error) {
	m := s.Matcher
	res, err := tx.ExecContext(ctx, `INSERT INTO silences(subject, group_key, category, service, event_name, starts_ns, ends_ns, author, comment, static_key, created_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.Subject, m.GroupKey, m.Category, m.Service, m.EventName,
		ns(s.StartsAt), ns(s.EndsAt), s.Author, s.Comment, staticKey, ns(s.CreatedAt))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func (l *ledger) ExpireSilence(ctx context.Context, id int64, now time.Time) (incidents.Silence, error) {
	var s incidents.Silence
	err := l.db.write(ctx, func(tx *sql.Tx) error {
		var err error
		s, err = scanSilence(tx.QueryRowContext(ctx, "SELECT "+silenceCols+" FROM silences WHERE id = ?", id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("silence %d: %w", id, incidents.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if s.Static {
			return fmt.Errorf("silence %d: %w", id, incidents.ErrStatic)
		}
		if !s.EndsAt.After(now) {
			return nil // already over
		}
		s.EndsAt = now.UTC()
		if s.StartsAt.After(s.EndsAt) {
			s.StartsAt = s.EndsAt
		}
		_, err = tx.ExecContext(ctx, "UPDATE silences SET ends_ns = ?, starts_ns = ? WHERE id = ?", ns(s.EndsAt), ns(s.StartsAt), id)
		return err
	})
	return s, err
}

// syncStatic makes the static silences in the database those of the
// configuration, keeping the suppressed counts of the ones that stay.
func (l *ledger) syncStatic(ctx context.Context, now time.Time) error {
	want := map[string]incidents.Silence{}
	for _, sc := range l.cfg.Silences {
		s := sc.silence()
		if sc.StartsAt.IsZero() {
			s.StartsAt = time.Time{}
		}
		want[staticKey(sc)] = s
	}
	return l.db.write(ctx, func(tx *sql.Tx) error {
		have := map[string]bool{}
		rows, err := tx.QueryContext(ctx, "SELECT static_key FROM silences WHERE static_key != ''")
		if err != nil {
			return err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return err
			}
			have[k] = true
		}
		rows.Close()
		for k := range have {
			if _, ok := want[k]; !ok {
				if _, err := tx.ExecContext(ctx, "DELETE FROM silences WHERE static_key = ?", k); err != nil {
					return err
				}
			}
		}
		for k, s := range want {
			if have[k] {
				continue
			}
			if s.StartsAt.IsZero() {
				s.StartsAt = now
			}
			s.CreatedAt = now
			if _, err := insertSilence(ctx, tx, s, k); err != nil {
				return err
			}
		}
		return nil
	})
}

func staticKey(s SilenceConfig) string {
	h := sha256.New()
	m := s.Matcher
	for _, p := range []string{m.Subject, m.GroupKey, m.Category, m.Service, m.EventName,
		s.StartsAt.UTC().Format(time.RFC3339Nano), s.EndsAt.UTC().Format(time.RFC3339Nano), s.Author, s.Comment} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func (l *ledger) Check(ctx context.Context, n incidents.Notification, now time.Time) (incidents.Verdict, error) {
	var v incidents.Verdict
	err := l.db.write(ctx, func(tx *sql.Tx) error {
		t := ns(now)
		active, err := querySilences(ctx, tx, "WHERE starts_ns <= ? AND ends_ns > ? ORDER BY id", t, t)
		if err != nil {
			return err
		}
		for _, s := range active {
			if !s.Matcher.Matches(n) {
				continue
			}
			v.SilencedBy = s.ID
			if _, err := tx.ExecContext(ctx, "UPDATE silences SET suppressed = suppressed + 1 WHERE id = ?", s.ID); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO suppressions(incident_key, silence_id, count) VALUES (?, ?, 1)
				ON CONFLICT(incident_key, silence_id) DO UPDATE SET count = count + 1, noted = 0`, n.Key, s.ID)
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+prefixed("s.", silenceCols)+`, p.count FROM suppressions p JOIN silences s ON s.id = p.silence_id
			WHERE p.incident_key = ? AND p.noted = 0 AND s.ends_ns <= ? ORDER BY s.ends_ns`, n.Key, t)
		if err != nil {
			return err
		}
		for rows.Next() {
			var e incidents.Expired
			var starts, ends, created int64
			var static string
			s := &e.Silence
			m := &s.Matcher
			if err := rows.Scan(&s.ID, &m.Subject, &m.GroupKey, &m.Category, &m.Service, &m.EventName, &starts, &ends,
				&s.Author, &s.Comment, &s.Suppressed, &static, &created, &e.Suppressed); err != nil {
				rows.Close()
				return err
			}
			s.StartsAt, s.EndsAt, s.CreatedAt, s.Static = fromNs(starts), fromNs(ends), fromNs(created), static != ""
			v.Expired = append(v.Expired, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, e := range v.Expired {
			if _, err := tx.ExecContext(ctx, "UPDATE suppressions SET noted = 1 WHERE incident_key = ? AND silence_id = ?", n.Key, e.Silence.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return v, err
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// ---- retention ---------------------------------------------------------------

// prune resolves quiet incidents and enforces max_age, max_incidents,
// max_event_links.
func (l *ledger) prune(ctx context.Context, now time.Time) error {
	return l.db.write(ctx, func(tx *sql.Tx) error {
		if l.cfg.ResolveTimeout > 0 {
			if err := updateRows(ctx, tx, resolveAt, "WHERE status = ? AND last_ns < ?", incidents.StatusOpen, ns(now.Add(-l.cfg.ResolveTimeout))); err != nil {
				return err
			}
		}
		var removed int64
		if l.cfg.MaxAge > 0 {
			cut := ns(now.Add(-l.cfg.MaxAge))
			res, err := tx.ExecContext(ctx, "DELETE FROM incidents WHERE last_ns < ?", cut)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			removed += n
			if _, err := tx.ExecContext(ctx, "DELETE FROM silences WHERE static_key = '' AND ends_ns < ?", cut); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM incidents WHERE id IN (
			SELECT id FROM incidents ORDER BY last_ns DESC, id DESC LIMIT -1 OFFSET ?)`, l.cfg.MaxIncidents)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		removed += n
		orphans := []string{"DELETE FROM suppressions WHERE silence_id NOT IN (SELECT id FROM silences)"}
		if removed > 0 {
			// What belonged to the removed incidents (scans: only when some went).
			orphans = append(orphans,
				"DELETE FROM event_links WHERE incident_id NOT IN (SELECT id FROM incidents)",
				"DELETE FROM deliveries WHERE incident_id IS NOT NULL AND incident_id NOT IN (SELECT id FROM incidents)",
				"DELETE FROM posts WHERE incident_id NOT IN (SELECT id FROM incidents)")
		}
		for _, q := range orphans {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		if l.cfg.MaxAge > 0 {
			// One-shot deliveries belong to no incident.
			if _, err := tx.ExecContext(ctx, "DELETE FROM deliveries WHERE incident_id IS NULL AND time_ns < ?", ns(now.Add(-l.cfg.MaxAge))); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM event_links WHERE seq <= (
			SELECT seq FROM event_links ORDER BY seq DESC LIMIT 1 OFFSET ?)`, l.cfg.MaxEventLinks)
		return err
	})
}
