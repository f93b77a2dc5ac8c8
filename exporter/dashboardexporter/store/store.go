// Package store keeps dashboard events in an embedded SQLite database
// (modernc.org/sqlite, WAL mode) with an FTS5 index over bodies and
// attribute values.
package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database file inside the configured directory.
const FileName = "events.db"

var (
	errBadID = errors.New("malformed id")
	// ErrClosed is returned by writes after Close.
	ErrClosed = errors.New("store is closed")
	hexDecode = hex.Decode
)

// Store is the event database. Writes go through one connection (SQLite has
// one writer); reads use a pool of read-only connections that WAL lets run
// alongside the writer.
type Store struct {
	path string
	w    *sql.DB
	r    *sql.DB

	mu     sync.Mutex // serialises write transactions and guards closed
	closed bool
}

// Open creates dir if needed, opens (or creates) the database in it and
// brings its schema up to date.
func Open(ctx context.Context, dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("directory: must not be empty")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("directory %q: %w", dir, err)
	}
	// Absolute, because a relative path in a file: URI reads as its authority.
	path, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("directory %q: %w", dir, err)
	}
	base := (&url.URL{Scheme: "file", Path: path}).String()
	common := "_pragma=busy_timeout(10000)&_pragma=mmap_size(2147483648)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)"
	w, err := sql.Open("sqlite", base+"?_auto_vacuum=INCREMENTAL&_journal_mode=WAL&_txlock=immediate&_pragma=wal_autocheckpoint(8000)&"+common)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"?_pragma=query_only(1)&"+common)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	n := runtime.GOMAXPROCS(0) + 2
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &Store{path: path, w: w, r: r}, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes both pools; the WAL is checkpointed by SQLite on the last close.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return errors.Join(s.r.Close(), s.w.Close())
}

// migrations bring the schema from version i to i+1; PRAGMA user_version
// holds the version a database is at.
var migrations = []string{
	// 1: events (the narrow, indexed columns filters scan), event_data (the
	// rest, read only for rows that are shown), the full-text index and the
	// status board.
	`CREATE TABLE events (
		id INTEGER PRIMARY KEY,
		event_id TEXT NOT NULL,
		time_ns INTEGER NOT NULL,
		severity_number INTEGER NOT NULL DEFAULT 0,
		event_name TEXT NOT NULL DEFAULT '',
		category TEXT NOT NULL DEFAULT '',
		source TEXT NOT NULL DEFAULT '',
		service TEXT NOT NULL DEFAULT '',
		trace_id TEXT NOT NULL DEFAULT '',
		span_id TEXT NOT NULL DEFAULT ''
	);
	CREATE TABLE event_data (
		id INTEGER PRIMARY KEY,
		observed_ns INTEGER NOT NULL DEFAULT 0,
		severity_text TEXT NOT NULL DEFAULT '',
		body TEXT NOT NULL DEFAULT '',
		body_json TEXT NOT NULL DEFAULT '',
		flags INTEGER NOT NULL DEFAULT 0,
		routes TEXT NOT NULL DEFAULT '',
		scope TEXT NOT NULL DEFAULT '',
		scope_version TEXT NOT NULL DEFAULT '',
		attributes TEXT NOT NULL DEFAULT '{}',
		resource TEXT NOT NULL DEFAULT '{}'
	);
	CREATE UNIQUE INDEX events_event_id ON events(event_id);
	CREATE INDEX events_time ON events(time_ns);
	CREATE INDEX events_category ON events(category);
	CREATE INDEX events_source ON events(source);
	CREATE INDEX events_service ON events(service);
	CREATE INDEX events_event_name ON events(event_name);
	CREATE INDEX events_trace_id ON events(trace_id) WHERE trace_id != '';
	CREATE VIRTUAL TABLE events_fts USING fts5(body, attrs, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
	INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 8);
	CREATE TRIGGER events_delete AFTER DELETE ON events BEGIN
		DELETE FROM event_data WHERE id = old.id;
		DELETE FROM events_fts WHERE rowid = old.id;
	END;
	CREATE TABLE status (
		kind TEXT NOT NULL,
		subject TEXT NOT NULL,
		service TEXT NOT NULL,
		state TEXT NOT NULL,
		time_ns INTEGER NOT NULL,
		event_id TEXT NOT NULL,
		event_name TEXT NOT NULL,
		severity_number INTEGER NOT NULL,
		message TEXT NOT NULL,
		PRIMARY KEY (kind, subject, service)
	) WITHOUT ROWID;`,
	// 2: events per minute and severity number, kept at insert and delete,
	// so the unfiltered histogram does not scan the events.
	`CREATE TABLE minute_counts (
		minute INTEGER NOT NULL,
		severity_number INTEGER NOT NULL,
		n INTEGER NOT NULL,
		PRIMARY KEY (minute, severity_number)
	) WITHOUT ROWID;
	INSERT INTO minute_counts (minute, severity_number, n)
		SELECT time_ns / 60000000000, severity_number, count(*) FROM events GROUP BY 1, 2;
	CREATE TRIGGER events_delete_count AFTER DELETE ON events BEGIN
		UPDATE minute_counts SET n = n - 1
		WHERE minute = old.time_ns / 60000000000 AND severity_number = old.severity_number;
	END;`,
	// 3: the analytics' aggregates (analytics.go), kept at insert and not
	// at delete, so they outlive the events; and the tombstones of removed
	// events, so a link to one can say what happened to it.
	`CREATE TABLE source_minutes (
		minute INTEGER NOT NULL,
		source TEXT NOT NULL,
		n INTEGER NOT NULL,
		PRIMARY KEY (minute, source)
	) WITHOUT ROWID;
	CREATE TABLE error_hours (
		event_name TEXT NOT NULL,
		hour INTEGER NOT NULL,
		n INTEGER NOT NULL,
		PRIMARY KEY (event_name, hour)
	) WITHOUT ROWID;
	CREATE INDEX error_hours_hour ON error_hours(hour);
	CREATE TABLE error_first (
		event_name TEXT PRIMARY KEY,
		first_ns INTEGER NOT NULL,
		event_id TEXT NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX error_first_time ON error_first(first_ns);
	CREATE TABLE incident_marks (
		key TEXT NOT NULL,
		family TEXT NOT NULL,
		subject TEXT NOT NULL,
		service TEXT NOT NULL,
		time_ns INTEGER NOT NULL,
		firing INTEGER NOT NULL,
		event_id TEXT NOT NULL,
		PRIMARY KEY (key, time_ns, event_id)
	) WITHOUT ROWID;
	CREATE INDEX incident_marks_subject ON incident_marks(family, time_ns) WHERE subject != '';
	CREATE INDEX incident_marks_time ON incident_marks(time_ns);
	CREATE TABLE removed_events (
		event_id TEXT PRIMARY KEY,
		time_ns INTEGER NOT NULL,
		event_name TEXT NOT NULL,
		removed_ns INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX removed_events_removed ON removed_events(removed_ns);
	CREATE TRIGGER events_tombstone AFTER DELETE ON events BEGIN
		INSERT OR REPLACE INTO removed_events (event_id, time_ns, event_name, removed_ns)
		VALUES (old.event_id, old.time_ns, old.event_name, unixepoch() * 1000000000);
	END;`,
}

// backfills run after the migration to their version, in its transaction:
// what SQL alone cannot derive (the incident model is Go).
var backfills = map[int]func(context.Context, *sql.Tx) error{
	3: backfillAnalytics,
}

// SchemaVersion is the schema version this code writes.
var SchemaVersion = len(migrations)

func migrate(ctx context.Context, db *sql.DB) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this build knows (%d); use a newer unitrack or another directory", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
		if fill := backfills[v+1]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				tx.Rollback()
				return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	return nil
}

const insertCols = `event_id, time_ns, severity_number, event_name, category, source, service, trace_id, span_id`

const dataCols = `id, observed_ns, severity_text, body, body_json, flags, routes, scope, scope_version, attributes, resource`

// insertChunk rows go in one multi-row INSERT (at most 11 parameters a row, well
// under SQLite's parameter limit); fewer statements is most of the speed.
const insertChunk = 250

func insertSQL(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT OR IGNORE INTO events (" + insertCols + ") VALUES ")
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?)")
	}
	b.WriteString(" RETURNING id, event_id")
	return b.String()
}

// ftsChunk full-text rows (3 parameters each) go in one statement.
const ftsChunk = 2000

func dataSQL(rows int) string {
	return "INSERT INTO event_data (" + dataCols + ") VALUES (?,?,?,?,?,?,?,?,?,?,?)" + strings.Repeat(",(?,?,?,?,?,?,?,?,?,?,?)", rows-1)
}

func ftsSQL(rows int) string {
	return "INSERT INTO events_fts (rowid, body, attrs) VALUES (?,?,?)" + strings.Repeat(",(?,?,?)", rows-1)
}

// Insert stores events in one transaction and sets the ID of each one stored.
// An event whose event_id is already stored (or repeated in events) is
// skipped, so a retried batch does not duplicate rows. It returns the events
// stored, in the order given.
func (s *Store) Insert(ctx context.Context, events []Event) ([]Event, error) {
	return s.InsertThen(ctx, events, nil)
}

// InsertThen is Insert, calling then (when not nil) with the stored events
// after the commit and before the next write begins, so that what then does
// (publishing to live streams) happens in row id order.
func (s *Store) InsertThen(ctx context.Context, events []Event, then func([]Event)) ([]Event, error) {
	if len(events) == 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	b := newBatch(ctx, tx, len(events))
	defer b.close()
	for lo := 0; lo < len(events); lo += insertChunk {
		if err := b.insert(events[lo:min(lo+insertChunk, len(events))]); err != nil {
			return nil, err
		}
	}
	if err := b.index(); err != nil {
		return nil, err
	}
	if err := b.status.apply(ctx, tx); err != nil {
		return nil, err
	}
	if err := addMinuteCounts(ctx, tx, b.stored); err != nil {
		return nil, err
	}
	if err := addAnalytics(ctx, tx, b.stored); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	if then != nil {
		then(b.stored)
	}
	return b.stored, nil
}

// batch writes the events of one InsertThen call in its transaction,
// reusing its statements and argument buffers from chunk to chunk.
type batch struct {
	ctx   context.Context
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	// args, dargs: one chunk's arguments; ftsArgs: all full-text rows.
	args, dargs, ftsArgs []any
	// ids are the row ids the chunk's new event ids got.
	ids    map[string]int64
	stored []Event
	status statusUpdates
}

func newBatch(ctx context.Context, tx *sql.Tx, n int) *batch {
	return &batch{
		ctx: ctx, tx: tx, stmts: map[string]*sql.Stmt{},
		args:    make([]any, 0, insertChunk*11),
		dargs:   make([]any, 0, insertChunk*11),
		ftsArgs: make([]any, 0, n*3),
		ids:     make(map[string]int64, insertChunk),
		stored:  make([]Event, 0, n),
	}
}

// prep prepares q once per batch.
func (b *batch) prep(q string) (*sql.Stmt, error) {
	if st, ok := b.stmts[q]; ok {
		return st, nil
	}
	st, err := b.tx.PrepareContext(b.ctx, q)
	if err != nil {
		return nil, err
	}
	b.stmts[q] = st
	return st, nil
}

func (b *batch) close() {
	for _, st := range b.stmts {
		st.Close()
	}
}

// insert stores one chunk: the events' rows, then the data of those that
// were new, and queues their full-text rows.
func (b *batch) insert(chunk []Event) error {
	if err := b.insertRows(chunk); err != nil {
		return err
	}
	b.args, b.dargs = b.args[:0], b.dargs[:0]
	n := 0
	for i := range chunk {
		ev := &chunk[i]
		id, ok := b.ids[ev.EventID]
		if !ok {
			continue // already stored
		}
		delete(b.ids, ev.EventID) // a repeat within the chunk is not stored twice
		ev.ID = id
		b.args = append(b.args, id, ev.Body, ev.text)
		b.dargs = append(b.dargs, id, ev.ObservedUnixNano, ev.SeverityText, ev.Body, ev.BodyJSON, int64(ev.Flags),
			strings.Join(ev.Routes, ","), ev.Scope, ev.ScopeVersion, ev.Attributes, ev.Resource)
		b.status.add(ev)
		b.stored = append(b.stored, *ev)
		n++
	}
	if n == 0 {
		return nil
	}
	data, err := b.prep(dataSQL(n))
	if err != nil {
		return fmt.Errorf("prepare data insert: %w", err)
	}
	if _, err := data.ExecContext(b.ctx, b.dargs...); err != nil {
		return fmt.Errorf("insert event data: %w", err)
	}
	b.ftsArgs = append(b.ftsArgs, b.args...)
	return nil
}

// insertRows inserts the chunk's event rows (INSERT OR IGNORE on event_id)
// and sets b.ids to the row ids of the ones that were new.
func (b *batch) insertRows(chunk []Event) error {
	b.args = b.args[:0]
	for i := range chunk {
		ev := &chunk[i]
		b.args = append(b.args, ev.EventID, ev.TimeUnixNano, ev.SeverityNumber, ev.EventName, ev.Category,
			ev.Source, ev.Service, ev.TraceID, ev.SpanID)
	}
	ins, err := b.prep(insertSQL(len(chunk)))
	if err != nil {
		return fmt.Errorf("prepare insert: %w", err)
	}
	rows, err := ins.QueryContext(b.ctx, b.args...)
	if err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	defer rows.Close()
	clear(b.ids)
	for rows.Next() {
		var id int64
		var eid string
		if err := rows.Scan(&id, &eid); err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
		b.ids[eid] = id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	return nil
}

// index writes all full-text rows in as few statements as possible: FTS5
// flushes its pending terms to a new segment at every statement, and small
// segments cost merges later.
func (b *batch) index() error {
	for lo := 0; lo < len(b.ftsArgs); lo += ftsChunk * 3 {
		part := b.ftsArgs[lo:min(lo+ftsChunk*3, len(b.ftsArgs))]
		fts, err := b.prep(ftsSQL(len(part) / 3))
		if err != nil {
			return fmt.Errorf("prepare fts insert: %w", err)
		}
		if _, err := fts.ExecContext(b.ctx, part...); err != nil {
			return fmt.Errorf("index events: %w", err)
		}
	}
	return nil
}

type minuteKey struct {
	minute   int64
	severity int32
}

// nsPerMinute is the minute_counts slot width.
const nsPerMinute = int64(time.Minute)

func addMinuteCounts(ctx context.Context, tx *sql.Tx, stored []Event) error {
	counts := map[minuteKey]int64{}
	for i := range stored {
		counts[minuteKey{stored[i].TimeUnixNano / nsPerMinute, stored[i].SeverityNumber}]++
	}
	for k, n := range counts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO minute_counts (minute, severity_number, n) VALUES (?,?,?)
			ON CONFLICT (minute, severity_number) DO UPDATE SET n = n + excluded.n`, k.minute, k.severity, n); err != nil {
			return fmt.Errorf("count events per minute: %w", err)
		}
	}
	return nil
}
