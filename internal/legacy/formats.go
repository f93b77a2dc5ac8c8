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
// and its severity, a body with a count) lives in fields.go and at the end of
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
	var failures count
	failures.n, failures.has = e.number(cbFailureCount, "circuit_breaker.failure_count")
	failures.of, failures.hasOf = e.number(cbThreshold, "circuit_breaker.threshold")
	e.number(cbCooldown, "circuit_breaker.cooldown_s")
	if e.has(cbError) {
		e.putStr(track.AttrExceptionMessage, errMsg)
	}
	e.time(cbTimestamp)
	e.body = countedBody(failures, "", " failures", errMsg,
		"MCP server ", server, " circuit breaker ", strings.ReplaceAll(ev, "_", "-"))
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
	var attempts count
	attempts.n, attempts.has = e.number(btAttempt, "task.attempt")
	attempts.of, attempts.hasOf = e.number(btMaxAttempts, "task.max_attempts")
	e.number(btDuration, "task.duration_s")
	if status == "failed" {
		attempt := attempts.n
		if !attempts.has {
			attempt = 1
		}
		e.putBool(track.AttrTaskFinal, !attempts.hasOf || attempt >= attempts.of)
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
	e.body = countedBody(attempts, "attempt ", "", errMsg, "Task ", name, " ", status)
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

// count is a number that a body mentions, out of a total when one was
// sent: the 3/5 of "(3/5 failures)".
type count struct {
	n, of      float64
	has, hasOf bool
}

// countedBody is the body of a circuit_breaker or background_tasks event:
// the head's parts, then " (" pre n[/of] post ")" when n was sent, then
// ": cause" when there is one, as in
// "Task memory_consolidation failed (attempt 3/3): KeyError: 'facts'".
func countedBody(c count, pre, post, cause string, head ...string) string {
	var b strings.Builder
	for _, h := range head {
		b.WriteString(h)
	}
	if c.has {
		b.WriteString(" (")
		b.WriteString(pre)
		b.WriteString(strconv.FormatFloat(c.n, 'f', -1, 64))
		if c.hasOf {
			b.WriteString("/")
			b.WriteString(strconv.FormatFloat(c.of, 'f', -1, 64))
		}
		b.WriteString(post)
		b.WriteString(")")
	}
	if cause != "" {
		b.WriteString(": ")
		b.WriteString(cause)
	}
	return b.String()
}
