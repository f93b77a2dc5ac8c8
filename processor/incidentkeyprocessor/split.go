package incidentkeyprocessor

import (
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/incident"
)

// part is the records of one incident key, in their original resources and
// scopes and in their original order.
type part struct {
	key  string
	logs plog.Logs
}

// split groups the records of ld by incident key. Parts are in the order
// their first record appears. When every record has the same key, ld itself
// is the one part (nothing is copied: a storm of one incident costs one key
// computation per record).
func split(ld plog.Logs) []part {
	// Every record's key, in walk order, computed once.
	keys := make([]string, 0, ld.LogRecordCount())
	single := true
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				k := incident.KeyOf(lr, rl.Resource()).String()
				if len(keys) > 0 && k != keys[0] {
					single = false
				}
				keys = append(keys, k)
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if single {
		return []part{{key: keys[0], logs: ld}}
	}

	var parts []part
	index := map[string]int{}
	next := 0
	for _, rl := range ld.ResourceLogs().All() {
		// Per part, the resource and scope copies made for this resource.
		resOf := map[int]plog.ResourceLogs{}
		for _, sl := range rl.ScopeLogs().All() {
			scopeOf := map[int]plog.ScopeLogs{}
			for _, lr := range sl.LogRecords().All() {
				k := keys[next]
				next++
				i, ok := index[k]
				if !ok {
					i = len(parts)
					index[k] = i
					parts = append(parts, part{key: k, logs: plog.NewLogs()})
				}
				dst, ok := scopeOf[i]
				if !ok {
					res, ok := resOf[i]
					if !ok {
						res = parts[i].logs.ResourceLogs().AppendEmpty()
						rl.Resource().CopyTo(res.Resource())
						res.SetSchemaUrl(rl.SchemaUrl())
						resOf[i] = res
					}
					dst = res.ScopeLogs().AppendEmpty()
					sl.Scope().CopyTo(dst.Scope())
					dst.SetSchemaUrl(sl.SchemaUrl())
					scopeOf[i] = dst
				}
				lr.CopyTo(dst.LogRecords().AppendEmpty())
			}
		}
	}
	return parts
}
