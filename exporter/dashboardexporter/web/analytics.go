package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
	"github.com/unitrack/unitrack/internal/incidents"
)

// analytics is the /api/analytics response.
type analytics struct {
	// Now is the time the uptime windows end at (Unix ms).
	Now    int64                 `json:"now"`
	Since  int64                 `json:"since"`
	Until  int64                 `json:"until"`
	Uptime []store.UptimeSubject `json:"uptime"`
	// Incidents are the incident ledger's, per subject; IncidentsState says
	// whether there is a ledger to ask (without one the list is empty
	// because nobody keeps incidents, not because there were none).
	Incidents      []incidents.SubjectStat `json:"incidents"`
	IncidentsState string                  `json:"incidents_state"`
	Errors         *store.ErrorReport      `json:"errors"`
	Sources        *store.SourceReport     `json:"sources"`
}

// States of the incidents panel.
const (
	incidentsFromLedger = "ledger"
	incidentsNoLedger   = "needs_incidents_extension"
)

// incidentStats asks the ledger for the incidents per subject opened in
// [since, until) (Unix ns).
func (s *Server) incidentStats(ctx context.Context, since, until int64) ([]incidents.SubjectStat, string, error) {
	src := s.incidents()
	if src == nil {
		return []incidents.SubjectStat{}, incidentsNoLedger, nil
	}
	list, err := src.SubjectStats(ctx, time.Unix(0, since), time.Unix(0, until), 50)
	return list, incidentsFromLedger, err
}

// serveAnalytics answers the questions across the silos: uptime per health
// check and MCP server (24 h, 7 d, 30 d), incidents per subject with their
// mean time to resolve (from the incident ledger) and rates per source over since–until (default the
// last 24 hours), and the top error names (last 24 h against the 24 before)
// with the ones first seen at or after `today` (Unix ms, the start of the
// reader's day; default midnight UTC).
func (s *Server) serveAnalytics(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	q := r.URL.Query()
	since, err := parseTime("since", q.Get("since"), now)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	until, err := parseTime("until", q.Get("until"), now)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if until == 0 {
		until = now.UnixNano()
	}
	if since == 0 {
		since = until - int64(24*time.Hour)
	}
	if until <= since {
		writeError(w, http.StatusBadRequest, "until: must be after since")
		return
	}
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).UnixNano()
	if v := q.Get("today"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms < 0 {
			writeError(w, http.StatusBadRequest, "today: expected the start of the day in Unix milliseconds, got %q", v)
			return
		}
		today = time.UnixMilli(ms).UnixNano()
	}
	ctx := r.Context()
	out := analytics{Now: now.UnixMilli(), Since: since / 1e6, Until: until / 1e6}
	if out.Uptime, err = s.store.Uptime(ctx, now); err == nil {
		if out.Incidents, out.IncidentsState, err = s.incidentStats(ctx, since, until); err == nil {
			if out.Errors, err = s.store.Errors(ctx, now, today, 20); err == nil {
				out.Sources, err = s.store.Sources(ctx, since, until)
			}
		}
	}
	if err != nil {
		s.storeError(w, r, "analytics", err)
		return
	}
	writeJSON(w, out)
}

// removedEvent is the 404 answer for an event that is not (or no longer)
// stored: what is remembered of it, and the posts and notifications that
// name it, which outlive the dashboard's retention.
type removedEvent struct {
	Error   string         `json:"error"`
	Removed *store.Removed `json:"removed,omitempty"`
	Links   []Link         `json:"links"`
}

func (s *Server) serveMissingEvent(w http.ResponseWriter, r *http.Request, id string) {
	body := removedEvent{Links: s.linksFor(r.Context(), id)}
	rm, err := s.store.RemovedEvent(r.Context(), id)
	switch {
	case err == nil:
		body.Removed = &rm
		body.Error = fmt.Sprintf("event %q was removed by retention at %s", id, rm.RemovedAt)
	default:
		body.Error = fmt.Sprintf("event %q not found (it may have been removed by retention)", id)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotFound)
	writeBody(w, body)
}
