package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/unitrack/unitrack/internal/incidents"
	"github.com/unitrack/unitrack/internal/track"
)

// This file serves the incident ledger: /api/incidents and /api/silences.
// The ledger is the incidents extension; the dashboard only reads it and
// manages silences (writes pass the CSRF check and the listener's auth).

// Bounds of the silence API.
const (
	maxSilenceBody     = 16 << 10
	maxSilenceDuration = 90 * 24 * time.Hour
	maxIncidentsLimit  = 1000
)

func (s *Server) incidents() incidents.Source {
	if s.opts.Incidents == nil {
		return nil
	}
	return s.opts.Incidents()
}

// ledger returns the ledger, or answers 404 and nil.
func (s *Server) ledger(w http.ResponseWriter) incidents.Source {
	src := s.incidents()
	if src == nil {
		writeError(w, http.StatusNotFound, "the incident ledger is not running: add the incidents extension to service::extensions")
	}
	return src
}

// incidentView is an incident as the API shows it (its title is the
// ledger's, in plain words).
type incidentView struct {
	incidents.Incident
	// EventsURL opens the event list filtered to the incident's events.
	EventsURL string `json:"events_url"`
}

type incidentDetail struct {
	incidentView
	Deliveries []incidents.Delivery `json:"deliveries"`
	Posts      []incidents.Post     `json:"posts"`
}

// eventsURL is the event list of the incident: its subject's words and
// service between first and last seen (track.EventsLink, as blog posts
// link it).
func eventsURL(in incidents.Incident) string {
	f := url.Values{}
	if in.Subject != "" {
		f.Set("q", `"`+in.Subject+`"`)
	}
	if in.Service != "" {
		f.Set("service", in.Service)
	}
	until := in.LastSeen
	if in.ResolvedAt.After(until) {
		until = in.ResolvedAt
	}
	return track.EventsLink("/", f, in.FirstSeen, until.Add(time.Millisecond))
}

func view(in incidents.Incident) incidentView {
	return incidentView{Incident: in, EventsURL: eventsURL(in)}
}

func (s *Server) serveIncidents(w http.ResponseWriter, r *http.Request) {
	src := s.ledger(w)
	if src == nil {
		return
	}
	q := incidents.Query{Status: r.URL.Query().Get("status")}
	if q.Status != "" && q.Status != incidents.StatusOpen && q.Status != incidents.StatusResolved {
		writeError(w, http.StatusBadRequest, "status: expected open or resolved, got %q", q.Status)
		return
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxIncidentsLimit {
			writeError(w, http.StatusBadRequest, "limit: expected a number from 1 to %d, got %q", maxIncidentsLimit, v)
			return
		}
		q.Limit = n
	}
	list, err := src.Incidents(r.Context(), q)
	if err != nil {
		s.storeError(w, r, "incidents", err)
		return
	}
	out := make([]incidentView, len(list))
	for i, in := range list {
		out[i] = view(in)
	}
	writeJSON(w, map[string]any{"incidents": out})
}

func (s *Server) serveIncident(w http.ResponseWriter, r *http.Request) {
	src := s.ledger(w)
	if src == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "id: expected a positive incident number, got %q", r.PathValue("id"))
		return
	}
	d, err := src.Incident(r.Context(), id)
	if errors.Is(err, incidents.ErrNotFound) {
		writeError(w, http.StatusNotFound, "incident %d not found (it may have been removed by retention)", id)
		return
	}
	if err != nil {
		s.storeError(w, r, "incident", err)
		return
	}
	for i := range d.Posts {
		d.Posts[i].URL = s.postURL(d.Posts[i].Slug)
	}
	writeJSON(w, incidentDetail{incidentView: view(d.Incident), Deliveries: d.Deliveries, Posts: d.Posts})
}

// silenceView is a silence as the API shows it.
type silenceView struct {
	incidents.Silence
	Active bool `json:"active"`
}

func (s *Server) serveSilences(w http.ResponseWriter, r *http.Request) {
	src := s.ledger(w)
	if src == nil {
		return
	}
	list, err := src.Silences(r.Context())
	if err != nil {
		s.storeError(w, r, "silences", err)
		return
	}
	now := s.opts.Now()
	out := make([]silenceView, len(list))
	for i, sl := range list {
		out[i] = silenceView{Silence: sl, Active: sl.Active(now)}
	}
	writeJSON(w, map[string]any{"silences": out})
}

// silenceRequest is the body of POST /api/silences: a matcher and either
// ends_at or a duration from now (or from starts_at).
type silenceRequest struct {
	Matcher  incidents.Matcher `json:"matcher"`
	StartsAt time.Time         `json:"starts_at"`
	EndsAt   time.Time         `json:"ends_at"`
	Duration string            `json:"duration"`
	Author   string            `json:"author"`
	Comment  string            `json:"comment"`
}

func (s *Server) createSilence(w http.ResponseWriter, r *http.Request) {
	src := s.ledger(w)
	if src == nil {
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type: expected application/json, got %q", ct)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSilenceBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "body: at most %d bytes", maxSilenceBody)
			return
		}
		writeError(w, http.StatusBadRequest, "body: %v", err)
		return
	}
	user, _, _ := r.BasicAuth()
	sl, err := parseSilence(body, user, s.opts.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if sl, err = src.CreateSilence(r.Context(), sl); err != nil {
		s.storeError(w, r, "create silence", err)
		return
	}
	w.Header().Set("Location", "/api/silences/"+strconv.FormatInt(sl.ID, 10))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(silenceView{Silence: sl, Active: sl.Active(s.opts.Now())})
}

// parseSilence reads a POST /api/silences body into a silence. The author
// is user (the login the dashboard's auth let in) when there is one: it
// cannot be typed then.
func parseSilence(body []byte, user string, now time.Time) (incidents.Silence, error) {
	var req silenceRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return incidents.Silence{}, fmt.Errorf("body: expected a JSON silence (matcher, duration or ends_at, author, comment): %w", err)
	}
	sl := incidents.Silence{Matcher: req.Matcher, StartsAt: req.StartsAt, EndsAt: req.EndsAt, Author: req.Author, Comment: req.Comment}
	if user != "" {
		sl.Author = user
	}
	if sl.StartsAt.IsZero() {
		sl.StartsAt = now
	}
	var errs []error
	if req.Duration != "" {
		d, err := time.ParseDuration(req.Duration)
		switch {
		case err != nil || d <= 0:
			errs = append(errs, fmt.Errorf("duration: expected a positive Go duration such as 30m or 2h, got %q", req.Duration))
		case !req.EndsAt.IsZero():
			errs = append(errs, errors.New("duration: give duration or ends_at, not both"))
		default:
			sl.EndsAt = sl.StartsAt.Add(d)
		}
	}
	if !sl.EndsAt.IsZero() && sl.EndsAt.Sub(now) > maxSilenceDuration {
		errs = append(errs, fmt.Errorf("ends_at: at most %s from now", maxSilenceDuration))
	}
	if len(errs) == 0 {
		if err := sl.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return sl, errors.Join(errs...)
}

func (s *Server) expireSilence(w http.ResponseWriter, r *http.Request) {
	src := s.ledger(w)
	if src == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "id: expected a positive silence number, got %q", r.PathValue("id"))
		return
	}
	sl, err := src.ExpireSilence(r.Context(), id, s.opts.Now())
	switch {
	case errors.Is(err, incidents.ErrNotFound):
		writeError(w, http.StatusNotFound, "silence %d not found", id)
		return
	case errors.Is(err, incidents.ErrStatic):
		writeError(w, http.StatusConflict, "%v", err)
		return
	case err != nil:
		s.storeError(w, r, "expire silence", err)
		return
	}
	writeJSON(w, silenceView{Silence: sl, Active: sl.Active(s.opts.Now())})
}
