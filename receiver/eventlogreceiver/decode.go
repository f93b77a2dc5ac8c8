package eventlogreceiver // import "github.com/unitrack/unitrack/receiver/eventlogreceiver"

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/legacy"
)

var errNotObject = errors.New("not a JSON object: a json_events line is one {...} object")

// malformedLine is a line that did not decode as a json_events object.
type malformedLine struct {
	// Line is the 1-based number of the line in its file (see README, "Line numbers").
	Line int64
	Err  error
}

// decodeLines turns the tokens of one fileconsumer emit (one line each, the
// first being line firstLine of its file) into log records, as the json_events
// format maps them. Blank lines are skipped silently; malformed lines are
// returned, never fatal. extra are attributes put on every record (the log.file.*
// attributes the user asked for); ids derives the ids of lines without their
// own event_id. Consecutive records with the same resource and
// scope share one ResourceLogs/ScopeLogs.
func decodeLines(tokens [][]byte, firstLine int64, ids lineIDs, observed time.Time, extra map[string]any) (plog.Logs, []malformedLine) {
	out := plog.NewLogs()
	var bad []malformedLine
	var lastScope plog.ScopeLogs
	var lastRes plog.ResourceLogs
	haveLast := false
	for i, tok := range tokens {
		line := firstLine + int64(i)
		tok = bytes.TrimSpace(tok)
		if len(tok) == 0 {
			continue
		}
		if tok[0] != '{' {
			bad = append(bad, malformedLine{Line: line, Err: errNotObject})
			continue
		}
		ld, evErrs, err := legacy.DecodeWithIDs(legacy.JSONEvents, tok, observed, ids.forToken(i))
		if err != nil {
			bad = append(bad, malformedLine{Line: line, Err: err})
			continue
		}
		if len(evErrs) > 0 {
			bad = append(bad, malformedLine{Line: line, Err: evErrs[0].Err})
			continue
		}
		if ld.LogRecordCount() == 0 {
			bad = append(bad, malformedLine{Line: line, Err: fmt.Errorf("no event decoded")})
			continue
		}
		rls := ld.ResourceLogs()
		for r := 0; r < rls.Len(); r++ {
			rl := rls.At(r)
			sls := rl.ScopeLogs()
			for s := 0; s < sls.Len(); s++ {
				sl := sls.At(s)
				if len(extra) > 0 {
					lrs := sl.LogRecords()
					for k := 0; k < lrs.Len(); k++ {
						attrs := lrs.At(k).Attributes()
						for key, v := range extra {
							_ = attrs.PutEmpty(key).FromRaw(v)
						}
					}
				}
				if haveLast && sameResourceAndScope(lastRes, lastScope, rl, sl) {
					sl.LogRecords().MoveAndAppendTo(lastScope.LogRecords())
					continue
				}
				nrl := out.ResourceLogs().AppendEmpty()
				rl.Resource().CopyTo(nrl.Resource())
				nrl.SetSchemaUrl(rl.SchemaUrl())
				nsl := nrl.ScopeLogs().AppendEmpty()
				sl.Scope().CopyTo(nsl.Scope())
				nsl.SetSchemaUrl(sl.SchemaUrl())
				sl.LogRecords().MoveAndAppendTo(nsl.LogRecords())
				lastRes, lastScope, haveLast = nrl, nsl, true
			}
		}
	}
	return out, bad
}

func sameResourceAndScope(ar plog.ResourceLogs, as plog.ScopeLogs, br plog.ResourceLogs, bs plog.ScopeLogs) bool {
	return ar.SchemaUrl() == br.SchemaUrl() &&
		as.Scope().Name() == bs.Scope().Name() &&
		as.Scope().Version() == bs.Scope().Version() &&
		as.SchemaUrl() == bs.SchemaUrl() &&
		as.Scope().Attributes().Len() == 0 && bs.Scope().Attributes().Len() == 0 &&
		ar.Resource().Attributes().Equal(br.Resource().Attributes())
}
