// Package legacy translates the legacy JSON event formats of
// docs/legacy-formats.md into OTLP log records, and encodes any log
// record back as one legacy json_events line. It is pure: bytes in, plog out.
//
// How one body travels through the package (Decode, in legacy.go):
//
//   - legacy.go: the format table (Formats, Lookup) and Decode, which splits
//     the body into events (one object, an array, or NDJSON lines) and hands
//     each to a pooled decoder.
//   - decoder.go: the decoder of one Decode call and its per-event step:
//     sortFields puts every top-level field in its format's slot (or with
//     the unknown ones), readCommon reads the fields all formats share, the
//     format's build reads its own, and emit writes the record.
//   - spec.go: field (a slot and its JSON name, declared once by
//     fieldSet.add), the fields every format shares, and newSpec, which maps
//     a format's names to slots from the same declarations.
//   - formats.go: per format, its own fields (one line each), its enum word
//     tables and its build function (what each field means), registered in
//     specs; the only file that knows a format's fields.
//   - event.go, fields.go: the state of one event (the slots, the queued
//     attributes, the record's fields) and the typed readers of a field
//     (str, reqStr, enum, number, time, ...) that report a wrong one by its
//     declared name.
//   - emit.go: the record itself: its resource group, its fields, then the
//     queued attributes, the free-form objects and the unknown fields, with
//     setValue turning nested JSON into pcommon values.
//   - errors.go: EventError, FieldError, the error paths (prefixField) and
//     joining the problems of one event.
//   - intern.go: string interning, so the keys and words that repeat in a
//     batch are allocated once.
//   - values.go: JSON numbers, times, pids, ids and levels.
//   - shape.go: what a json_events line had that its record cannot say
//     (key order, spellings), kept so that the line is written back as sent.
//   - encode.go: AppendJSONEvent, a record as one json_events line.
//   - eventid.go: JSONEventID, the id of a line without decoding it.
package legacy
