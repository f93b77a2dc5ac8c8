package incidentsextension // import "github.com/unitrack/unitrack/extension/incidentsextension"

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
