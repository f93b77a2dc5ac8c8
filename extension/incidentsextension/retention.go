package incidentsextension // import "github.com/unitrack/unitrack/extension/incidentsextension"

import (
	"context"
	"database/sql"
	"time"

	"github.com/unitrack/unitrack/internal/incidents"
)

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
