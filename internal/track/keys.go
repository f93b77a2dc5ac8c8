// Package track holds the meaning of the track.* attributes that every unitrack
// component reads or writes, so that a key is spelled and interpreted in one place.
package track

// Attribute keys written on every log record that passes through unitrack.
const (
	// AttrSource is the legacy format the event arrived in (track_event,
	// json_events, dashboard, ...), or "otlp" for records from OTLP SDKs.
	AttrSource = "track.source"
	// AttrCategory is the routing category (mcp, health, task, dashboard, ...).
	AttrCategory = "track.category"
	// AttrEventID is the event's unique, time-ordered id (a ULID when minted here).
	AttrEventID = "track.event_id"
	// AttrComponent is the json_events "component" field.
	AttrComponent = "track.component"
	// AttrTags is a slice of free-form tags (notification and blog formats).
	AttrTags = "track.tags"
	// AttrRoutes is the sorted, de-duplicated list of sinks the route processor
	// chose for the record; sink pipelines select on it.
	AttrRoutes = "track.routes"
	// AttrLegacyKeys is set only on records decoded from a json_events line
	// whose top-level keys are not the legacy writer's usual ts, level, event,
	// [component], msg, data, [pid], [host]: it lists them in the line's order
	// (unknown fields included) so that the json_events encoder writes the
	// line back with the same keys in the same order.
	AttrLegacyKeys = "track.legacy.keys"
	// AttrLegacyRaw is set only on records decoded from a json_events line
	// with top-level values the record cannot spell again (a ts of 1764331200
	// or in milliseconds, a null, a pid sent as a string, a data object with
	// track.* keys or numbers such as 1E5 or beyond int64): a map from the
	// key to the value's JSON text as sent, which the encoder writes instead.
	AttrLegacyRaw = "track.legacy.raw"
	// AttrLegacyPrefix starts every track.legacy.* key: bookkeeping of the
	// json_events encoder, never written into a line's data.
	AttrLegacyPrefix = "track.legacy."
)

// SourceOTLP is the AttrSource value given to records that arrived over OTLP
// without one.
const SourceOTLP = "otlp"

// Semantic-convention and contract attribute keys that more than one component
// interprets (the subject of an incident, exception details, state fields).
const (
	AttrServiceName = "service.name"
	AttrHostName    = "host.name"
	AttrProcessPID  = "process.pid"

	AttrMCPServerName = "mcp.server.name"
	AttrCBState       = "circuit_breaker.state"

	AttrHealthCheck          = "health.check"
	AttrHealthStatus         = "health.status"
	AttrHealthPreviousStatus = "health.previous_status"

	AttrTaskID    = "task.id"
	AttrTaskName  = "task.name"
	AttrTaskFinal = "task.final"

	AttrExceptionType       = "exception.type"
	AttrExceptionMessage    = "exception.message"
	AttrExceptionStacktrace = "exception.stacktrace"

	AttrDashboardAction = "dashboard.action"
	AttrSessionID       = "session.id"
	AttrURLFull         = "url.full"

	AttrNotificationTitle    = "notification.title"
	AttrNotificationPriority = "notification.priority"

	AttrBlogTitle  = "blog.title"
	AttrBlogAuthor = "blog.author"
)

// Event names from the legacy contract that carry meaning beyond their text.
const (
	EventCBOpened            = "mcp.circuit_breaker.opened"
	EventCBClosed            = "mcp.circuit_breaker.closed"
	EventHealthStatusChanged = "health.status_changed"
	EventHealthCheck         = "health.check"
	EventTaskFailed          = "task.failed"
	EventTaskSucceeded       = "task.succeeded"
	EventAnomalyDetected     = "anomaly.detected"
	// EventAnomalyResolved ends the episode an anomaly.detected opened (the
	// anomaly connector sends it when an error-rate spike or a silence ends).
	EventAnomalyResolved = "anomaly.resolved"
	EventBlogPost        = "blog.post"
	EventNotification    = "notification"
)
