package incidentsextension // import "github.com/unitrack/unitrack/extension/incidentsextension"

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/unitrack/unitrack/internal/incidents"
)

// Silences: the API's and the configuration's (static), and Check, which
// notify asks before sending.

const silenceCols = "id, subject, group_key, category, service, event_name, starts_ns, ends_ns, author, comment, suppressed, static_key, created_ns"

// scanSilence scans silenceCols, then into extra the columns after them.
func scanSilence(sc interface{ Scan(...any) error }, extra ...any) (incidents.Silence, error) {
	var s incidents.Silence
	var starts, ends, created int64
	var static string
	m := &s.Matcher
	err := sc.Scan(append([]any{&s.ID, &m.Subject, &m.GroupKey, &m.Category, &m.Service, &m.EventName, &starts, &ends,
		&s.Author, &s.Comment, &s.Suppressed, &static, &created}, extra...)...)
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
			var err error
			if e.Silence, err = scanSilence(rows, &e.Suppressed); err != nil {
				rows.Close()
				return err
			}
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
