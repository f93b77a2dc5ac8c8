package routeprocessor

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/track"
)

// The events below are shaped as receiver/trackreceiver decodes the legacy
// formats (docs/legacy-formats.md), plus OTLP-native records that
// carry none of the track.* attributes.

const legacyScope = legacy.ScopeName

var eventTime = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

type kv struct {
	k string
	v any
}

// event is one log record and where it sits (resource service, scope).
type event struct {
	service  string
	scope    string
	source   string // track.source; empty for OTLP-native records
	category string // track.category; empty for OTLP-native records
	id       string // track.event_id; empty for OTLP-native records
	name     string
	sev      plog.SeverityNumber
	sevText  string
	body     string
	attrs    []kv
}

// buildLogs puts the events into one plog.Logs, one resource per service and
// one scope per scope name, in the order they first appear.
func buildLogs(events ...event) plog.Logs {
	ld := plog.NewLogs()
	resources := map[string]plog.ResourceLogs{}
	scopes := map[[2]string]plog.ScopeLogs{}
	for i, e := range events {
		rl, ok := resources[e.service]
		if !ok {
			rl = ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr(track.AttrServiceName, e.service)
			resources[e.service] = rl
		}
		sk := [2]string{e.service, e.scope}
		sl, ok := scopes[sk]
		if !ok {
			sl = rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName(e.scope)
			scopes[sk] = sl
		}
		lr := sl.LogRecords().AppendEmpty()
		ts := pcommon.NewTimestampFromTime(eventTime.Add(time.Duration(i) * time.Second))
		lr.SetTimestamp(ts)
		lr.SetObservedTimestamp(ts)
		lr.SetEventName(e.name)
		lr.SetSeverityNumber(e.sev)
		lr.SetSeverityText(e.sevText)
		lr.Body().SetStr(e.body)
		attrs := lr.Attributes()
		if e.source != "" {
			attrs.PutStr(track.AttrSource, e.source)
		}
		if e.category != "" {
			attrs.PutStr(track.AttrCategory, e.category)
		}
		if e.id != "" {
			attrs.PutStr(track.AttrEventID, e.id)
		}
		for _, a := range e.attrs {
			if err := attrs.PutEmpty(a.k).FromRaw(a.v); err != nil {
				panic(err)
			}
		}
	}
	return ld
}

func legacyID(n int) string {
	const base = "01KB0000000000000000000000"
	s := []byte(base)
	for i := len(s) - 1; n > 0; i-- {
		s[i] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[n%32]
		n /= 32
	}
	return string(s)
}

// One event of each legacy format, as decoded.

func trackEvent(id int, eventType, severity string, sev plog.SeverityNumber, category, msg string, attrs ...kv) event {
	return event{service: "agent-runner", scope: legacyScope, source: "track_event", category: category,
		id: legacyID(id), name: eventType, sev: sev, sevText: severity, body: msg, attrs: attrs}
}

func jsonEvent(id int, name, level string, sev plog.SeverityNumber, component, msg string, attrs ...kv) event {
	return event{service: "agent-runner", scope: legacyScope, source: "json_events", category: component,
		id: legacyID(id), name: name, sev: sev, sevText: level, body: msg,
		attrs: append([]kv{{track.AttrComponent, component}}, attrs...)}
}

func dashboardEvent(id int, typ string, sev plog.SeverityNumber, msg string) event {
	attrs := []kv{{track.AttrDashboardAction, "refreshModelServices"}}
	if typ == "error" {
		attrs = append(attrs,
			kv{track.AttrExceptionMessage, msg},
			kv{track.AttrExceptionStacktrace, "TypeError: Failed to fetch\n    at refreshModelServices (index.html:412:15)"})
	}
	attrs = append(attrs,
		kv{track.AttrURLFull, "http://localhost:5005/dashboard"},
		kv{"user_agent.original", "Mozilla/5.0"},
		kv{track.AttrSessionID, "b5c1e0"})
	return event{service: "dashboard", scope: legacyScope, source: "dashboard", category: "dashboard",
		id: legacyID(id), name: "dashboard." + typ, sev: sev, sevText: typ, body: msg, attrs: attrs}
}

func healthEvent(id int, check, status, previous string) event {
	sev := map[string]plog.SeverityNumber{"healthy": 9, "degraded": 13, "unhealthy": 17}[status]
	name, body := track.EventHealthCheck, check+": "+status
	attrs := []kv{{track.AttrHealthCheck, check}, {track.AttrHealthStatus, status}}
	if previous != "" && previous != status {
		name, body = track.EventHealthStatusChanged, check+": "+previous+" -> "+status
		attrs = append(attrs, kv{track.AttrHealthPreviousStatus, previous})
	}
	attrs = append(attrs, kv{"health.latency_ms", 5012.4}, kv{"endpoint", "http://localhost:11434"})
	if status == "unhealthy" {
		attrs = append(attrs, kv{track.AttrExceptionMessage, "connection refused"})
		body += " (connection refused)"
	}
	return event{service: "agent-runner", scope: legacyScope, source: "health_monitor", category: "health",
		id: legacyID(id), name: name, sev: sev, sevText: status, body: body, attrs: attrs}
}

func breakerEvent(id int, ev string) event {
	sev := map[string]plog.SeverityNumber{"failure": 13, "success": 5, "opened": 17, "half_open": 13, "closed": 9}[ev]
	state := map[string]string{"failure": "closed", "success": "closed", "opened": "open", "half_open": "half_open", "closed": "closed"}[ev]
	return event{service: "agent-runner", scope: legacyScope, source: "circuit_breaker", category: "mcp",
		id: legacyID(id), name: "mcp.circuit_breaker." + ev, sev: sev, sevText: ev,
		body: "circuit breaker for filesystem: " + ev,
		attrs: []kv{
			{track.AttrMCPServerName, "filesystem"}, {track.AttrCBState, state},
			{"circuit_breaker.failure_count", int64(5)}, {"circuit_breaker.threshold", int64(5)},
			{"circuit_breaker.cooldown_s", int64(60)},
		}}
}

func taskEvent(id int, status string, attempt, maxAttempts int64) event {
	sev := map[string]plog.SeverityNumber{"started": 5, "succeeded": 9, "retrying": 13, "cancelled": 13, "failed": 17}[status]
	attrs := []kv{
		{track.AttrTaskID, "7f3e2a"}, {track.AttrTaskName, "memory_consolidation"},
		{"task.attempt", attempt}, {"task.max_attempts", maxAttempts}, {"task.duration_s", 12.5},
	}
	body := "task memory_consolidation " + status
	if status == "failed" {
		attrs = append(attrs,
			kv{track.AttrTaskFinal, attempt >= maxAttempts},
			kv{track.AttrExceptionType, "KeyError"},
			kv{track.AttrExceptionMessage, "'facts'"},
			kv{track.AttrExceptionStacktrace, "Traceback (most recent call last):\n  ..."})
		body += ": KeyError: 'facts'"
	}
	return event{service: "agent-runner", scope: legacyScope, source: "background_tasks", category: "task",
		id: legacyID(id), name: "task." + status, sev: sev, sevText: status, body: body, attrs: attrs}
}

func notificationEvent(id int, priority string, sev plog.SeverityNumber, title string) event {
	return event{service: "agent-runner", scope: legacyScope, source: "notification", category: "health_monitor",
		id: legacyID(id), name: track.EventNotification, sev: sev, sevText: priority,
		body: "Health check failed 3 times",
		attrs: []kv{
			{track.AttrNotificationTitle, title}, {track.AttrNotificationPriority, priority},
			{track.AttrTags, []any{"health", "ollama"}},
		}}
}

func blogEvent(id int, anomaly bool) event {
	e := event{service: "agent-runner", scope: legacyScope, source: "blog", category: "blog",
		id: legacyID(id), name: track.EventBlogPost, sev: 9, sevText: "",
		body: "Markdown ...",
		attrs: []kv{
			{track.AttrBlogTitle, "Weekly summary"}, {track.AttrBlogAuthor, "agent"},
			{track.AttrTags, []any{"weekly"}},
		}}
	if anomaly {
		e.category, e.name, e.sev = "anomaly", track.EventAnomalyDetected, 13
		e.attrs = []kv{
			{track.AttrBlogTitle, "Anomaly: response latency 4x baseline"}, {track.AttrBlogAuthor, "anomaly_detector"},
			{track.AttrTags, []any{"anomaly", "latency"}},
			{"anomaly.metric", "latency_ms"}, {"anomaly.value", int64(4120)},
			{"anomaly.baseline", int64(980)}, {"anomaly.zscore", 4.2},
		}
	}
	return e
}

// otlpEvent is a record from an OTLP SDK: no track.* attributes at all.
func otlpEvent(service, scope, name string, sev plog.SeverityNumber, body string, attrs ...kv) event {
	return event{service: service, scope: scope, name: name, sev: sev, sevText: sev.String(), body: body, attrs: attrs}
}

// goldenInputs are the inputs of the golden-directory cases, by directory.
var goldenInputs = map[string]func() plog.Logs{
	// Ordinary events reach dashboard, eventlog and observability, and no more.
	"promise_every_event_two_sinks": func() plog.Logs {
		return buildLogs(
			trackEvent(1, "model_loaded", "info", 9, "models", "model llama3 loaded", kv{"model", "llama3"}),
			jsonEvent(2, "task_started", "INFO", 9, "background_tasks", "Task nightly_summary started", kv{"task", "nightly_summary"}),
			dashboardEvent(3, "action", 9, "user clicked refresh"),
			dashboardEvent(4, "warning", 13, "slow response"),
			healthEvent(5, "ollama", "healthy", ""),
			healthEvent(6, "ollama", "degraded", ""),
			breakerEvent(7, "failure"),
			breakerEvent(8, "half_open"),
			taskEvent(9, "started", 1, 3),
			taskEvent(10, "retrying", 2, 3),
			otlpEvent("checkout", "checkout.cart", "cart.updated", plog.SeverityNumberInfo, "cart updated"),
		)
	},
	// Critical (FATAL) events of any format reach every sink.
	"promise_critical_all_sinks": func() plog.Logs {
		return buildLogs(
			trackEvent(1, "gpu_lost", "critical", 21, "system", "GPU disappeared", kv{"gpu", int64(0)}),
			jsonEvent(2, "out_of_memory", "FATAL", 21, "agent", "process killed"),
			notificationEvent(3, "urgent", 21, "Everything is down"),
			trackEvent(4, "model_loaded", "info", 9, "models", "not critical"),
			otlpEvent("payments", "payments.ledger", "ledger.corrupt", plog.SeverityNumberFatal4, "ledger checksum mismatch"),
		)
	},
	// notify gets errors, breaker open/close, health to unhealthy/healthy,
	// final task failures, task recoveries and every legacy notify() call
	// whatever its priority; nothing else.
	"promise_notify": func() plog.Logs {
		return buildLogs(
			dashboardEvent(1, "error", 17, "Failed to fetch"),
			trackEvent(2, "mcp_server_failure", "error", 17, "mcp", "MCP server 'filesystem' failed: timeout",
				kv{"server", "filesystem"}, kv{"failure_count", int64(3)}),
			breakerEvent(3, "failure"),
			breakerEvent(4, "opened"),
			breakerEvent(5, "closed"),
			healthEvent(6, "ollama", "unhealthy", "healthy"),
			healthEvent(7, "ollama", "degraded", "unhealthy"),
			healthEvent(8, "ollama", "healthy", "degraded"),
			healthEvent(9, "ollama", "healthy", ""),
			taskEvent(10, "failed", 1, 3),
			taskEvent(11, "failed", 3, 3),
			taskEvent(12, "succeeded", 1, 3),
			taskEvent(13, "started", 1, 3),
			notificationEvent(14, "high", 17, "Ollama is down"),
			notificationEvent(15, "low", 9, "FYI"),
			notificationEvent(16, "normal", 13, "Disk at 80%"),
		)
	},
	// blog gets anomalies, posts, breaker open/close, every health status
	// change, final task failures, task recoveries, every error but a
	// notify() call, and everything critical.
	"promise_blog": func() plog.Logs {
		return buildLogs(
			blogEvent(1, true),
			blogEvent(2, false),
			breakerEvent(3, "opened"),
			breakerEvent(4, "closed"),
			breakerEvent(5, "failure"),
			healthEvent(6, "ollama", "unhealthy", "healthy"),
			healthEvent(7, "ollama", "degraded", "healthy"),
			healthEvent(8, "ollama", "unhealthy", ""),
			taskEvent(9, "failed", 3, 3),
			taskEvent(10, "failed", 2, 3),
			taskEvent(11, "succeeded", 3, 3),
			trackEvent(12, "disk_full", "critical", 21, "system", "disk full"),
			dashboardEvent(13, "error", 17, "Failed to fetch"),
		)
	},
	// OTLP-native records are normalised (category from the event name or
	// scope, an event id, source otlp) and then route like legacy ones.
	"otlp_native": func() plog.Logs {
		return buildLogs(
			otlpEvent("agent-runner", "agent.sdk", track.EventCBOpened, plog.SeverityNumberError, "breaker opened",
				kv{track.AttrMCPServerName, "github"}),
			otlpEvent("agent-runner", "agent.sdk", track.EventHealthStatusChanged, plog.SeverityNumberInfo, "ollama recovered",
				kv{track.AttrHealthCheck, "ollama"}, kv{track.AttrHealthStatus, "healthy"}, kv{track.AttrHealthPreviousStatus, "unhealthy"}),
			otlpEvent("agent-runner", "agent.sdk", track.EventTaskFailed, plog.SeverityNumberError, "task failed, no task.final",
				kv{track.AttrTaskName, "sync"}),
			otlpEvent("agent-runner", "agent.sdk", track.EventAnomalyDetected, plog.SeverityNumberWarn, "latency anomaly",
				kv{"anomaly.metric", "latency_ms"}),
			otlpEvent("web", "web.frontend", "", plog.SeverityNumberInfo, "no event name: category from the scope"),
			otlpEvent("web", "web.frontend", "page.view", plog.SeverityNumberInfo, "page viewed",
				kv{track.AttrCategory, "analytics"}, kv{track.AttrEventID, "client-supplied-id"}),
		)
	},
	// A record matching several routes gets the sorted union of their sinks;
	// a track.routes it arrived with is replaced.
	"multiple_routes": func() plog.Logs {
		return buildLogs(
			trackEvent(1, "mcp_server_failure", "error", 17, "mcp", "matches mcp, errors and all"),
			trackEvent(2, "model_loaded", "info", 9, "models", "matches all only",
				kv{track.AttrRoutes, []any{"stale", "values"}}),
			trackEvent(3, "mcp_server_ok", "info", 9, "mcp", "matches mcp and all"),
		)
	},
	// Records that match no route go to default_sinks.
	"default_route": func() plog.Logs {
		return buildLogs(
			trackEvent(1, "mcp_server_failure", "error", 17, "mcp", "matches a route"),
			trackEvent(2, "model_loaded", "info", 9, "models", "matches nothing"),
			otlpEvent("web", "web.frontend", "page.view", plog.SeverityNumberInfo, "matches nothing either"),
		)
	},
}

// errorModeInput has one record on which a condition fails (an int where
// Len wants a string or list) and one on which it works.
func errorModeInput() plog.Logs {
	return buildLogs(
		trackEvent(1, "upload", "info", 9, "files", "retries is an int: Len fails", kv{"retries", int64(3)}),
		trackEvent(2, "upload", "error", 17, "files", "retries is a list: Len works", kv{"retries", []any{"a", "b", "c"}}),
		trackEvent(3, "upload", "info", 9, "files", "retries is an int and nothing else matches", kv{"retries", int64(1)}),
	)
}

func init() {
	goldenInputs["error_mode_ignore"] = errorModeInput
	goldenInputs["error_mode_silent"] = errorModeInput
	goldenInputs["error_mode_propagate"] = errorModeInput
}
