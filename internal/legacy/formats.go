package legacy

import (
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// Each format below has the same three parts: the slots of its own fields
// (numbered after the common ones, in the order init registers them), the
// word tables of its enum fields, and its build. The parts look alike but
// hold each format's own contract (docs/legacy-formats.md); what they share
// (reading a slot, an enum word and its severity, a body's count) lives in
// fields.go and at the end of this file.

var specs = map[Format]*spec{}

func specOf(f Format) *spec { return specs[f] }

func init() {
	specs[TrackEvent] = newSpec(TrackEvent, buildTrackEvent,
		"event_type", "message", "severity", "category", "source", "timestamp", "metadata")
	js := newSpec(JSONEvents, buildJSONEvent,
		"ts", "level", "event", "msg", "component", "data")
	js.dataWins = true
	specs[JSONEvents] = js
	specs[Dashboard] = newSpec(Dashboard, buildDashboard,
		"type", "action", "message", "stack", "url", "userAgent", "timestamp", "sessionId")
	specs[HealthMonitor] = newSpec(HealthMonitor, buildHealth,
		"check", "status", "previous_status", "latency_ms", "error", "checked_at", "details", "timestamp")
	specs[CircuitBreaker] = newSpec(CircuitBreaker, buildCircuitBreaker,
		"server", "event", "state", "failure_count", "threshold", "error", "cooldown_seconds", "timestamp")
	specs[BackgroundTasks] = newSpec(BackgroundTasks, buildTask,
		"task_id", "task_name", "status", "attempt", "max_attempts", "duration_s", "error", "traceback",
		"finished_at", "started_at", "timestamp")
	specs[Notification] = newSpec(Notification, buildNotification,
		"title", "message", "priority", "source", "tags", "timestamp")
	specs[Blog] = newSpec(Blog, buildBlog,
		"title", "content", "tags", "author", "anomaly", "timestamp")
}

// ---- track_event

const (
	teEventType = nCommon + iota
	teMessage
	teSeverity
	teCategory
	teSource
	teTimestamp
	teMetadata
)

func buildTrackEvent(e *event) {
	e.name = e.reqStr(teEventType, "event_type")
	e.body = e.reqStr(teMessage, "message")
	e.severityWord(teSeverity, "severity", "info")
	e.category = e.str(teCategory, "category")
	if e.category == "" {
		e.category = "system"
	}
	source := e.str(teSource, "source")
	if source != "" {
		if e.service == "" {
			e.service = source
		} else {
			e.putStr("source", source)
		}
	}
	e.time(teTimestamp, "timestamp")
	if o := e.object(teMetadata, "metadata"); o != nil {
		e.flat = append(e.flat, flatObject{field: "metadata", obj: o})
	}
}

// ---- json_events

const (
	jsTS = nCommon + iota
	jsLevel
	jsEvent
	jsMsg
	jsComponent
	jsData
)

func buildJSONEvent(e *event) {
	if e.known[jsTS] == nil {
		e.errs = append(e.errs, &FieldError{Field: "ts", Expected: timeExpected})
	} else {
		e.time(jsTS, "ts")
	}
	e.name = e.reqStr(jsEvent, "event")
	e.severityWord(jsLevel, "level", "INFO")
	e.body = e.name
	if e.known[jsMsg] != nil {
		e.body = e.str(jsMsg, "msg")
	}
	component := e.optStr(jsComponent, "component", track.AttrComponent)
	data := e.object(jsData, "data")
	var dataCategory string
	if data != nil {
		e.flat = append(e.flat, flatObject{field: "data", obj: data})
		// A line written by AppendJSONEvent carries the record's own track.*
		// attributes in data; they are the record's, so they win.
		if v := data.Get(track.AttrSource); v != nil && v.Type() == fastjson.TypeString {
			e.source = e.d.stringOf(v)
		}
		if e.eventID == "" {
			if v := data.Get(track.AttrEventID); v != nil && v.Type() == fastjson.TypeString {
				e.eventID = e.d.stringOf(v)
			}
		}
		if v := data.Get(track.AttrCategory); v != nil && v.Type() == fastjson.TypeString {
			dataCategory = e.d.stringOf(v)
		} else if v := data.Get("category"); v != nil && v.Type() == fastjson.TypeString {
			dataCategory = e.d.stringOf(v)
		}
	}
	switch {
	case dataCategory != "":
		e.category = dataCategory
	case component != "":
		e.category = component
	default:
		e.category = track.CategoryOf(e.name, "")
	}
	e.captureShape()
}

// ---- dashboard

const (
	dbType = nCommon + iota
	dbAction
	dbMessage
	dbStack
	dbURL
	dbUserAgent
	dbTimestamp
	dbSessionID
)

var dashboardTypes = newEnum(
	enumWord{"error", plog.SeverityNumberError},
	enumWord{"warning", plog.SeverityNumberWarn},
	enumWord{"info", plog.SeverityNumberInfo},
	enumWord{"action", plog.SeverityNumberInfo},
)

func buildDashboard(e *event) {
	typ := e.kind(dbType, "type", "dashboard.", dashboardTypes)
	e.body = e.reqStr(dbMessage, "message")
	e.category = "dashboard"
	e.optStr(dbAction, "action", track.AttrDashboardAction)
	if typ == "error" {
		e.putStr(track.AttrExceptionMessage, e.body)
		e.optStr(dbStack, "stack", track.AttrExceptionStacktrace)
	} else {
		e.keepUnused(dbStack, "stack")
	}
	e.optStr(dbURL, "url", track.AttrURLFull)
	e.optStr(dbUserAgent, "userAgent", "user_agent.original")
	if s := e.idStr(dbSessionID, "sessionId"); e.known[dbSessionID] != nil {
		e.putStr(track.AttrSessionID, s)
	}
	e.time(dbTimestamp, "timestamp")
}

// ---- health_monitor

const (
	hmCheck = nCommon + iota
	hmStatus
	hmPrevious
	hmLatency
	hmError
	hmCheckedAt
	hmDetails
	hmTimestamp
)

var healthStatuses = newEnum(
	enumWord{"healthy", plog.SeverityNumberInfo},
	enumWord{"degraded", plog.SeverityNumberWarn},
	enumWord{"unhealthy", plog.SeverityNumberError},
)

func buildHealth(e *event) {
	check := e.reqStr(hmCheck, "check")
	st := e.enum(hmStatus, "status", true, healthStatuses)
	status := st.word
	prev := e.enum(hmPrevious, "previous_status", false, healthStatuses).word
	errMsg := e.str(hmError, "error")
	e.category = "health"
	e.severity(st.sev)
	var b strings.Builder
	b.WriteString(check)
	b.WriteString(": ")
	if prev != "" && prev != status {
		e.name = track.EventHealthStatusChanged
		b.WriteString(prev)
		b.WriteString(" -> ")
	} else {
		e.name = track.EventHealthCheck
	}
	b.WriteString(status)
	if errMsg != "" {
		b.WriteString(" (")
		b.WriteString(errMsg)
		b.WriteString(")")
	}
	e.body = b.String()
	e.putStr(track.AttrHealthCheck, check)
	e.putStr(track.AttrHealthStatus, status)
	if prev != "" {
		e.putStr(track.AttrHealthPreviousStatus, prev)
	}
	e.number(hmLatency, "latency_ms", "health.latency_ms")
	if e.known[hmError] != nil {
		e.putStr(track.AttrExceptionMessage, errMsg)
	}
	e.timeFrom([]int{hmCheckedAt, hmTimestamp}, []string{"checked_at", "timestamp"})
	if o := e.object(hmDetails, "details"); o != nil {
		e.flat = append(e.flat, flatObject{field: "details", obj: o})
	}
}

// ---- circuit_breaker

const (
	cbServer = nCommon + iota
	cbEvent
	cbState
	cbFailureCount
	cbThreshold
	cbError
	cbCooldown
	cbTimestamp
)

var breakerEvents = newEnum(
	enumWord{"failure", plog.SeverityNumberWarn},
	enumWord{"success", plog.SeverityNumberDebug},
	enumWord{"opened", plog.SeverityNumberError},
	enumWord{"half_open", plog.SeverityNumberWarn},
	enumWord{"closed", plog.SeverityNumberInfo},
)

func buildCircuitBreaker(e *event) {
	server := e.reqStr(cbServer, "server")
	ev := e.kind(cbEvent, "event", "mcp.circuit_breaker.", breakerEvents)
	e.category = "mcp"
	state := e.str(cbState, "state")
	errMsg := e.str(cbError, "error")
	e.putStr(track.AttrMCPServerName, server)
	if e.known[cbState] != nil {
		e.putStr(track.AttrCBState, state)
	}
	fc, hasFC := e.number(cbFailureCount, "failure_count", "circuit_breaker.failure_count")
	th, hasTH := e.number(cbThreshold, "threshold", "circuit_breaker.threshold")
	e.number(cbCooldown, "cooldown_seconds", "circuit_breaker.cooldown_s")
	if e.known[cbError] != nil {
		e.putStr(track.AttrExceptionMessage, errMsg)
	}
	e.time(cbTimestamp, "timestamp")

	var b strings.Builder
	b.WriteString("MCP server ")
	b.WriteString(server)
	b.WriteString(" circuit breaker ")
	b.WriteString(strings.ReplaceAll(ev, "_", "-"))
	if hasFC {
		b.WriteString(" (")
		writeCount(&b, fc, th, hasTH)
		b.WriteString(" failures)")
	}
	writeCause(&b, errMsg)
	e.body = b.String()
}

// ---- background_tasks

const (
	btTaskID = nCommon + iota
	btTaskName
	btStatus
	btAttempt
	btMaxAttempts
	btDuration
	btError
	btTraceback
	btFinishedAt
	btStartedAt
	btTimestamp
)

var taskStatuses = newEnum(
	enumWord{"started", plog.SeverityNumberDebug},
	enumWord{"succeeded", plog.SeverityNumberInfo},
	enumWord{"failed", plog.SeverityNumberError},
	enumWord{"retrying", plog.SeverityNumberWarn},
	enumWord{"cancelled", plog.SeverityNumberWarn},
)

func buildTask(e *event) {
	name := e.reqStr(btTaskName, "task_name")
	status := e.kind(btStatus, "status", "task.", taskStatuses)
	e.category = "task"
	if id := e.idStr(btTaskID, "task_id"); e.known[btTaskID] != nil {
		e.putStr(track.AttrTaskID, id)
	}
	e.putStr(track.AttrTaskName, name)
	attempt, hasAttempt := e.number(btAttempt, "attempt", "task.attempt")
	maxAttempts, hasMax := e.number(btMaxAttempts, "max_attempts", "task.max_attempts")
	e.number(btDuration, "duration_s", "task.duration_s")
	if status == "failed" {
		if !hasAttempt {
			attempt = 1
		}
		e.putBool(track.AttrTaskFinal, !hasMax || attempt >= maxAttempts)
	}
	errMsg := e.str(btError, "error")
	if e.known[btError] != nil {
		if i := strings.Index(errMsg, ": "); i > 0 {
			e.putStr(track.AttrExceptionType, errMsg[:i])
			e.putStr(track.AttrExceptionMessage, errMsg[i+2:])
		} else {
			e.putStr(track.AttrExceptionMessage, errMsg)
		}
	}
	e.optStr(btTraceback, "traceback", track.AttrExceptionStacktrace)
	e.timeFrom([]int{btFinishedAt, btStartedAt, btTimestamp}, []string{"finished_at", "started_at", "timestamp"})

	var b strings.Builder
	b.WriteString("Task ")
	b.WriteString(name)
	b.WriteString(" ")
	b.WriteString(status)
	if hasAttempt {
		b.WriteString(" (attempt ")
		writeCount(&b, attempt, maxAttempts, hasMax)
		b.WriteString(")")
	}
	writeCause(&b, errMsg)
	e.body = b.String()
}

// ---- notification

const (
	ntTitle = nCommon + iota
	ntMessage
	ntPriority
	ntSource
	ntTags
	ntTimestamp
)

var notificationPriorities = newEnum(
	enumWord{"low", plog.SeverityNumberInfo},
	enumWord{"normal", plog.SeverityNumberWarn},
	enumWord{"high", plog.SeverityNumberError},
	enumWord{"urgent", plog.SeverityNumberFatal},
	enumWord{"critical", plog.SeverityNumberFatal},
)

func buildNotification(e *event) {
	title := e.reqStr(ntTitle, "title")
	e.body = e.reqStr(ntMessage, "message")
	e.name = track.EventNotification
	prio := enumWord{"normal", plog.SeverityNumberWarn} // when none is sent
	if e.known[ntPriority] != nil {
		prio = e.enum(ntPriority, "priority", false, notificationPriorities)
	}
	e.severity(prio.sev)
	e.category = e.str(ntSource, "source")
	if e.category == "" {
		e.category = "notification"
	}
	e.putStr(track.AttrNotificationTitle, title)
	e.putStr(track.AttrNotificationPriority, prio.word)
	e.tags(ntTags)
	e.time(ntTimestamp, "timestamp")
}

// ---- blog

const (
	blTitle = nCommon + iota
	blContent
	blTags
	blAuthor
	blAnomaly
	blTimestamp
)

func buildBlog(e *event) {
	title := e.reqStr(blTitle, "title")
	e.body = e.reqStr(blContent, "content")
	anomaly := e.object(blAnomaly, "anomaly")
	if e.known[blAnomaly] != nil {
		e.name = track.EventAnomalyDetected
		e.category = "anomaly"
		e.severity(plog.SeverityNumberWarn)
	} else {
		e.name = track.EventBlogPost
		e.category = "blog"
		e.severity(plog.SeverityNumberInfo)
	}
	e.putStr(track.AttrBlogTitle, title)
	e.optStr(blAuthor, "author", track.AttrBlogAuthor)
	e.tags(blTags)
	if anomaly != nil {
		e.flat = append(e.flat, flatObject{field: "anomaly", prefix: "anomaly.", obj: anomaly})
	}
	e.time(blTimestamp, "timestamp")
}

// writeCount writes n of a body's "(3/5 failures)", and "/of" when of was
// sent.
func writeCount(b *strings.Builder, n, of float64, hasOf bool) {
	b.WriteString(strconv.FormatFloat(n, 'f', -1, 64))
	if hasOf {
		b.WriteString("/")
		b.WriteString(strconv.FormatFloat(of, 'f', -1, 64))
	}
}

// writeCause ends a body with ": msg" when there is an error message.
func writeCause(b *strings.Builder, msg string) {
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
}
