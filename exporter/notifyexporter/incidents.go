package notifyexporter

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
	"github.com/unitrack/unitrack/internal/clip"
	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/incidents"
	"github.com/unitrack/unitrack/internal/track"
)

// This file ties notify to the incident ledger (the incidents extension,
// found through the host): the events it folds, each delivery attempt, and
// the silences it honours. Without the extension nothing here runs. The
// ledger is a record; an error writing it is logged and never holds a
// notification back.

// incidentEvent is what the ledger keeps of one event notify grouped.
func incidentEvent(ev *eventView) incidents.Event {
	return incidents.Event{
		Key:        ev.ik.String(),
		Kind:       ev.kind.String(),
		SubjectKey: ev.ik.SubjectKey,
		Subject:    ev.ik.SubjectValue,
		Service:    ev.ik.Service,
		Category:   attrString(ev.lr.Attributes(), track.AttrCategory),
		EventName:  ev.lr.EventName(),
		EventID:    ev.id,
		Time:       ev.time,
	}.Quoting(ev.lr)
}

// incidentKey is the ledger's key of the incident a notification is about.
func incidentKey(n target.Notification) string {
	return incident.Key{Family: n.Family, Service: n.Service, SubjectKey: n.SubjectKey, SubjectValue: n.Subject}.String()
}

func (e *notifyExporter) recordEvents(ctx context.Context, evs []incidents.Event) {
	if len(evs) == 0 {
		return
	}
	if err := e.incidents.RecordEvents(ctx, evs); err != nil {
		e.logger.Warn("Incident ledger not updated", zap.Int("events", len(evs)), zap.Error(err))
	}
}

// silenced asks the ledger whether a silence holds n back (the ledger counts
// it); when not, it adds to n the note of every silence of its incident that
// has ended since it held one back.
func (e *notifyExporter) silenced(ctx context.Context, t *configuredTarget, n *target.Notification) bool {
	v, err := e.incidents.Check(ctx, incidents.Notification{
		Key: incidentKey(*n), Subject: n.Subject, GroupKey: n.GroupKey,
		Category: n.Attributes[track.AttrCategory], Service: n.Service, EventName: n.EventName,
	}, e.now())
	if err != nil {
		e.logger.Warn("Incident ledger unreadable; notification sent without checking silences", zap.String("target", n.Target), zap.Error(err))
		return false
	}
	if v.SilencedBy != 0 {
		e.telemetry.ExporterNotifyNotificationsSuppressed.Add(ctx, 1, t.attrs.silenced)
		e.recordDelivery(ctx, *n, "", "", incidents.DeliverySilenced, nil, v.SilencedBy)
		return true
	}
	if len(v.Expired) > 0 {
		notes := make([]string, len(v.Expired))
		for i, x := range v.Expired {
			notes[i] = silenceNote(x)
		}
		n.SilenceNote = strings.Join(notes, " ")
		n.Narrative = strings.TrimSpace(n.Narrative + " " + n.SilenceNote)
	}
	return false
}

// silenceNote tells, in the next notification, of a silence that has ended.
func silenceNote(x incidents.Expired) string {
	s := x.Silence
	word := "notifications"
	if x.Suppressed == 1 {
		word = "notification"
	}
	note := fmt.Sprintf("The silence by %s (%s to %s UTC) has ended; it held back %d %s of this incident.",
		s.Author, s.StartsAt.UTC().Format(time.DateTime), s.EndsAt.UTC().Format(time.DateTime), x.Suppressed, word)
	if s.Comment != "" {
		note += " Its comment: " + s.Comment
	}
	return note
}

// recordDelivery notes one attempt and its outcome.
func (e *notifyExporter) recordDelivery(ctx context.Context, n target.Notification, title, text, status string, deliverErr error, silence int64) {
	kind := n.Status
	switch {
	case n.Kind == target.KindOneShot:
		kind = target.KindOneShot
	case n.Repeat:
		kind = "repeat"
	}
	d := incidents.Delivery{
		Key: incidentKey(n), Target: n.Target, Time: e.now().UTC(), Status: status, Kind: kind,
		Title: title, Text: text, SilenceID: silence,
	}
	if status == incidents.DeliverySilenced {
		d.Title = n.Headline
	}
	if deliverErr != nil {
		d.Error = clip.Runes(deliverErr.Error(), 1000)
	}
	if err := e.incidents.RecordDelivery(ctx, d); err != nil {
		e.logger.Warn("Incident ledger: delivery not recorded", zap.String("target", n.Target), zap.Error(err))
	}
}
