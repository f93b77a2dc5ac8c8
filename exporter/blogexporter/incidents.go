package blogexporter

import (
	"context"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/incidents"
)

// The blog tells the incident ledger (the incidents extension, when it runs)
// the events of its incident posts and each post it writes, so the dashboard
// links an incident to its post without reading the blog's files. The ledger
// is a record: failing to write it is logged, never retried.

func ledgerEvent(ev event) (incidents.Event, bool) {
	if ev.kind == incident.OneShot {
		return incidents.Event{}, false
	}
	return incidents.Event{
		Key: ev.key.String(), Kind: ev.kind.String(), SubjectKey: ev.key.SubjectKey, Subject: ev.key.SubjectValue,
		Service: ev.key.Service, Category: ev.category, EventName: ev.ref.Name, EventID: ev.ref.ID, Time: ev.ref.Time,
	}.Quoting(ev.record), true
}

// recordEvents writes the events of a push, before its posts are written
// (a post names the incident its events opened).
func (e *blogExporter) recordEvents(ctx context.Context, evs []incidents.Event) {
	if len(evs) == 0 {
		return
	}
	if err := e.incidents.RecordEvents(ctx, evs); err != nil {
		e.logger.Warn("Incident ledger not updated", zap.Int("events", len(evs)), zap.Error(err))
	}
}

// recordPosts writes the incident posts a flush wrote. It runs under e.mu.
func (e *blogExporter) recordPosts(ctx context.Context, written []*post, now time.Time) {
	for _, p := range written {
		if p.Kind != kindIncident {
			continue
		}
		path, err := filepath.Abs(filepath.Join(e.cfg.Directory, p.slug+".html"))
		if err != nil {
			path = filepath.Join(e.cfg.Directory, p.slug+".html")
		}
		rec := incidents.Post{Key: p.GroupKey, Slug: p.slug, Title: p.Title, Path: path, Time: now.UTC()}
		if err := e.incidents.RecordPost(ctx, rec); err != nil {
			e.logger.Warn("Incident ledger: post not recorded", zap.String("slug", p.slug), zap.Error(err))
		}
	}
}
