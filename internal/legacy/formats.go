package legacy

import (
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

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

// derived severity words (formats whose severity comes from a table).
func (e *event) severity(n plog.SeverityNumber) {
	e.sevNum = n
	e.sevText = LevelWord(n)
}

// timeFallback sets the time from the first present of slots; the others
// stay attributes under their own names.
func (e *event) timeFrom(slots []int, fields []string) {
	used := false
	for i, s := range slots {
		if e.known[s] == nil {
			continue
		}
		if !used {
			used = true
			e.time(s, fields[i])
			continue
		}
		e.keepUnused(s, fields[i])
	}
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
	e.sevText = "info"
	e.sevNum = plog.SeverityNumberInfo
	if v := e.known[teSeverity]; v != nil {
		word := e.str(teSeverity, "severity")
		if v.Type() == fastjson.TypeString {
			if n, ok := track.SeverityFromWord(word); ok {
				e.sevNum, e.sevText = n, word
			} else {
				e.failField("severity", track.SeverityWordsExpected, v)
			}
		}
	}
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
	e.sevText = "INFO"
	e.sevNum = plog.SeverityNumberInfo
	if v := e.known[jsLevel]; v != nil {
		word := e.str(jsLevel, "level")
		if v.Type() == fastjson.TypeString {
			if n, ok := track.SeverityFromWord(word); ok {
				e.sevNum, e.sevText = n, word
			} else {
				e.failField("level", track.SeverityWordsExpected, v)
			}
		}
	}
	e.body = e.name
	if e.known[jsMsg] != nil {
		e.body = e.str(jsMsg, "msg")
	}
	component := e.str(jsComponent, "component")
	if e.known[jsComponent] != nil {
		e.putStr(track.AttrComponent, component)
	}
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

func buildDashboard(e *event) {
	typ := e.enum(dbType, "type", true, "error", "warning", "info", "action")
	e.body = e.reqStr(dbMessage, "message")
	e.name = "dashboard." + typ
	e.category = "dashboard"
	switch typ {
	case "error":
		e.severity(plog.SeverityNumberError)
	case "warning":
		e.severity(plog.SeverityNumberWarn)
	default:
		e.severity(plog.SeverityNumberInfo)
	}
	if a := e.str(dbAction, "action"); e.known[dbAction] != nil {
		e.putStr(track.AttrDashboardAction, a)
	}
	if typ == "error" {
		e.putStr(track.AttrExceptionMessage, e.body)
		if s := e.str(dbStack, "stack"); e.known[dbStack] != nil {
			e.putStr(track.AttrExceptionStacktrace, s)
		}
	} else {
		e.keepUnused(dbStack, "stack")
	}
	if s := e.str(dbURL, "url"); e.known[dbURL] != nil {
		e.putStr(track.AttrURLFull, s)
	}
	if s := e.str(dbUserAgent, "userAgent"); e.known[dbUserAgent] != nil {
		e.putStr("user_agent.original", s)
	}
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

var healthStatuses = []string{"healthy", "degraded", "unhealthy"}

func buildHealth(e *event) {
	check := e.reqStr(hmCheck, "check")
	status := e.enum(hmStatus, "status", true, healthStatuses...)
	prev := e.enum(hmPrevious, "previous_status", false, healthStatuses...)
	errMsg := e.str(hmError, "error")
	e.category = "health"
	switch status {
	case "healthy":
		e.severity(plog.SeverityNumberInfo)
	case "degraded":
		e.severity(plog.SeverityNumberWarn)
	case "unhealthy":
		e.severity(plog.SeverityNumberError)
	}
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

func buildCircuitBreaker(e *event) {
	server := e.reqStr(cbServer, "server")
	ev := e.enum(cbEvent, "event", true, "failure", "success", "opened", "half_open", "closed")
	e.name = "mcp.circuit_breaker." + ev
	e.category = "mcp"
	switch ev {
	case "failure", "half_open":
		e.severity(plog.SeverityNumberWarn)
	case "success":
		e.severity(plog.SeverityNumberDebug)
	case "opened":
		e.severity(plog.SeverityNumberError)
	case "closed":
		e.severity(plog.SeverityNumberInfo)
	}
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
		b.WriteString(strconv.FormatFloat(fc, 'f', -1, 64))
		if hasTH {
			b.WriteString("/")
			b.WriteString(strconv.FormatFloat(th, 'f', -1, 64))
		}
		b.WriteString(" failures)")
	}
	if errMsg != "" {
		b.WriteString(": ")
		b.WriteString(errMsg)
	}
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

func buildTask(e *event) {
	name := e.reqStr(btTaskName, "task_name")
	status := e.enum(btStatus, "status", true, "started", "succeeded", "failed", "retrying", "cancelled")
	e.name = "task." + status
	e.category = "task"
	switch status {
	case "started":
		e.severity(plog.SeverityNumberDebug)
	case "succeeded":
		e.severity(plog.SeverityNumberInfo)
	case "retrying", "cancelled":
		e.severity(plog.SeverityNumberWarn)
	case "failed":
		e.severity(plog.SeverityNumberError)
	}
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
	if tb := e.str(btTraceback, "traceback"); e.known[btTraceback] != nil {
		e.putStr(track.AttrExceptionStacktrace, tb)
	}
	e.timeFrom([]int{btFinishedAt, btStartedAt, btTimestamp}, []string{"finished_at", "started_at", "timestamp"})

	var b strings.Builder
	b.WriteString("Task ")
	b.WriteString(name)
	b.WriteString(" ")
	b.WriteString(status)
	if hasAttempt {
		b.WriteString(" (attempt ")
		b.WriteString(strconv.FormatFloat(attempt, 'f', -1, 64))
		if hasMax {
			b.WriteString("/")
			b.WriteString(strconv.FormatFloat(maxAttempts, 'f', -1, 64))
		}
		b.WriteString(")")
	}
	if errMsg != "" {
		b.WriteString(": ")
		b.WriteString(errMsg)
	}
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

func buildNotification(e *event) {
	title := e.reqStr(ntTitle, "title")
	e.body = e.reqStr(ntMessage, "message")
	e.name = track.EventNotification
	prio := "normal"
	if e.known[ntPriority] != nil {
		prio = e.enum(ntPriority, "priority", false, "low", "normal", "high", "urgent", "critical")
	}
	switch prio {
	case "low":
		e.severity(plog.SeverityNumberInfo)
	case "normal":
		e.severity(plog.SeverityNumberWarn)
	case "high":
		e.severity(plog.SeverityNumberError)
	case "urgent", "critical":
		e.severity(plog.SeverityNumberFatal)
	}
	e.category = e.str(ntSource, "source")
	if e.category == "" {
		e.category = "notification"
	}
	e.putStr(track.AttrNotificationTitle, title)
	e.putStr(track.AttrNotificationPriority, prio)
	e.tags(ntTags)
	e.time(ntTimestamp, "timestamp")
}

// tags queues track.tags from an array (kept as sent).
func (e *event) tags(slot int) {
	v := e.known[slot]
	if v == nil {
		return
	}
	if v.Type() != fastjson.TypeArray {
		e.failField("tags", "an array of strings", v)
		return
	}
	e.putRaw(track.AttrTags, "tags", v)
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
	if a := e.str(blAuthor, "author"); e.known[blAuthor] != nil {
		e.putStr(track.AttrBlogAuthor, a)
	}
	e.tags(blTags)
	if anomaly != nil {
		e.flat = append(e.flat, flatObject{field: "anomaly", prefix: "anomaly.", obj: anomaly})
	}
	e.time(blTimestamp, "timestamp")
}
