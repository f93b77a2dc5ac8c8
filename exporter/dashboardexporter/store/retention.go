package store

import (
	"context"
	"fmt"
	"time"
)

// Retention bounds what the store keeps. Zero values do not bound.
type Retention struct {
	// MaxAge drops events whose time is older than now - MaxAge.
	MaxAge time.Duration
	// MaxEvents keeps at most this many events (the newest by arrival).
	MaxEvents int64
	// MaxSizeBytes keeps the database's used pages under this size.
	MaxSizeBytes int64
	// AnalyticsMaxAge drops the analytics' aggregates and the tombstones
	// of removed events older than now - AnalyticsMaxAge.
	AnalyticsMaxAge time.Duration
}

// deleteChunk bounds one delete transaction, so the writer lock is released
// between chunks and ingestion goes on.
const deleteChunk = 5000

// Prune enforces r and returns the number of events removed.
func (s *Store) Prune(ctx context.Context, r Retention, now time.Time) (int64, error) {
	if r.AnalyticsMaxAge > 0 {
		if err := s.pruneAnalytics(ctx, now.Add(-r.AnalyticsMaxAge).UnixNano()); err != nil {
			return 0, err
		}
	}
	var removed int64
	for _, bound := range []struct {
		on    bool
		prune func() (int64, error)
	}{
		{r.MaxAge > 0, func() (int64, error) { return s.pruneByAge(ctx, now.Add(-r.MaxAge).UnixNano()) }},
		{r.MaxEvents > 0, func() (int64, error) { return s.pruneByCount(ctx, r.MaxEvents) }},
		{r.MaxSizeBytes > 0, func() (int64, error) { return s.pruneBySize(ctx, r.MaxSizeBytes) }},
	} {
		if !bound.on {
			continue
		}
		n, err := bound.prune()
		removed += n
		if err != nil {
			return removed, err
		}
	}
	if removed > 0 {
		s.mu.Lock()
		_, err := s.w.ExecContext(ctx, "DELETE FROM minute_counts WHERE n <= 0")
		s.mu.Unlock()
		if err != nil {
			return removed, fmt.Errorf("prune minute counts: %w", err)
		}
		if err := s.compact(ctx); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// pruneByAge removes events older than cut; a check or server not heard of
// since leaves the status board.
func (s *Store) pruneByAge(ctx context.Context, cut int64) (int64, error) {
	removed, err := s.deleteWhile(ctx, "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE time_ns < ? LIMIT ?)", cut)
	if err != nil {
		return removed, fmt.Errorf("prune by age: %w", err)
	}
	s.mu.Lock()
	_, err = s.w.ExecContext(ctx, "DELETE FROM status WHERE time_ns < ?", cut)
	s.mu.Unlock()
	if err != nil {
		return removed, fmt.Errorf("prune status board by age: %w", err)
	}
	return removed, nil
}

// pruneByCount keeps the newest keep events by arrival.
func (s *Store) pruneByCount(ctx context.Context, keep int64) (int64, error) {
	var cut int64
	err := s.r.QueryRowContext(ctx, "SELECT coalesce((SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?), 0)", keep).Scan(&cut)
	if err != nil || cut == 0 {
		if err != nil {
			err = fmt.Errorf("prune by count: %w", err)
		}
		return 0, err
	}
	removed, err := s.deleteUpTo(ctx, cut)
	if err != nil {
		return removed, fmt.Errorf("prune by count: %w", err)
	}
	return removed, nil
}

// pruneBySize removes the oldest events until the used pages fit in limit
// bytes (at most 20 rounds, each returning the freed pages).
func (s *Store) pruneBySize(ctx context.Context, limit int64) (int64, error) {
	var removed int64
	for range 20 {
		used, err := s.UsedBytes(ctx)
		if err != nil {
			return removed, fmt.Errorf("prune by size: %w", err)
		}
		if used <= limit {
			break
		}
		count, err := s.Count(ctx)
		if err != nil || count == 0 {
			break
		}
		// Drop the share of rows the excess represents, plus 5% headroom.
		drop := int64(float64(count)*(float64(used-limit)/float64(used)+0.05)) + 1
		var cut int64
		if err := s.r.QueryRowContext(ctx, "SELECT coalesce((SELECT id FROM events ORDER BY id LIMIT 1 OFFSET ?), (SELECT max(id) FROM events))", drop-1).Scan(&cut); err != nil {
			return removed, fmt.Errorf("prune by size: %w", err)
		}
		n, err := s.deleteUpTo(ctx, cut)
		removed += n
		if err != nil {
			return removed, fmt.Errorf("prune by size: %w", err)
		}
		if err := s.compact(ctx); err != nil {
			return removed, fmt.Errorf("prune by size: %w", err)
		}
	}
	return removed, nil
}

// deleteUpTo removes the events of id up to cut, oldest first.
func (s *Store) deleteUpTo(ctx context.Context, cut int64) (int64, error) {
	return s.deleteWhile(ctx, "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id <= ? ORDER BY id LIMIT ?)", cut)
}

// deleteWhile runs a chunked delete (its last parameter is the chunk size)
// until it removes nothing.
func (s *Store) deleteWhile(ctx context.Context, q string, arg any) (int64, error) {
	var total int64
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return total, ErrClosed
		}
		res, err := s.w.ExecContext(ctx, q, arg, deleteChunk)
		s.mu.Unlock()
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
		if n < deleteChunk {
			return total, nil
		}
	}
}

// compact returns free pages to the file system and checkpoints the WAL.
func (s *Store) compact(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA incremental_vacuum"); err != nil {
		return fmt.Errorf("incremental vacuum: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// UsedBytes is the size of the pages holding data (free pages excluded).
func (s *Store) UsedBytes(ctx context.Context) (int64, error) {
	var pages, free, size int64
	if err := s.r.QueryRowContext(ctx, "SELECT * FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()").Scan(&pages, &free, &size); err != nil {
		return 0, err
	}
	return (pages - free) * size, nil
}

// Optimize refreshes the query planner's statistics where they are stale.
func (s *Store) Optimize(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	_, err := s.w.ExecContext(ctx, "PRAGMA optimize")
	return err
}
