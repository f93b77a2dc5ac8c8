package incidentsextension // import "github.com/unitrack/unitrack/extension/incidentsextension"

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations bring a ledger written by an older version to the current
// shape; migrations[i] takes the database from user_version i to i+1. The
// schema creates the first shape, so a new ledger runs them all too: one
// path for old and new files.
var migrations = []func(ctx context.Context, tx *sql.Tx) error{
	addTitles,
	indexFirstSeen,
}

// indexFirstSeen lets SubjectStats find the incidents that opened in a
// window without reading the others.
func indexFirstSeen(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "CREATE INDEX IF NOT EXISTS incidents_first ON incidents(first_ns)")
	return err
}

// addTitles gives incidents their plain-words title and what it is written
// from. Old rows never kept the firing event's message and facts, so their
// title is said from the opening event's name, subject and counts; it grows
// richer with the next firing event.
func addTitles(ctx context.Context, tx *sql.Tx) error {
	for _, col := range []string{
		"title TEXT NOT NULL DEFAULT ''",
		"failures INTEGER NOT NULL DEFAULT 0",
		"fire_event TEXT NOT NULL DEFAULT ''",
		"fire_body TEXT NOT NULL DEFAULT ''",
		"fire_facts TEXT NOT NULL DEFAULT '{}'",
		"resolved_by TEXT NOT NULL DEFAULT ''",
	} {
		if _, err := tx.ExecContext(ctx, "ALTER TABLE incidents ADD COLUMN "+col); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE incidents SET fire_event = event_name"); err != nil {
		return err
	}
	return updateRows(ctx, tx, func(*incidentRow) {}, "")
}

// migrate runs the migrations the database has not had, each in its own
// transaction with the version it reaches.
func (d *db) migrate(ctx context.Context) error {
	var version int
	if err := d.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("the ledger is of a newer version (%d) than this collector knows (%d)", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		err := d.write(ctx, func(tx *sql.Tx) error {
			if err := migrations[v](ctx, tx); err != nil {
				return err
			}
			// PRAGMA takes no parameters; v is an int.
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("to version %d: %w", v+1, err)
		}
	}
	return nil
}
