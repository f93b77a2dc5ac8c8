package incident

import (
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/unitrack/unitrack/internal/track"
)

// subject is one kind of thing an incident can be about.
type subject struct {
	// key is the canonical attribute (the one the legacy decoder writes for
	// the dedicated formats and OTLP SDKs are asked to send).
	key string
	// domain is the incident family of events about such a subject.
	domain string
	// noun names it in a sentence ("MCP server filesystem").
	noun string
	// categories are the track.category values under which aliases count:
	// a track_event's metadata `server` means an MCP server only when its
	// category says mcp.
	categories []string
	// aliases are the free-form keys (track_event metadata, json_events data)
	// that name the same subject.
	aliases []string
}

// Domains of the subjects other components ask about by name (the
// dashboard's uptime of health checks and MCP servers).
const (
	DomainMCP    = "mcp"
	DomainHealth = "health"
)

// subjects are looked for in this order: the first canonical key present
// wins; only when none is, the aliases of the record's category are tried.
var subjects = []subject{
	{key: track.AttrMCPServerName, domain: DomainMCP, noun: "MCP server",
		categories: []string{"mcp"}, aliases: []string{"server", "server_name", "mcp_server"}},
	{key: track.AttrHealthCheck, domain: DomainHealth, noun: "Health check",
		categories: []string{"health", "health_monitor"}, aliases: []string{"check", "check_name"}},
	{key: track.AttrTaskName, domain: "task", noun: "Task",
		categories: []string{"task", "tasks", "background_tasks"}, aliases: []string{"task_name", "task"}},
	{key: "anomaly.metric", domain: "anomaly", noun: "Anomaly in"},
	{key: track.AttrDashboardAction, domain: "dashboard", noun: "Dashboard action",
		categories: []string{"dashboard"}, aliases: []string{"action"}},
	{key: track.AttrNotificationTitle, domain: "notification"},
	{key: track.AttrBlogTitle, domain: "blog"},
}

// SubjectKeys are the canonical subject attributes, in the order they are
// looked for.
var SubjectKeys = func() []string {
	out := make([]string, len(subjects))
	for i, s := range subjects {
		out[i] = s.key
	}
	return out
}()

// Subject returns the event's subject as its canonical attribute key and
// value: the first of SubjectKeys present, else the first alias of the
// record's track.category present (metadata.server of a track_event of
// category mcp is mcp.server.name). Empty when the event has no subject.
func Subject(attrs pcommon.Map) (key, value string) {
	if s, v, ok := subjectOf(attrs); ok {
		return s.key, v
	}
	return "", ""
}

func subjectOf(attrs pcommon.Map) (*subject, string, bool) {
	for i := range subjects {
		if v, ok := attrs.Get(subjects[i].key); ok && v.AsString() != "" {
			return &subjects[i], v.AsString(), true
		}
	}
	cat, ok := attrs.Get(track.AttrCategory)
	if !ok {
		return nil, "", false
	}
	category := cat.AsString()
	for i := range subjects {
		s := &subjects[i]
		if !slices.Contains(s.categories, category) {
			continue
		}
		for _, a := range s.aliases {
			if v, ok := attrs.Get(a); ok && v.Type() == pcommon.ValueTypeStr && v.Str() != "" {
				return s, v.Str(), true
			}
		}
	}
	return nil, "", false
}

func subjectByKey(key string) *subject {
	for i := range subjects {
		if subjects[i].key == key {
			return &subjects[i]
		}
	}
	return nil
}
