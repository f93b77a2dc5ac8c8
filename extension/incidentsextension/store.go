package incidentsextension // import "github.com/unitrack/unitrack/extension/incidentsextension"

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// fileName is the database inside the configured directory.
const fileName = "incidents.db"

const schema = `
CREATE TABLE IF NOT EXISTS incidents (
	id INTEGER PRIMARY KEY,
	key TEXT NOT NULL,
	subject_key TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL DEFAULT '',
	service TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL DEFAULT '',
	event_name TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	first_ns INTEGER NOT NULL,
	last_ns INTEGER NOT NULL,
	resolved_ns INTEGER NOT NULL DEFAULT 0,
	events INTEGER NOT NULL DEFAULT 0,
	sample TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS incidents_key ON incidents(key, id);
CREATE INDEX IF NOT EXISTS incidents_last ON incidents(last_ns);
CREATE TABLE IF NOT EXISTS event_links (
	event_id TEXT PRIMARY KEY,
	incident_id INTEGER NOT NULL,
	seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS event_links_incident ON event_links(incident_id);
CREATE INDEX IF NOT EXISTS event_links_seq ON event_links(seq);
CREATE TABLE IF NOT EXISTS deliveries (
	id INTEGER PRIMARY KEY,
	incident_id INTEGER,
	key TEXT NOT NULL,
	target TEXT NOT NULL,
	time_ns INTEGER NOT NULL,
	status TEXT NOT NULL,
	kind TEXT NOT NULL,
	title TEXT NOT NULL,
	text TEXT NOT NULL,
	error TEXT NOT NULL DEFAULT '',
	silence_id INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS deliveries_incident ON deliveries(incident_id, id);
CREATE TABLE IF NOT EXISTS posts (
	incident_id INTEGER NOT NULL,
	slug TEXT NOT NULL,
	title TEXT NOT NULL,
	path TEXT NOT NULL,
	url TEXT NOT NULL DEFAULT '',
	time_ns INTEGER NOT NULL,
	PRIMARY KEY (incident_id, slug)
);
CREATE TABLE IF NOT EXISTS silences (
	id INTEGER PRIMARY KEY,
	subject TEXT NOT NULL DEFAULT '',
	group_key TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL DEFAULT '',
	service TEXT NOT NULL DEFAULT '',
	event_name TEXT NOT NULL DEFAULT '',
	starts_ns INTEGER NOT NULL,
	ends_ns INTEGER NOT NULL,
	author TEXT NOT NULL,
	comment TEXT NOT NULL,
	suppressed INTEGER NOT NULL DEFAULT 0,
	static_key TEXT NOT NULL DEFAULT '',
	created_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS suppressions (
	incident_key TEXT NOT NULL,
	silence_id INTEGER NOT NULL,
	count INTEGER NOT NULL,
	noted INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (incident_key, silence_id)
) WITHOUT ROWID;
`

var errClosed = errors.New("incident ledger is closed")

// db is the ledger's SQLite database: one writer (SQLite has one), readers
// alongside it through WAL.
type db struct {
	sql *sql.DB
	mu  sync.Mutex // serialises write transactions and guards closed
	// closed refuses writes after close.
	closed bool
}

func openDB(ctx context.Context, dir string) (*db, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("directory %q: %w", dir, err)
	}
	// Absolute, because a relative path in a file: URI reads as its authority.
	path, err := filepath.Abs(filepath.Join(dir, fileName))
	if err != nil {
		return nil, fmt.Errorf("directory %q: %w", dir, err)
	}
	dsn := (&url.URL{Scheme: "file", Path: path}).String() +
		"?_journal_mode=WAL&_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(0)"
	s, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.SetMaxOpenConns(4)
	if _, err := s.ExecContext(ctx, schema); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: schema: %w", path, err)
	}
	d := &db{sql: s}
	if err := d.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: migration: %w", path, err)
	}
	return d, nil
}

// write runs fn in one write transaction.
func (d *db) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errClosed
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (d *db) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.sql.Close()
}

func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNs(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func encodeSample(ids []string) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

func decodeSample(s string) []string {
	ids := []string{}
	_ = json.Unmarshal([]byte(s), &ids)
	return ids
}
