package target

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Kinds of a notification: about an incident (firing, then resolved) or a
// one-shot message (the legacy notify() call, never resolved).
const (
	KindIncident = "incident"
	KindOneShot  = "one_shot"
)

// Priorities of a notification, the legacy notify() words: one-shots keep
// the priority they were sent with, incidents take it from their severity.
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Statuses of a notification.
const (
	StatusFiring   = "firing"
	StatusResolved = "resolved"
)

// NotificationVersion is the version of the notification's JSON shape, in
// the queue and in the generic webhook and file payloads.
const NotificationVersion = "1"

// Notification is one message about one group to one target: what the
// grouping stage emits, what the sending queue stores (as JSON), and what
// the templates see.
type Notification struct {
	Version string `json:"version"`
	Target  string `json:"target"`
	// Kind is incident or one_shot.
	Kind string `json:"kind"`
	// Status is firing or resolved; a one-shot is always firing.
	Status string `json:"status"`
	// Priority is low, normal, high or urgent: what each target's own
	// priority field (Slack and Discord colour, ntfy priority) is set from.
	Priority string `json:"priority"`
	// Headline says in a sentence what happened (incident.Sentence); it is
	// the default title.
	Headline string `json:"headline"`
	// Narrative is a short paragraph: what failed, since when, how often,
	// what resolved it (incident.Narrative); it opens the default text.
	Narrative string `json:"narrative"`
	// Repeat is true for a reminder sent after repeat_interval.
	Repeat bool `json:"repeat,omitempty"`
	// Expired is true for a resolution by resolve_timeout (no recovery event).
	Expired bool `json:"expired,omitempty"`
	// GroupKey identifies the group: its group_by values joined.
	GroupKey    string            `json:"group_key"`
	GroupLabels map[string]string `json:"group_labels,omitempty"`

	Family     string `json:"family"`
	Service    string `json:"service"`
	SubjectKey string `json:"subject_key,omitempty"`
	Subject    string `json:"subject,omitempty"`
	EventName  string `json:"event_name"`
	// Severity is the highest severity word of the group's events.
	Severity       string `json:"severity"`
	SeverityNumber int32  `json:"severity_number"`
	// Body is the message of the latest event (the firing one for firing
	// notifications, the recovery for resolved ones).
	Body string `json:"body"`

	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// EventIDs are the ids of the most recent events, oldest first.
	EventIDs []string `json:"event_ids"`
	// Links are dashboard links for EventIDs, in the same order.
	Links []string `json:"links,omitempty"`
	// DashboardURL links to the latest event.
	DashboardURL string `json:"dashboard_url,omitempty"`
	// Attributes are those of the event that opened the group (and of the
	// recovery event, for resolved notifications), as strings.
	Attributes map[string]string `json:"attributes,omitempty"`
	// SilenceNote tells of the silences of this incident that have ended
	// since they held a notification back (it is also appended to Narrative).
	SilenceNote string `json:"silence_note,omitempty"`
	// Time is when the notification was made.
	Time time.Time `json:"time"`
}

var errNoTarget = errors.New("notification has no target")

// DecodeNotification parses a queued notification.
func DecodeNotification(b []byte) (Notification, error) {
	var n Notification
	if err := json.Unmarshal(b, &n); err != nil {
		return n, fmt.Errorf("decode queued notification: %w", err)
	}
	if n.Target == "" {
		return n, errNoTarget
	}
	if n.Status != StatusFiring && n.Status != StatusResolved {
		return n, fmt.Errorf("decode queued notification: status %q is not firing or resolved", n.Status)
	}
	return n, nil
}
