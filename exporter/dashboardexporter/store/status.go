package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/unitrack/unitrack/internal/track"
)

// Status kinds on the status board.
const (
	KindHealth  = "health"
	KindCircuit = "circuit_breaker"
)

type statusKey struct{ kind, subject, service string }

type statusRow struct {
	state, eventID, eventName, message string
	timeNs                             int64
	severity                           int32
}

// statusUpdates collects, within one batch, the newest state per subject.
type statusUpdates map[statusKey]statusRow

func (u *statusUpdates) add(ev *Event) {
	if !strings.Contains(ev.Attributes, `"health.check"`) && !strings.Contains(ev.Attributes, `"mcp.server.name"`) {
		return
	}
	attrs := pcommon.NewMap()
	if err := decodeMap(ev.Attributes, attrs); err != nil {
		return
	}
	get := func(k string) string {
		if v, ok := attrs.Get(k); ok {
			return v.AsString()
		}
		return ""
	}
	var key statusKey
	var state string
	switch {
	case get(track.AttrHealthCheck) != "" && get(track.AttrHealthStatus) != "":
		key = statusKey{KindHealth, get(track.AttrHealthCheck), ev.Service}
		state = get(track.AttrHealthStatus)
	case get(track.AttrMCPServerName) != "":
		state = get(track.AttrCBState)
		if state == "" {
			state = cbStateOf(ev.EventName)
		}
		if state == "" {
			return
		}
		key = statusKey{KindCircuit, get(track.AttrMCPServerName), ev.Service}
	default:
		return
	}
	row := statusRow{state: state, eventID: ev.EventID, eventName: ev.EventName, message: ev.Body,
		timeNs: ev.TimeUnixNano, severity: ev.SeverityNumber}
	if *u == nil {
		*u = statusUpdates{}
	}
	if old, ok := (*u)[key]; ok && old.timeNs > row.timeNs {
		return
	}
	(*u)[key] = row
}

// cbStateOf is the breaker state an mcp.circuit_breaker.* event implies when
// it does not say.
func cbStateOf(eventName string) string {
	switch eventName {
	case "mcp.circuit_breaker.opened":
		return "open"
	case "mcp.circuit_breaker.closed":
		return "closed"
	case "mcp.circuit_breaker.half_open":
		return "half_open"
	}
	return ""
}

func (u statusUpdates) apply(ctx context.Context, tx *sql.Tx) error {
	for k, r := range u {
		_, err := tx.ExecContext(ctx, `INSERT INTO status (kind, subject, service, state, time_ns, event_id, event_name, severity_number, message)
			VALUES (?,?,?,?,?,?,?,?,?)
			ON CONFLICT (kind, subject, service) DO UPDATE SET state=excluded.state, time_ns=excluded.time_ns,
				event_id=excluded.event_id, event_name=excluded.event_name, severity_number=excluded.severity_number,
				message=excluded.message
			WHERE excluded.time_ns >= status.time_ns`,
			k.kind, k.subject, k.service, r.state, r.timeNs, r.eventID, r.eventName, r.severity, r.message)
		if err != nil {
			return fmt.Errorf("update status of %s %q: %w", k.kind, k.subject, err)
		}
	}
	return nil
}

// StatusEntry is one line of the status board.
type StatusEntry struct {
	Kind           string `json:"kind"`
	Subject        string `json:"subject"`
	Service        string `json:"service"`
	State          string `json:"state"`
	Time           string `json:"time"`
	EventID        string `json:"event_id"`
	EventName      string `json:"event_name"`
	SeverityNumber int32  `json:"severity_number"`
	Message        string `json:"message"`
}
