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
	// AttrLegacyTopLevel is set only on json_events records whose line had
	// top-level fields outside the contract; it lists their names so that the
	// json_events encoder writes them back at the top level instead of inside
	// data, which keeps a decoded and re-encoded line identical. The encoder
	// never writes this attribute itself.
	AttrLegacyTopLevel = "track.legacy.top_level"
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
