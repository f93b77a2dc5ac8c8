package target

import "go.opentelemetry.io/collector/pdata/plog"

// SeverityPriority maps a severity onto the legacy priorities the way the
// legacy decoder maps them back (low 9, normal 13, high 17, urgent 21).
func SeverityPriority(sev plog.SeverityNumber) string {
	switch {
	case sev >= plog.SeverityNumberFatal:
		return PriorityUrgent
	case sev >= plog.SeverityNumberError:
		return PriorityHigh
	case sev >= plog.SeverityNumberWarn:
		return PriorityNormal
	default:
		return PriorityLow
	}
}

// PriorityOf is the notification's priority (from its severity when a
// queued notification carries none).
func PriorityOf(n Notification) string {
	switch n.Priority {
	case PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent:
		return n.Priority
	}
	return SeverityPriority(plog.SeverityNumber(n.SeverityNumber))
}

// Colours of chat messages (Slack attachments, Discord embeds), by priority.
const (
	colorUrgent   = 0x8B0000
	colorFiring   = 0xD63232
	colorWarning  = 0xE8A317
	colorLow      = 0x439FE0
	colorResolved = 0x2EB886
)

// Color is the RGB colour a chat message about n is shown with: by
// priority, green once resolved.
func Color(n Notification) int {
	if n.Status == StatusResolved {
		return colorResolved
	}
	switch PriorityOf(n) {
	case PriorityUrgent:
		return colorUrgent
	case PriorityHigh:
		return colorFiring
	case PriorityNormal:
		return colorWarning
	default:
		return colorLow
	}
}
