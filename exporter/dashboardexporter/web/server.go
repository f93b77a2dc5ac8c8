// Package web serves the dashboard: the single-page app, its JSON API, the
// live stream (Server-Sent Events), the legacy JSONL export and /tracker.js.
package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"text/template"
	"time"

	"go.uber.org/zap"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
	"github.com/unitrack/unitrack/internal/httpguard"
	"github.com/unitrack/unitrack/internal/incidents"
)

//go:embed assets
var assets embed.FS

// Options configure a Server.
type Options struct {
	Store  *store.Store
	Logger *zap.Logger
	// TrackerEndpoint is the default endpoint /tracker.js posts to.
	TrackerEndpoint string
	// TrackerMaxPerMinute caps the reports of one page a minute (0: no cap).
	TrackerMaxPerMinute int
	// BlogDirectory is blogexporter's directory, served at /blog/; BlogURL,
	// when set, is where posts open instead.
	BlogDirectory string
	BlogURL       string
	// Incidents returns the incident ledger (the incidents extension); nil,
	// or a func returning nil, answers its API with 404.
	Incidents func() incidents.Source
	// Sinks answers GET /api/sinks (each sink's buffer, drops, last error);
	// nil answers 404.
	Sinks func(ctx context.Context) any
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

// Server holds the handlers and the live-stream hub.
type Server struct {
	opts    Options
	store   *store.Store
	logger  *zap.Logger
	hub     *hub
	tracker []byte
	static  fs.FS
	csrf    *httpguard.CSRF
}

// csp allows only the dashboard's own scripts, styles and API.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// New builds a Server.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return &Server{
		opts:    opts,
		store:   opts.Store,
		logger:  opts.Logger,
		hub:     newHub(),
		tracker: renderTracker(opts.TrackerEndpoint, opts.TrackerMaxPerMinute),
		static:  static,
		csrf:    httpguard.NewCSRF(),
	}
}

var trackerTmpl = template.Must(template.ParseFS(assets, "assets/tracker.js"))

func renderTracker(endpoint string, perMinute int) []byte {
	ep, _ := json.Marshal(endpoint) // escapes <, > and &: safe inside a script
	var b bytes.Buffer
	if err := trackerTmpl.Execute(&b, map[string]any{"Endpoint": string(ep), "MaxPerMinute": perMinute}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Handler is the dashboard's HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveIndex)
	mux.HandleFunc("GET /index.html", s.serveIndex)
	mux.HandleFunc("GET /assets/{name}", s.serveAsset)
	mux.HandleFunc("GET /tracker.js", s.serveTracker)
	mux.HandleFunc("GET /api/events", s.serveEvents)
	mux.HandleFunc("GET /api/events.jsonl", s.serveJSONL)
	mux.HandleFunc("GET /api/events/{id}", s.serveEvent)
	mux.HandleFunc("GET /api/stats", s.serveStats)
	mux.HandleFunc("GET /api/stream", s.serveStream)
	mux.HandleFunc("GET /api/sinks", s.serveSinks)
	mux.HandleFunc("GET /api/analytics", s.serveAnalytics)
	mux.HandleFunc("GET /blog/{name}", s.serveBlogPost)
	mux.HandleFunc("GET /api/incidents", s.serveIncidents)
	mux.HandleFunc("GET /api/incidents/{id}", s.serveIncident)
	mux.HandleFunc("GET /api/silences", s.serveSilences)
	mux.HandleFunc("POST /api/silences", s.createSilence)
	mux.HandleFunc("DELETE /api/silences/{id}", s.expireSilence)
	mux.HandleFunc("GET /api/csrf", s.serveCSRF)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "method %s not allowed; use GET", r.Method)
			return
		}
		writeError(w, http.StatusNotFound, "no such page: %s", r.URL.Path)
	})
	return securityHeaders(s.csrf.Protect(mux, func(w http.ResponseWriter, _ *http.Request, status int, msg string) {
		writeError(w, status, "%s", msg)
	}))
}

// csrfToken is the /api/csrf response: writes (silences, acks) send it in
// the X-CSRF-Token header.
type csrfToken struct {
	Header string `json:"header"`
	Token  string `json:"token"`
}

func (s *Server) serveCSRF(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, csrfToken{Header: httpguard.CSRFHeader, Token: s.csrf.Token(r)})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// Publish sends newly stored events to the live streams.
func (s *Server) Publish(events []store.Event) { s.hub.publish(events) }

// Close ends every live stream; new ones are refused.
func (s *Server) Close() { s.hub.close() }

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(s.static, "index.html")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "index.html missing")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b)
}

var assetTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	dot := strings.LastIndexByte(name, '.')
	ctype, ok := "", false
	if dot >= 0 {
		ctype, ok = assetTypes[name[dot:]]
	}
	if !ok || name == "tracker.js" {
		writeError(w, http.StatusNotFound, "no such asset: %s", name)
		return
	}
	b, err := fs.ReadFile(s.static, name)
	if err != nil {
		writeError(w, http.StatusNotFound, "no such asset: %s", name)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b)
}

func (s *Server) serveTracker(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "max-age=300")
	// Pages of other origins include this script.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Access-Control-Allow-Origin", "*")
	w.Write(s.tracker)
}

// errorBody is every error response.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody{Error: fmt.Sprintf(format, args...)})
}

func writeBody(w http.ResponseWriter, v any) { json.NewEncoder(w).Encode(v) }

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encode response: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// storeError answers a failed store call: 503 while shutting down or when
// the client went away, 500 otherwise.
func (s *Server) storeError(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, context.Canceled) || r.Context().Err() != nil {
		return
	}
	s.logger.Warn("Dashboard query failed", zap.String("query", what), zap.Error(err))
	writeError(w, http.StatusInternalServerError, "%s failed", what)
}

// eventsPage is the /api/events response.
type eventsPage struct {
	Events []store.JSON `json:"events"`
	// NextCursor fetches the next (older) page; empty on the last page.
	NextCursor string `json:"next_cursor"`
}

const (
	defaultLimit = 100
	maxLimit     = 1000
)

func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r, s.opts.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	limit := defaultLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			writeError(w, http.StatusBadRequest, "limit: expected an integer from 1 to %d, got %q", maxLimit, v)
			return
		}
		limit = n
	}
	if v := r.URL.Query().Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "cursor: expected the next_cursor of a previous page, got %q", v)
			return
		}
		f.BeforeID = n
	}
	events, next, err := s.store.Query(r.Context(), f, limit)
	if err != nil {
		s.storeError(w, r, "events query", err)
		return
	}
	page := eventsPage{Events: make([]store.JSON, len(events))}
	for i := range events {
		page.Events[i] = events[i].ToJSON()
	}
	if next != 0 {
		page.NextCursor = strconv.FormatInt(next, 10)
	}
	writeJSON(w, page)
}

// eventDetail is the /api/events/{id} response.
type eventDetail struct {
	store.JSON
	// Links are the blog posts and notifications that name this event.
	Links []Link `json:"links"`
}

func (s *Server) serveEvent(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ev, err := s.store.Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.serveMissingEvent(w, r, id)
		return
	}
	if err != nil {
		s.storeError(w, r, "event lookup", err)
		return
	}
	writeJSON(w, eventDetail{JSON: ev.ToJSON(), Links: s.linksFor(r.Context(), ev.EventID)})
}

func (s *Server) serveStats(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r, s.opts.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	st, err := s.store.Stats(r.Context(), f, s.opts.Now())
	if err != nil {
		s.storeError(w, r, "stats", err)
		return
	}
	writeJSON(w, st)
}

func (s *Server) serveSinks(w http.ResponseWriter, r *http.Request) {
	if s.opts.Sinks == nil {
		writeError(w, http.StatusNotFound, "sink health is not configured")
		return
	}
	writeJSON(w, s.opts.Sinks(r.Context()))
}

// parseFilter reads the filter query parameters shared by the API:
// severity, category, source, service, event_name (repeatable or
// comma-separated), trace_id, since, until and q.
func parseFilter(r *http.Request, now time.Time) (store.Filter, error) {
	q := r.URL.Query()
	var f store.Filter
	var errs []error
	if v := q.Get("severity"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			if n < 1 || n > 24 {
				errs = append(errs, fmt.Errorf("severity: expected a severity number from 1 to 24 or a word (trace, debug, info, warn, error, fatal), got %q", v))
			}
			f.SeverityMin = int32(n)
		} else if n, ok := store.SeverityMin(v); ok {
			f.SeverityMin = n
		} else {
			errs = append(errs, fmt.Errorf("severity: expected a severity number from 1 to 24 or a word (trace, debug, info, warn, error, fatal), got %q", v))
		}
	}
	f.Categories = multi(q["category"])
	f.Sources = multi(q["source"])
	f.Services = multi(q["service"])
	f.EventNames = multi(q["event_name"])
	if v := q.Get("trace_id"); v != "" {
		if len(v) != 32 || strings.Trim(strings.ToLower(v), "0123456789abcdef") != "" {
			errs = append(errs, fmt.Errorf("trace_id: expected 32 hex digits, got %q", v))
		}
		f.TraceID = strings.ToLower(v)
	}
	var err error
	if f.SinceNs, err = parseTime("since", q.Get("since"), now); err != nil {
		errs = append(errs, err)
	}
	if f.UntilNs, err = parseTime("until", q.Get("until"), now); err != nil {
		errs = append(errs, err)
	}
	if f.SinceNs != 0 && f.UntilNs != 0 && f.UntilNs <= f.SinceNs {
		errs = append(errs, fmt.Errorf("until: must be after since"))
	}
	f.Text = q.Get("q")
	if len(f.Text) > 1000 {
		errs = append(errs, fmt.Errorf("q: at most 1000 bytes, got %d", len(f.Text)))
	}
	return f, errors.Join(errs...)
}

func multi(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// parseTime reads RFC 3339, Unix milliseconds, or a duration before now
// ("15m", "24h").
func parseTime(key, v string, now time.Time) (int64, error) {
	if v == "" {
		return 0, nil
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UnixNano(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UnixNano(), nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return now.Add(-d).UnixNano(), nil
	}
	return 0, fmt.Errorf("%s: expected an RFC 3339 time, Unix milliseconds or a duration such as 15m, got %q", key, v)
}
