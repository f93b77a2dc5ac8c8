package notifyexporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

// ledger is the record of paged incidents that every collector running this
// exporter shares through a storage extension (`ledger`, e.g. kafka_storage):
// when the partitions of an incident move to another gateway, the new owner
// opens a group of its own, and the ledger tells it that the old owner has
// already paged, so it does not page again (it still sends the resolution).
type ledger struct {
	client storage.Client
	// validFor is how long an entry stands without a newer notification: a
	// live owner would have sent a reminder by then (repeat_interval).
	validFor time.Duration
	logger   *zap.Logger
}

// ledgerEntry is what a collector writes when a target took a firing
// notification (delivered, not only queued: a page lost with a dead
// gateway's queue must not keep its successor from paging).
type ledgerEntry struct {
	FirstSeen time.Time `json:"first_seen"`
	LastSent  time.Time `json:"last_sent"`
}

// ledgerKey is a group's key in the ledger: target and the notification's
// group key (the group_by values joined with "|").
func ledgerKey(target, groupKey string) string { return target + "\x1f" + groupKey }

func openLedger(ctx context.Context, cfg *Config, host component.Host, id component.ID, logger *zap.Logger) (*ledger, error) {
	if cfg.Ledger == nil {
		return nil, nil
	}
	ext, ok := host.GetExtensions()[*cfg.Ledger]
	if !ok {
		return nil, fmt.Errorf("ledger: extension %q not found", cfg.Ledger.String())
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("ledger: extension %q is not a storage extension", cfg.Ledger.String())
	}
	client, err := se.GetClient(ctx, component.KindExporter, id, "notify_ledger")
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return &ledger{client: client, validFor: cfg.RepeatInterval, logger: logger}, nil
}

// pagedElsewhere reports whether n is the first firing notification of a
// group whose incident the ledger already holds as paged. A ledger that
// cannot be read does not hold a page back: two pages are better than none.
func (l *ledger) pagedElsewhere(ctx context.Context, n target.Notification, now time.Time) bool {
	if n.Status != target.StatusFiring || n.Repeat {
		return false
	}
	_, ok := l.paged(ctx, n.Target, n.GroupKey, now)
	return ok
}

// paged returns the ledger's entry of a group of target, if one stands at
// now. Unreadable ledgers and entries count as none.
func (l *ledger) paged(ctx context.Context, target, groupKey string, now time.Time) (ledgerEntry, bool) {
	b, err := l.client.Get(ctx, ledgerKey(target, groupKey))
	if err != nil {
		l.logger.Warn("Ledger of paged incidents unreadable", zap.String("group", groupKey), zap.Error(err))
		return ledgerEntry{}, false
	}
	if b == nil {
		return ledgerEntry{}, false
	}
	e, err := parseLedgerEntry(b)
	if err != nil {
		l.logger.Warn("Ledger entry unreadable", zap.String("group", groupKey), zap.Error(err))
		return ledgerEntry{}, false
	}
	return e, now.Sub(e.LastSent) < l.validFor
}

// parseLedgerEntry decodes an entry another collector wrote.
func parseLedgerEntry(b []byte) (ledgerEntry, error) {
	var e ledgerEntry
	if err := json.Unmarshal(b, &e); err != nil {
		return ledgerEntry{}, fmt.Errorf("ledger entry: %w", err)
	}
	if e.LastSent.IsZero() {
		return ledgerEntry{}, errors.New("ledger entry: last_sent: missing, want an RFC 3339 time")
	}
	return e, nil
}

// record notes a delivered notification: a firing one (first or reminder)
// is written, a resolution removes the entry.
func (l *ledger) record(ctx context.Context, n target.Notification, now time.Time) {
	key := ledgerKey(n.Target, n.GroupKey)
	var err error
	if n.Status == target.StatusResolved {
		err = l.client.Delete(ctx, key)
	} else {
		b, _ := json.Marshal(ledgerEntry{FirstSeen: n.FirstSeen, LastSent: now})
		err = l.client.Set(ctx, key, b)
	}
	if err != nil {
		l.logger.Warn("Ledger of paged incidents not updated", zap.String("group", n.GroupKey), zap.String("status", n.Status), zap.Error(err))
	}
}

func (l *ledger) close(ctx context.Context) error { return l.client.Close(ctx) }
