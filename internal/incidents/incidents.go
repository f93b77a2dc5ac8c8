// Package incidents is the contract of the incident ledger: the components
// that fold events into incidents (notify, blog) record incidents, the
// notifications sent about them and the posts written about them; notify asks
// it which notifications a silence holds back; the dashboard reads it all and
// manages silences. The incidents extension implements it; components find it
// through host.GetExtensions(), so none of them imports another or reads
// another's files.
package incidents // import "github.com/unitrack/unitrack/internal/incidents"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/incident"
)

// Statuses of an incident.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
)

// Statuses of a delivery attempt.
const (
	DeliveryDelivered = "delivered"
	// DeliveryRetrying: the attempt failed and the notification stays queued.
	DeliveryRetrying = "retrying"
	// DeliveryFailed: the target refused it for good (or it was dropped).
	DeliveryFailed = "failed"
	// DeliverySilenced: a silence held the notification back.
	DeliverySilenced = "silenced"
)

// ErrNotFound is returned for an unknown incident or silence id.
var ErrNotFound = errors.New("not found")

// ErrStatic is returned when expiring a silence of the configuration.
var ErrStatic = errors.New("a static silence ends when it is removed from the incidents extension's configuration")

// Event is one event folded into an incident.
type Event struct {
	// Key is the incident key (incident.Key.String()).
	Key string
	// Kind is incident.Kind.String() of the event: "firing" opens an
	// incident (or joins the open one), "resolved" resolves it, anything
	// else only joins an open one.
	Kind       string
	SubjectKey string
	Subject    string
	Service    string
	Category   string
	EventName  string
	// EventID is track.event_id; events recorded twice (notify and blog see
	// the same event) are counted once by it.
	EventID string
	Time    time.Time
	// Body and Facts (incident.FactsOf of its attributes) are optional: the
	// incident's title quotes those of its latest firing event ("… after 5
	// failures — Timeout after 30s"); without them it says less.
	Body  string
	Facts map[string]string
}

// Quoting returns e with Body and Facts taken from lr when e is a firing
// event (the only ones the title quotes), so every recorder quotes alike.
func (e Event) Quoting(lr plog.LogRecord) Event {
	if e.Kind == incident.Firing.String() {
		e.Body = lr.Body().AsString()
		e.Facts = incident.FactsOf(lr.Attributes())
	}
	return e
}

// Delivery is one attempt to deliver a notification.
type Delivery struct {
	// Key is the incident key of the notification.
	Key    string    `json:"-"`
	Target string    `json:"target"`
	Time   time.Time `json:"time"`
	Status string    `json:"status"`
	// Kind is firing, repeat or resolved (one_shot for one-shot messages).
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Text  string `json:"text"`
	// Error is the failure of a retrying or failed attempt.
	Error string `json:"error,omitempty"`
	// SilenceID is the silence that held a silenced notification back.
	SilenceID int64 `json:"silence_id,omitempty"`
}

// Post is the blog post written about an incident.
type Post struct {
	Key   string    `json:"-"`
	Slug  string    `json:"slug"`
	Title string    `json:"title"`
	Path  string    `json:"path"`
	URL   string    `json:"url,omitempty"`
	Time  time.Time `json:"time"`
}

// Incident is one incident as the ledger holds it.
type Incident struct {
	ID         int64  `json:"id"`
	Key        string `json:"key"`
	SubjectKey string `json:"subject_key,omitempty"`
	Subject    string `json:"subject,omitempty"`
	Service    string `json:"service,omitempty"`
	Category   string `json:"category,omitempty"`
	EventName  string `json:"event_name,omitempty"`
	// Title says the incident in plain words (incident.Sentence of its
	// latest firing event, counts and resolution), kept current by the
	// ledger; its key when nothing names it.
	Title      string    `json:"title"`
	Status     string    `json:"status"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Duration is from first seen to resolved (or to last seen while open), in seconds.
	Duration float64 `json:"duration_seconds"`
	Events   int64   `json:"events"`
	// EventIDs are a bounded sample of the most recent event ids, oldest first.
	EventIDs []string `json:"event_ids"`
}

// Detail is an incident with what was sent and written about it.
type Detail struct {
	Incident
	Deliveries []Delivery `json:"deliveries"`
	Posts      []Post     `json:"posts"`
}

// Matcher selects what a silence holds back: every field that is set must
// equal the notification's (empty fields match anything); at least one is set.
type Matcher struct {
	Subject   string `json:"subject,omitempty" mapstructure:"subject"`
	GroupKey  string `json:"group_key,omitempty" mapstructure:"group_key"`
	Category  string `json:"category,omitempty" mapstructure:"category"`
	Service   string `json:"service,omitempty" mapstructure:"service"`
	EventName string `json:"event_name,omitempty" mapstructure:"event_name"`
}

// IsEmpty reports whether no field is set (such a matcher would match everything).
func (m Matcher) IsEmpty() bool { return m == Matcher{} }

// Matches reports whether the matcher selects n.
func (m Matcher) Matches(n Notification) bool {
	return !m.IsEmpty() &&
		(m.Subject == "" || m.Subject == n.Subject) &&
		(m.GroupKey == "" || m.GroupKey == n.GroupKey) &&
		(m.Category == "" || m.Category == n.Category) &&
		(m.Service == "" || m.Service == n.Service) &&
		(m.EventName == "" || m.EventName == n.EventName)
}

// Silence holds back the notifications its matcher selects from StartsAt to EndsAt.
type Silence struct {
	ID       int64     `json:"id"`
	Matcher  Matcher   `json:"matcher"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Author   string    `json:"author"`
	Comment  string    `json:"comment"`
	// Suppressed counts the notifications it held back.
	Suppressed int64 `json:"suppressed"`
	// Static silences come from the extension's configuration; they cannot be expired by API.
	Static    bool      `json:"static,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Active reports whether s holds notifications back at now.
func (s Silence) Active(now time.Time) bool { return !now.Before(s.StartsAt) && now.Before(s.EndsAt) }

// Notification is what notify asks about before sending.
type Notification struct {
	// Key is the incident key.
	Key       string
	Subject   string
	GroupKey  string
	Category  string
	Service   string
	EventName string
}

// Verdict is the ledger's answer for one notification.
type Verdict struct {
	// SilencedBy is the id of the active silence that holds it back; 0 sends it.
	SilencedBy int64
	// Expired are the silences that held back notifications of this incident
	// and have ended since: the notification that is sent says so (each is
	// told once).
	Expired []Expired
}

// Expired tells of a silence that has ended.
type Expired struct {
	Silence    Silence
	Suppressed int64 // notifications of this incident it held back
}

// Query selects incidents.
type Query struct {
	// Status is StatusOpen, StatusResolved or empty for both.
	Status string
	// Limit bounds the answer (most recently seen first); 0 is the ledger's default.
	Limit int
}

// SubjectStat sums up the incidents of one incident key (one subject) that
// opened in a window: how many, how many of them are resolved and how long
// those took, and the latest one. The dashboard's analytics show it; the
// JSON names are the page's.
type SubjectStat struct {
	Key string `json:"key"`
	// Family is the key's first part (internal/incident Key.Family: mcp,
	// health, task, ... or the event name's family).
	Family  string `json:"family"`
	Subject string `json:"subject"`
	// Phrase names the subject in words (incident.SubjectPhrase: "MCP
	// server filesystem"); empty when the subject key is not a known one.
	Phrase  string `json:"phrase,omitempty"`
	Service string `json:"service"`
	// Count is the incidents opened in the window, Resolved those of them
	// the ledger has resolved (by a recovery event, notify's resolution or
	// resolve_timeout).
	Count    int `json:"count"`
	Resolved int `json:"resolved"`
	// MTTRSeconds is the mean time from first seen to resolved of the
	// resolved ones, LongestSeconds the longest (0 when none is).
	MTTRSeconds    float64 `json:"mttr_seconds"`
	LongestSeconds float64 `json:"longest_seconds"`
	// Open: the latest of them is still open.
	Open bool `json:"open"`
	// LastStart is the latest one's first seen (Unix ms), LastEventID its
	// most recent event id.
	LastStart   int64  `json:"last_start"`
	LastEventID string `json:"last_event_id"`
	// LastID is the latest one's incident id.
	LastID int64 `json:"last_id"`
}

// Recorder is what notify and blog write.
type Recorder interface {
	// RecordEvents folds events into incidents.
	RecordEvents(ctx context.Context, events []Event) error
	// RecordDelivery records one delivery attempt of a notification.
	RecordDelivery(ctx context.Context, d Delivery) error
	// RecordPost records (or updates) the post about an incident.
	RecordPost(ctx context.Context, p Post) error
	// Check tells whether a silence holds n back at now (counting it on the
	// silence) and which ended silences the notification must mention.
	Check(ctx context.Context, n Notification, now time.Time) (Verdict, error)
}

// Source is what the dashboard reads and manages.
type Source interface {
	Incidents(ctx context.Context, q Query) ([]Incident, error)
	Incident(ctx context.Context, id int64) (Detail, error)
	// IncidentOfEvent returns the incident an event id was folded into.
	IncidentOfEvent(ctx context.Context, eventID string) (Incident, error)
	// SubjectStats sums up, per incident key, the incidents that opened in
	// [since, until), the keys with most incidents first, at most limit
	// (0: the ledger's default).
	SubjectStats(ctx context.Context, since, until time.Time, limit int) ([]SubjectStat, error)
	Silences(ctx context.Context) ([]Silence, error)
	CreateSilence(ctx context.Context, s Silence) (Silence, error)
	// ExpireSilence ends a silence at now.
	ExpireSilence(ctx context.Context, id int64, now time.Time) (Silence, error)
}

// Ledger is both sides; the incidents extension implements it.
type Ledger interface {
	Recorder
	Source
}

// Find returns the first extension of host that is a Ledger.
func Find(host component.Host) (Ledger, bool) {
	if host == nil {
		return nil, false
	}
	for _, ext := range host.GetExtensions() {
		if l, ok := ext.(Ledger); ok {
			return l, true
		}
	}
	return nil, false
}

// Limits of a silence's texts.
const (
	MaxAuthorLen  = 200
	MaxCommentLen = 2000
	MaxMatchLen   = 1000
)

// Validate checks a silence before it is stored. Errors start with the
// field name so callers can prefix the path (silences::0::…).
func (s Silence) Validate() error {
	var errs []error
	if s.Matcher.IsEmpty() {
		errs = append(errs, errors.New("matcher: set at least one of subject, group_key, category, service, event_name"))
	}
	for _, f := range []struct{ k, v string }{
		{"subject", s.Matcher.Subject}, {"group_key", s.Matcher.GroupKey}, {"category", s.Matcher.Category},
		{"service", s.Matcher.Service}, {"event_name", s.Matcher.EventName},
	} {
		if len(f.v) > MaxMatchLen {
			errs = append(errs, fmt.Errorf("matcher::%s: at most %d bytes, got %d", f.k, MaxMatchLen, len(f.v)))
		}
	}
	switch {
	case s.EndsAt.IsZero():
		errs = append(errs, errors.New("ends_at: missing, want an RFC 3339 time"))
	case !s.EndsAt.After(s.StartsAt):
		errs = append(errs, fmt.Errorf("ends_at: must be after starts_at (%s), got %s", s.StartsAt.UTC().Format(time.RFC3339), s.EndsAt.UTC().Format(time.RFC3339)))
	}
	if strings.TrimSpace(s.Author) == "" {
		errs = append(errs, errors.New("author: must not be empty"))
	} else if len(s.Author) > MaxAuthorLen {
		errs = append(errs, fmt.Errorf("author: at most %d bytes, got %d", MaxAuthorLen, len(s.Author)))
	}
	if len(s.Comment) > MaxCommentLen {
		errs = append(errs, fmt.Errorf("comment: at most %d bytes, got %d", MaxCommentLen, len(s.Comment)))
	}
	return errors.Join(errs...)
}
