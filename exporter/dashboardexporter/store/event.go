package store

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/pjson"
	"github.com/unitrack/unitrack/internal/track"
)

// Event is one stored log record, flattened into the columns the dashboard
// filters on plus the full attributes and resource as JSON.
type Event struct {
	// ID is the row id: the order in which the dashboard received events.
	ID               int64
	EventID          string
	TimeUnixNano     int64
	ObservedUnixNano int64
	SeverityNumber   int32
	SeverityText     string
	EventName        string
	Category         string
	Source           string
	Service          string
	Body             string
	// BodyJSON holds a body that is not a string, in the typed JSON form.
	BodyJSON     string
	TraceID      string
	SpanID       string
	Flags        uint32
	Routes       []string
	Scope        string
	ScopeVersion string
	// Attributes and Resource are JSON objects (typed JSON form).
	Attributes string
	Resource   string
	// text is what the full-text index holds besides the body.
	text string
	// mark is what the event does to its incident, for the analytics.
	mark mark
}

// FromLogs flattens every record of ld. A record without track.event_id gets
// a new one (so a dashboard used without the route processor still works).
func FromLogs(ld plog.Logs, now time.Time) []Event {
	out := make([]Event, 0, ld.LogRecordCount())
	var buf []byte
	for _, rl := range ld.ResourceLogs().All() {
		res := rl.Resource()
		buf = pjson.AppendMap(buf[:0], res.Attributes())
		resJSON := string(buf)
		service := ""
		if v, ok := res.Attributes().Get(track.AttrServiceName); ok {
			service = v.AsString()
		}
		for _, sl := range rl.ScopeLogs().All() {
			scope := sl.Scope()
			for _, lr := range sl.LogRecords().All() {
				ev := fromRecord(lr, resJSON, service, scope, now, &buf)
				ev.mark = markOf(lr, res)
				out = append(out, ev)
			}
		}
	}
	return out
}

func fromRecord(lr plog.LogRecord, resJSON, service string, scope pcommon.InstrumentationScope, now time.Time, buf *[]byte) Event {
	attrs := lr.Attributes()
	ev := Event{
		TimeUnixNano:     int64(lr.Timestamp()),
		ObservedUnixNano: int64(lr.ObservedTimestamp()),
		SeverityNumber:   int32(lr.SeverityNumber()),
		SeverityText:     lr.SeverityText(),
		EventName:        lr.EventName(),
		Service:          service,
		Flags:            uint32(lr.Flags()),
		Scope:            scope.Name(),
		ScopeVersion:     scope.Version(),
		Resource:         resJSON,
	}
	if ev.TimeUnixNano == 0 {
		ev.TimeUnixNano = ev.ObservedUnixNano
	}
	if ev.TimeUnixNano == 0 {
		ev.TimeUnixNano = now.UnixNano()
	}
	if tid := lr.TraceID(); !tid.IsEmpty() {
		ev.TraceID = tid.String()
	}
	if sid := lr.SpanID(); !sid.IsEmpty() {
		ev.SpanID = sid.String()
	}
	body := lr.Body()
	if body.Type() == pcommon.ValueTypeStr {
		ev.Body = body.Str()
	} else if body.Type() != pcommon.ValueTypeEmpty {
		ev.Body = body.AsString()
		ev.BodyJSON = string(pjson.AppendValue(nil, body))
	}
	if v, ok := attrs.Get(track.AttrEventID); ok && v.AsString() != "" {
		ev.EventID = v.AsString()
	} else {
		ev.EventID = track.NewEventID(time.Unix(0, ev.TimeUnixNano))
	}
	if v, ok := attrs.Get(track.AttrCategory); ok {
		ev.Category = v.AsString()
	} else {
		ev.Category = track.CategoryOf(ev.EventName, ev.Scope)
	}
	if v, ok := attrs.Get(track.AttrSource); ok {
		ev.Source = v.AsString()
	}
	if v, ok := attrs.Get(track.AttrRoutes); ok {
		ev.Routes = routesOf(v)
	}
	*buf = pjson.AppendMap((*buf)[:0], attrs)
	ev.Attributes = string(*buf)
	*buf = (*buf)[:0]
	*buf = append(*buf, ev.EventName...)
	for k, v := range attrs.All() {
		switch k {
		case track.AttrEventID, track.AttrRoutes, track.AttrSource, track.AttrCategory:
			// Filterable columns; unique ids would only bloat the index.
			continue
		}
		*buf = appendText(*buf, v)
	}
	ev.text = string(*buf)
	return ev
}

func routesOf(v pcommon.Value) []string {
	var out []string
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		for _, e := range v.Slice().All() {
			if s := e.AsString(); s != "" {
				out = append(out, s)
			}
		}
	default:
		for _, s := range strings.Split(v.AsString(), ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Record rebuilds the resource and log record an event was stored from.
func (ev *Event) Record(res pcommon.Resource, lr plog.LogRecord) error {
	if err := decodeMap(ev.Resource, res.Attributes()); err != nil {
		return err
	}
	if err := decodeMap(ev.Attributes, lr.Attributes()); err != nil {
		return err
	}
	lr.SetTimestamp(pcommon.Timestamp(ev.TimeUnixNano))
	lr.SetObservedTimestamp(pcommon.Timestamp(ev.ObservedUnixNano))
	lr.SetSeverityNumber(plog.SeverityNumber(ev.SeverityNumber))
	lr.SetSeverityText(ev.SeverityText)
	lr.SetEventName(ev.EventName)
	lr.SetFlags(plog.LogRecordFlags(ev.Flags))
	if ev.BodyJSON != "" {
		if err := decodeValueString(ev.BodyJSON, lr.Body()); err != nil {
			return err
		}
	} else if ev.Body != "" {
		lr.Body().SetStr(ev.Body)
	}
	if tid, err := parseTraceID(ev.TraceID); err == nil {
		lr.SetTraceID(tid)
	}
	if sid, err := parseSpanID(ev.SpanID); err == nil {
		lr.SetSpanID(sid)
	}
	return nil
}

func parseTraceID(s string) (pcommon.TraceID, error) {
	var id pcommon.TraceID
	if len(s) != 32 {
		return id, errBadID
	}
	_, err := hexDecode(id[:], []byte(s))
	return id, err
}

func parseSpanID(s string) (pcommon.SpanID, error) {
	var id pcommon.SpanID
	if len(s) != 16 {
		return id, errBadID
	}
	_, err := hexDecode(id[:], []byte(s))
	return id, err
}

// JSON is the event as the API serves it.
type JSON struct {
	ID             int64           `json:"id"`
	EventID        string          `json:"event_id"`
	Time           string          `json:"time"`
	TimeUnixNano   int64           `json:"time_unix_nano"`
	ObservedTime   string          `json:"observed_time,omitempty"`
	SeverityNumber int32           `json:"severity_number"`
	SeverityText   string          `json:"severity_text"`
	Severity       string          `json:"severity"`
	EventName      string          `json:"event_name"`
	Category       string          `json:"category"`
	Source         string          `json:"source"`
	Service        string          `json:"service"`
	Body           string          `json:"body"`
	TraceID        string          `json:"trace_id,omitempty"`
	SpanID         string          `json:"span_id,omitempty"`
	Routes         []string        `json:"routes"`
	Scope          string          `json:"scope,omitempty"`
	Attributes     json.RawMessage `json:"attributes"`
	Resource       json.RawMessage `json:"resource"`
}

// ToJSON is the API form of ev.
func (ev *Event) ToJSON() JSON {
	j := JSON{
		ID:             ev.ID,
		EventID:        ev.EventID,
		Time:           time.Unix(0, ev.TimeUnixNano).UTC().Format(time.RFC3339Nano),
		TimeUnixNano:   ev.TimeUnixNano,
		SeverityNumber: ev.SeverityNumber,
		SeverityText:   ev.SeverityText,
		Severity:       SeverityBucket(ev.SeverityNumber),
		EventName:      ev.EventName,
		Category:       ev.Category,
		Source:         ev.Source,
		Service:        ev.Service,
		Body:           ev.Body,
		TraceID:        ev.TraceID,
		SpanID:         ev.SpanID,
		Routes:         ev.Routes,
		Scope:          ev.Scope,
		Attributes:     json.RawMessage(orEmptyObject(ev.Attributes)),
		Resource:       json.RawMessage(orEmptyObject(ev.Resource)),
	}
	if ev.ObservedUnixNano != 0 {
		j.ObservedTime = time.Unix(0, ev.ObservedUnixNano).UTC().Format(time.RFC3339Nano)
	}
	if j.Routes == nil {
		j.Routes = []string{}
	}
	return j
}

func orEmptyObject(s string) string {
	if s == "" {
		return "{}"
	}
	return s
}

// Severity buckets, by OTLP severity number ranges.
var severityBuckets = []string{"UNSPECIFIED", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// SeverityBucket names the OTLP range n falls in: TRACE (1-4), DEBUG (5-8),
// INFO (9-12), WARN (13-16), ERROR (17-20), FATAL (21-24).
func SeverityBucket(n int32) string {
	if n <= 0 || n > 24 {
		return severityBuckets[0]
	}
	return severityBuckets[1+(n-1)/4]
}

// SeverityMin is the lowest severity number of a bucket name or legacy
// severity word (case-insensitive); ok is false for an unknown word.
func SeverityMin(word string) (int32, bool) {
	switch strings.ToLower(word) {
	case "trace":
		return 1, true
	case "debug":
		return 5, true
	case "info", "notice":
		return 9, true
	case "warn", "warning":
		return 13, true
	case "error", "err":
		return 17, true
	case "fatal", "critical", "crit", "alert", "emergency":
		return 21, true
	}
	return 0, false
}
