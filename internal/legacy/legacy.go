package legacy

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/plog"
)

// ScopeName is the instrumentation scope of every record Decode produces.
const ScopeName = "github.com/unitrack/unitrack/internal/legacy"

// Format is a legacy event format; its value is the track.source attribute.
type Format string

// The eight legacy formats.
const (
	TrackEvent      Format = "track_event"
	JSONEvents      Format = "json_events"
	Dashboard       Format = "dashboard"
	HealthMonitor   Format = "health_monitor"
	CircuitBreaker  Format = "circuit_breaker"
	BackgroundTasks Format = "background_tasks"
	Notification    Format = "notification"
	Blog            Format = "blog"
)

// FormatInfo is one row of the contract's path table.
type FormatInfo struct {
	// Format is the format (and track.source value).
	Format Format
	// Path is the URL path suffix the format is posted to, after the prefix.
	Path string
	// DefaultService is the resource service.name when the event has none.
	DefaultService string
}

// Formats is the contract's path table, in its order.
var Formats = []FormatInfo{
	{TrackEvent, "/v1/track", "agent-runner"},
	{JSONEvents, "/v1/legacy/events", "agent-runner"},
	{Dashboard, "/v1/legacy/dashboard", "dashboard"},
	{HealthMonitor, "/v1/legacy/health", "agent-runner"},
	{CircuitBreaker, "/v1/legacy/circuit-breaker", "agent-runner"},
	{BackgroundTasks, "/v1/legacy/tasks", "agent-runner"},
	{Notification, "/v1/legacy/notify", "agent-runner"},
	{Blog, "/v1/legacy/blog", "agent-runner"},
}

// Lookup returns the table row of f.
func Lookup(f Format) (FormatInfo, bool) {
	for _, fi := range Formats {
		if fi.Format == f {
			return fi, true
		}
	}
	return FormatInfo{}, false
}

var (
	// ErrEmptyBody is returned by Decode for a body with nothing but whitespace.
	ErrEmptyBody = errors.New("empty body: expected a JSON object, an array of objects or NDJSON")
	// ErrNotJSON is returned (wrapped) by Decode for a body that is not JSON.
	ErrNotJSON = errors.New("body is not JSON: expected a JSON object, an array of objects or NDJSON")
	// ErrUnknownFormat is returned by Decode for a Format not in Formats.
	ErrUnknownFormat = errors.New("unknown legacy format")
)

var parsers fastjson.ParserPool

// Decode translates a body of format f into log records. The body is one JSON
// object, a JSON array of objects, or NDJSON (one object a line, blank lines
// ignored), already decompressed. Events that fail the contract are reported
// in the []EventError, by index, and the valid ones are still returned. The
// error return is only for an unknown format, an empty body, or a body that is
// not JSON at all (wrapping ErrEmptyBody / ErrNotJSON).
//
// Records are grouped into one ResourceLogs per (service.name, host.name,
// process.pid), each with one ScopeLogs named ScopeName; ObservedTimestamp is
// observed.
func Decode(f Format, body []byte, observed time.Time) (plog.Logs, []EventError, error) {
	return DecodeWithIDs(f, body, observed, nil)
}

// IDFunc gives the track.event_id of the event at index (its 0-based position
// in the body, as in EventError) that brought no event_id of its own; t is
// the event's own time, the zero time when it has none.
type IDFunc func(index int, t time.Time) string

// DecodeWithIDs is Decode, with ids (when not nil) deriving the id of each
// event without one instead of a fresh ULID, so that decoding the same body
// again gives the same ids. A sender's own event_id is always kept.
func DecodeWithIDs(f Format, body []byte, observed time.Time, ids IDFunc) (plog.Logs, []EventError, error) {
	sp := specOf(f)
	if sp == nil {
		return plog.NewLogs(), nil, fmt.Errorf("%w %q", ErrUnknownFormat, string(f))
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return plog.NewLogs(), nil, ErrEmptyBody
	}
	p := parsers.Get()
	defer parsers.Put(p)

	d := newDecoder(sp, observed)
	d.ids = ids
	v, err := p.ParseBytes(body)
	if err == nil {
		if v.Type() == fastjson.TypeArray {
			arr, _ := v.Array()
			for i, e := range arr {
				d.event(i, e)
			}
		} else {
			d.event(0, v)
		}
		return d.finish()
	}
	if bytes.IndexByte(body, '\n') < 0 {
		d.release()
		return plog.NewLogs(), nil, fmt.Errorf("%w: %s", ErrNotJSON, shortErr(err))
	}
	// NDJSON: one value a line. A line that does not parse is that event's
	// error; a body where no line parses is not JSON at all.
	wholeErr := err
	parsed := 0
	idx := 0
	rest := body
	for len(rest) > 0 {
		var line []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		lv, lerr := p.ParseBytes(line)
		if lerr != nil {
			d.errs = append(d.errs, EventError{Index: idx, Err: fmt.Errorf("line is not valid JSON: %s", shortErr(lerr))})
		} else {
			parsed++
			d.event(idx, lv)
		}
		idx++
	}
	if parsed == 0 {
		d.release()
		return plog.NewLogs(), nil, fmt.Errorf("%w: %s", ErrNotJSON, shortErr(wholeErr))
	}
	return d.finish()
}

// shortErr keeps fastjson's messages but bounds their length, since they
// quote the unparsed tail of the input.
func shortErr(err error) string {
	s := err.Error()
	// fastjson wraps its depth error once per level: say it once.
	if strings.Contains(s, "too big depth") {
		return fmt.Sprintf("nested deeper than %d levels", fastjson.MaxDepth)
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
