package legacy

import (
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// Each format below has the same three parts: its own fields, each declared
// once with its JSON name (ownFields numbers them after the common ones, in
// declaration order; init gives the set to newSpec), the word tables of its
// enum fields, and its build, which reads a field by its declaration. The
// parts look alike but hold each format's own contract
// (docs/legacy-formats.md); what they share (reading a field, an enum word
// and its severity, a body's count) lives in fields.go and at the end of
// this file.

var specs = map[Format]*spec{}

func specOf(f Format) *spec { return specs[f] }

func init() {
	specs[TrackEvent] = newSpec(TrackEvent, buildTrackEvent, teFields)
	js := newSpec(JSONEvents, buildJSONEvent, jsFields)
	js.dataWins = true
	specs[JSONEvents] = js
	contractKeys = js.slots
	specs[Dashboard] = newSpec(Dashboard, buildDashboard, dbFields)
	specs[HealthMonitor] = newSpec(HealthMonitor, buildHealth, hmFields)
	specs[CircuitBreaker] = newSpec(CircuitBreaker, buildCircuitBreaker, cbFields)
	specs[BackgroundTasks] = newSpec(BackgroundTasks, buildTask, btFields)
	specs[Notification] = newSpec(Notification, buildNotification, ntFields)
	specs[Blog] = newSpec(Blog, buildBlog, blFields)
}

// ---- track_event

var (
	teFields    = ownFields()
	teEventType = teFields.add("event_type")
	teMessage   = teFields.add("message")
	teSeverity  = teFields.add("severity")
	teCategory  = teFields.add("category")
	teSource    = teFields.add("source")
	teTimestamp = teFields.add("timestamp")
	teMetadata  = teFields.add("metadata")
)

func buildTrackEvent(e *event) {
	e.name = e.reqStr(teEventType)
	e.body = e.reqStr(teMessage)
	e.severityWord(teSeverity, "info")
	e.category = e.str(teCategory)
	if e.category == "" {
		e.category = "system"
	}
	source := e.str(teSource)
	if source != "" {
		if e.service == "" {
			e.service = source
		} else {
			e.putStr(teSource.name, source)
		}
	}
	e.time(teTimestamp)
	e.flatten(teMetadata, "")
}

// ---- json_events

var (
	jsFields    = ownFields()
	jsTS        = jsFields.add("ts")
	jsLevel     = jsFields.add("level")
	jsEvent     = jsFields.add("event")
	jsMsg       = jsFields.add("msg")
	jsComponent = jsFields.add("component")
	jsData      = jsFields.add("data")
)

func buildJSONEvent(e *event) {
	if !e.has(jsTS) {
		e.errs = append(e.errs, &FieldError{Field: jsTS.name, Expected: timeExpected})
	} else {
		e.time(jsTS)
	}
	e.name = e.reqStr(jsEvent)
	e.severityWord(jsLevel, "INFO")
	e.body = e.name
	if e.has(jsMsg) {
		e.body = e.str(jsMsg)
	}
	component := e.optStr(jsComponent, track.AttrComponent)
	data := e.object(jsData)
	var dataCategory string
	if data != nil {
		e.flat = append(e.flat, flatObject{field: jsData.name, obj: data})
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

var (
	dbFields    = ownFields()
	dbType      = dbFields.add("type")
	dbAction    = dbFields.add("action")
	dbMessage   = dbFields.add("message")
	dbStack     = dbFields.add("stack")
	dbURL       = dbFields.add("url")
	dbUserAgent = dbFields.add("userAgent")
	dbTimestamp = dbFields.add("timestamp")
	dbSessionID = dbFields.add("sessionId")
)

var dashboardTypes = newEnum(
	enumWord{"error", plog.SeverityNumberError},
	enumWord{"warning", plog.SeverityNumberWarn},
	enumWord{"info", plog.SeverityNumberInfo},
	enumWord{"action", plog.SeverityNumberInfo},
)

func buildDashboard(e *event) {
	typ := e.kind(dbType, "dashboard.", dashboardTypes)
	e.body = e.reqStr(dbMessage)
	e.category = "dashboard"
	e.optStr(dbAction, track.AttrDashboardAction)
	if typ == "error" {
		e.putStr(track.AttrExceptionMessage, e.body)
		e.optStr(dbStack, track.AttrExceptionStacktrace)
	} else {
		e.keepUnused(dbStack)
	}
	e.optStr(dbURL, track.AttrURLFull)
	e.optStr(dbUserAgent, "user_agent.original")
	if s := e.idStr(dbSessionID); e.has(dbSessionID) {
		e.putStr(track.AttrSessionID, s)
	}
	e.time(dbTimestamp)
}

// ---- health_monitor

var (
	hmFields    = ownFields()
	hmCheck     = hmFields.add("check")
	hmStatus    = hmFields.add("status")
	hmPrevious  = hmFields.add("previous_status")
	hmLatency   = hmFields.add("latency_ms")
	hmError     = hmFields.add("error")
	hmCheckedAt = hmFields.add("checked_at")
	hmDetails   = hmFields.add("details")
	hmTimestamp = hmFields.add("timestamp")
)

var healthStatuses = newEnum(
	enumWord{"healthy", plog.SeverityNumberInfo},
	enumWord{"degraded", plog.SeverityNumberWarn},
	enumWord{"unhealthy", plog.SeverityNumberError},
)

func buildHealth(e *event) {
	check := e.reqStr(hmCheck)
	st := e.enum(hmStatus, true, healthStatuses)
	status := st.word
	prev := e.enum(hmPrevious, false, healthStatuses).word
	errMsg := e.str(hmError)
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
	e.number(hmLatency, "health.latency_ms")
	if e.has(hmError) {
		e.putStr(track.AttrExceptionMessage, errMsg)
	}
	e.timeFrom(hmCheckedAt, hmTimestamp)
	e.flatten(hmDetails, "")
}

// ---- circuit_breaker

var (
	cbFields       = ownFields()
	cbServer       = cbFields.add("server")
	cbEvent        = cbFields.add("event")
	cbState        = cbFields.add("state")
	cbFailureCount = cbFields.add("failure_count")
	cbThreshold    = cbFields.add("threshold")
	cbError        = cbFields.add("error")
	cbCooldown     = cbFields.add("cooldown_seconds")
	cbTimestamp    = cbFields.add("timestamp")
)

var breakerEvents = newEnum(
	enumWord{"failure", plog.SeverityNumberWarn},
	enumWord{"success", plog.SeverityNumberDebug},
	enumWord{"opened", plog.SeverityNumberError},
	enumWord{"half_open", plog.SeverityNumberWarn},
	enumWord{"closed", plog.SeverityNumberInfo},
)

func buildCircuitBreaker(e *event) {
	server := e.reqStr(cbServer)
	ev := e.kind(cbEvent, "mcp.circuit_breaker.", breakerEvents)
	e.category = "mcp"
	state := e.str(cbState)
	errMsg := e.str(cbError)
	e.putStr(track.AttrMCPServerName, server)
	if e.has(cbState) {
		e.putStr(track.AttrCBState, state)
	}
	fc, hasFC := e.number(cbFailureCount, "circuit_breaker.failure_count")
	th, hasTH := e.number(cbThreshold, "circuit_breaker.threshold")
	e.number(cbCooldown, "circuit_breaker.cooldown_s")
	if e.has(cbError) {
		e.putStr(track.AttrExceptionMessage, errMsg)
	}
	e.time(cbTimestamp)

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

var (
	btFields      = ownFields()
	btTaskID      = btFields.add("task_id")
	btTaskName    = btFields.add("task_name")
	btStatus      = btFields.add("status")
	btAttempt     = btFields.add("attempt")
	btMaxAttempts = btFields.add("max_attempts")
	btDuration    = btFields.add("duration_s")
	btError       = btFields.add("error")
	btTraceback   = btFields.add("traceback")
	btFinishedAt  = btFields.add("finished_at")
	btStartedAt   = btFields.add("started_at")
	btTimestamp   = btFields.add("timestamp")
)

var taskStatuses = newEnum(
	enumWord{"started", plog.SeverityNumberDebug},
	enumWord{"succeeded", plog.SeverityNumberInfo},
	enumWord{"failed", plog.SeverityNumberError},
	enumWord{"retrying", plog.SeverityNumberWarn},
	enumWord{"cancelled", plog.SeverityNumberWarn},
)

func buildTask(e *event) {
	name := e.reqStr(btTaskName)
	status := e.kind(btStatus, "task.", taskStatuses)
	e.category = "task"
	if id := e.idStr(btTaskID); e.has(btTaskID) {
		e.putStr(track.AttrTaskID, id)
	}
	e.putStr(track.AttrTaskName, name)
	attempt, hasAttempt := e.number(btAttempt, "task.attempt")
	maxAttempts, hasMax := e.number(btMaxAttempts, "task.max_attempts")
	e.number(btDuration, "task.duration_s")
	if status == "failed" {
		if !hasAttempt {
			attempt = 1
		}
		e.putBool(track.AttrTaskFinal, !hasMax || attempt >= maxAttempts)
	}
	errMsg := e.str(btError)
	if e.has(btError) {
		if i := strings.Index(errMsg, ": "); i > 0 {
			e.putStr(track.AttrExceptionType, errMsg[:i])
			e.putStr(track.AttrExceptionMessage, errMsg[i+2:])
		} else {
			e.putStr(track.AttrExceptionMessage, errMsg)
		}
	}
	e.optStr(btTraceback, track.AttrExceptionStacktrace)
	e.timeFrom(btFinishedAt, btStartedAt, btTimestamp)

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

var (
	ntFields    = ownFields()
	ntTitle     = ntFields.add("title")
	ntMessage   = ntFields.add("message")
	ntPriority  = ntFields.add("priority")
	ntSource    = ntFields.add("source")
	ntTags      = ntFields.add("tags")
	ntTimestamp = ntFields.add("timestamp")
)

var notificationPriorities = newEnum(
	enumWord{"low", plog.SeverityNumberInfo},
	enumWord{"normal", plog.SeverityNumberWarn},
	enumWord{"high", plog.SeverityNumberError},
	enumWord{"urgent", plog.SeverityNumberFatal},
	enumWord{"critical", plog.SeverityNumberFatal},
)

func buildNotification(e *event) {
	title := e.reqStr(ntTitle)
	e.body = e.reqStr(ntMessage)
	e.name = track.EventNotification
	prio := enumWord{"normal", plog.SeverityNumberWarn} // when none is sent
	if e.has(ntPriority) {
		prio = e.enum(ntPriority, false, notificationPriorities)
	}
	e.severity(prio.sev)
	e.category = e.str(ntSource)
	if e.category == "" {
		e.category = "notification"
	}
	e.putStr(track.AttrNotificationTitle, title)
	e.putStr(track.AttrNotificationPriority, prio.word)
	e.tags(ntTags)
	e.time(ntTimestamp)
}

// ---- blog

var (
	blFields    = ownFields()
	blTitle     = blFields.add("title")
	blContent   = blFields.add("content")
	blTags      = blFields.add("tags")
	blAuthor    = blFields.add("author")
	blAnomaly   = blFields.add("anomaly")
	blTimestamp = blFields.add("timestamp")
)

func buildBlog(e *event) {
	title := e.reqStr(blTitle)
	e.body = e.reqStr(blContent)
	anomaly := e.object(blAnomaly)
	if e.has(blAnomaly) {
		e.name = track.EventAnomalyDetected
		e.category = "anomaly"
		e.severity(plog.SeverityNumberWarn)
	} else {
		e.name = track.EventBlogPost
		e.category = "blog"
		e.severity(plog.SeverityNumberInfo)
	}
	e.putStr(track.AttrBlogTitle, title)
	e.optStr(blAuthor, track.AttrBlogAuthor)
	e.tags(blTags)
	if anomaly != nil {
		e.flat = append(e.flat, flatObject{field: blAnomaly.name, prefix: "anomaly.", obj: anomaly})
	}
	e.time(blTimestamp)
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
