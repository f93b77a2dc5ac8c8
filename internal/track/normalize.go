package track

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// Normalize gives a record that arrived without the track.* attributes the
// ones routing and exporters rely on (legacy-formats.md, "Events from OTLP SDKs"):
// track.category from the first dot-separated segment of EventName, else the
// scope name; track.event_id when missing; track.source "otlp" when missing.
// It reports whether it changed the record.
func Normalize(lr plog.LogRecord, scopeName string, now time.Time) bool {
	attrs := lr.Attributes()
	changed := false
	if _, ok := attrs.Get(AttrCategory); !ok {
		if cat := CategoryOf(lr.EventName(), scopeName); cat != "" {
			attrs.PutStr(AttrCategory, cat)
			changed = true
		}
	}
	if _, ok := attrs.Get(AttrEventID); !ok {
		t := lr.Timestamp().AsTime()
		if lr.Timestamp() == 0 {
			t = now
		}
		attrs.PutStr(AttrEventID, NewEventID(t))
		changed = true
	}
	if _, ok := attrs.Get(AttrSource); !ok {
		attrs.PutStr(AttrSource, SourceOTLP)
		changed = true
	}
	return changed
}

// CategoryOf is the category of an OTLP-native event: the first dot-separated
// segment of its event name, else the scope name.
func CategoryOf(eventName, scopeName string) string {
	if eventName != "" {
		if i := strings.IndexByte(eventName, '.'); i >= 0 {
			return eventName[:i]
		}
		return eventName
	}
	return scopeName
}

// EventTime is when an event happened: its Timestamp, else when it was
// observed, else now.
func EventTime(lr plog.LogRecord, now time.Time) time.Time {
	switch {
	case lr.Timestamp() != 0:
		return lr.Timestamp().AsTime()
	case lr.ObservedTimestamp() != 0:
		return lr.ObservedTimestamp().AsTime()
	default:
		return now
	}
}
