// Package incident is the incident model that notify and blog share: which
// incident an event belongs to (its key: family, service and subject),
// whether it fires, resolves, only adds to an incident or is a one-shot
// message, and the plain sentence that says what happened.
package incident

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// Kind is what an event does to its incident.
type Kind int

const (
	// Other events join an incident that is open but never open one.
	Other Kind = iota
	// Firing events open an incident (or keep one firing).
	Firing
	// Resolving events close the incident of their group, if one fired.
	Resolving
	// OneShot events are messages of their own (the legacy notify() call):
	// delivered once, never grouped into an incident, never resolved.
	OneShot
)

func (k Kind) String() string {
	switch k {
	case Firing:
		return "firing"
	case Resolving:
		return "resolved"
	case OneShot:
		return "one_shot"
	default:
		return "other"
	}
}

// Key identifies an incident: events with equal keys are one incident.
type Key struct {
	// Family is the subject's domain (mcp, health, task, dashboard, ...) when
	// the event has a subject, so that every event about one MCP server,
	// whatever its name or format, is one incident; without a subject it is
	// the event name without its last dot-separated segment
	// (mcp.circuit_breaker.opened and .closed are both mcp.circuit_breaker),
	// so that a recovery event lands in the group of its failure.
	Family string
	// Service is the resource's service.name.
	Service string
	// SubjectKey is the canonical subject attribute (mcp.server.name, ...),
	// also when the event named it through an alias (track_event metadata
	// `server`); SubjectValue is its value.
	SubjectKey   string
	SubjectValue string
}

// String is a stable, human-readable form of the key, usable as a map key or
// file-name seed: family|service|subject_key=subject_value.
func (k Key) String() string {
	var b strings.Builder
	b.WriteString(k.Family)
	b.WriteByte('|')
	b.WriteString(k.Service)
	b.WriteByte('|')
	if k.SubjectKey != "" {
		b.WriteString(k.SubjectKey)
		b.WriteByte('=')
		b.WriteString(k.SubjectValue)
	}
	return b.String()
}

// Family is the event name without its last dot-separated segment; a name
// with no dot is its own family.
func Family(eventName string) string {
	if i := strings.LastIndexByte(eventName, '.'); i > 0 {
		return eventName[:i]
	}
	return eventName
}

// KeyOf is the incident key of a record under its resource.
func KeyOf(lr plog.LogRecord, resource pcommon.Resource) Key {
	var k Key
	if v, ok := resource.Attributes().Get(track.AttrServiceName); ok {
		k.Service = v.AsString()
	}
	if s, value, ok := subjectOf(lr.Attributes()); ok {
		k.Family, k.SubjectKey, k.SubjectValue = s.domain, s.key, value
		return k
	}
	k.Family = Family(lr.EventName())
	return k
}

// Classify says what a record does to its incident:
//
//   - notification (the legacy notify() call) is a one-shot message;
//   - mcp.circuit_breaker.opened fires; mcp.circuit_breaker.closed resolves;
//   - health.status_changed or health.check to unhealthy fires, to healthy
//     resolves (degraded only joins);
//   - task.failed fires when task.final is true (or absent) and only joins
//     while retries remain; task.succeeded resolves;
//   - anomaly.resolved resolves (anomaly.detected of the same anomaly.metric
//     fires by its severity);
//   - any other record of severity ERROR (17) or above fires.
func Classify(lr plog.LogRecord) Kind {
	attrs := lr.Attributes()
	switch lr.EventName() {
	case track.EventNotification:
		return OneShot
	case track.EventCBOpened:
		return Firing
	case track.EventCBClosed:
		return Resolving
	case track.EventHealthStatusChanged, track.EventHealthCheck:
		if v, ok := attrs.Get(track.AttrHealthStatus); ok {
			switch v.AsString() {
			case "unhealthy":
				return Firing
			case "healthy":
				return Resolving
			}
		}
		return Other
	case track.EventTaskFailed:
		if v, ok := attrs.Get(track.AttrTaskFinal); ok && v.Type() == pcommon.ValueTypeBool && !v.Bool() {
			return Other
		}
		return Firing
	case track.EventTaskSucceeded, track.EventAnomalyResolved:
		return Resolving
	}
	if lr.SeverityNumber() >= plog.SeverityNumberError {
		return Firing
	}
	return Other
}
