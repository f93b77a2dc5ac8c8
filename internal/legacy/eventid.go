package legacy

import (
	"github.com/valyala/fastjson"

	"github.com/unitrack/unitrack/internal/track"
)

// JSONEventID returns the event id a json_events line carries, as Decode
// reads it: the top-level event_id (a string or an integer), else
// data["track.event_id"] (written by AppendJSONEvent). ok is false for a line
// without an id or one that is not a JSON object; it never panics.
func JSONEventID(line []byte) (id string, ok bool) {
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(line)
	if err != nil || v.Type() != fastjson.TypeObject {
		return "", false
	}
	if top := v.Get(fieldEventID.name); top != nil {
		switch top.Type() {
		case fastjson.TypeString:
			if s, _ := top.StringBytes(); len(s) > 0 {
				return keyString(s), true
			}
		case fastjson.TypeNumber:
			var buf []byte
			if raw := rawNumber(top, &buf); isJSONInt(raw) {
				return string(raw), true
			}
		}
	}
	if d := v.Get(jsData.name, track.AttrEventID); d != nil && d.Type() == fastjson.TypeString {
		if s, _ := d.StringBytes(); len(s) > 0 {
			return keyString(s), true
		}
	}
	return "", false
}
