// Package incident is the incident model that notify and blog share: which
// group an event belongs to (its family and subject), and whether it fires,
// resolves, or only adds to an incident.
package incident

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// SubjectKeys are the attributes that name what an event is about, in the
// order they are looked for. The first one present is the event's subject.
var SubjectKeys = []string{
	track.AttrMCPServerName,
	track.AttrHealthCheck,
	track.AttrTaskName,
	"anomaly.metric",
	track.AttrDashboardAction,
	track.AttrNotificationTitle,
	track.AttrBlogTitle,
}

// Kind is what an event does to its incident.
type Kind int

const (
	// Other events join an incident that is open but never open one.
	Other Kind = iota
	// Firing events open an incident (or keep one firing).
	Firing
	// Resolving events close the incident of their group, if one fired.
	Resolving
)

func (k Kind) String() string {
	switch k {
	case Firing:
		return "firing"
	case Resolving:
		return "resolved"
	default:
		return "other"
	}
}

// Key identifies an incident: events with equal keys are one incident.
type Key struct {
	// Family is the event name without its last dot-separated segment
	// (mcp.circuit_breaker.opened and .closed are both mcp.circuit_breaker),
	// so that the recovery event lands in the group of the failure.
	Family string
	// Service is the resource's service.name.
	Service string
	// SubjectKey and SubjectValue are the first of SubjectKeys present.
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

// Subject returns the event's subject attribute and its value as a string.
func Subject(attrs pcommon.Map) (key, value string) {
	for _, k := range SubjectKeys {
		if v, ok := attrs.Get(k); ok {
			return k, v.AsString()
		}
	}
	return "", ""
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
	k := Key{Family: Family(lr.EventName())}
	if v, ok := resource.Attributes().Get(track.AttrServiceName); ok {
		k.Service = v.AsString()
	}
	k.SubjectKey, k.SubjectValue = Subject(lr.Attributes())
	return k
}

// Classify says whether a record fires, resolves or only joins an incident:
//
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
