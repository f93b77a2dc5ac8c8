package legacy

// field is one top-level field of a format: where sortFields puts its value
// (event.known) and its name as sent, for lookups and errors. Each field is
// declared once, by fieldSet.add, so its slot and its name cannot disagree.
type field struct {
	slot int
	name string
}

// fieldSet is the fields of one format (or the common ones), in declaration
// order: each add takes the next slot.
type fieldSet struct {
	next   int
	fields []field
}

func (s *fieldSet) add(name string) field {
	if s.next >= maxSlots {
		panic("legacy: too many fields, at " + name)
	}
	f := field{slot: s.next, name: name}
	s.fields = append(s.fields, f)
	s.next++
	return f
}

// ownFields starts the fields of one format, numbered after the common ones.
// Declare them in one var block right after it (Go initializes them in
// declaration order, so the slots follow the block); the order only numbers
// the slots: newSpec and the readers use the same field values.
func ownFields() *fieldSet { return &fieldSet{next: nCommon} }

const maxSlots = 24

// The fields every format shares take the first nCommon slots.
var commonFields fieldSet

var (
	fieldService = commonFields.add("service")
	fieldHost    = commonFields.add("host")
	fieldPID     = commonFields.add("pid")
	fieldEventID = commonFields.add("event_id")
	fieldTraceID = commonFields.add("trace_id")
	fieldSpanID  = commonFields.add("span_id")
)

// nCommon is len(commonFields.fields), a constant so that each format's own
// fields can start after them whatever order the files initialize in
// (newSpec checks it).
const nCommon = 6

// spec is one format's decoding: which top-level fields it knows and how it
// builds a record from them.
type spec struct {
	info  FormatInfo
	slots map[string]int
	build func(e *event) // reports problems with e.fail
	// dataWins: the free-form object carries the record's own attributes
	// (json_events), so its track.* keys are taken as they are.
	dataWins bool
}

func newSpec(f Format, build func(e *event), own *fieldSet) *spec {
	if len(commonFields.fields) != nCommon {
		panic("legacy: nCommon is not the number of common fields")
	}
	info, _ := Lookup(f)
	sp := &spec{info: info, slots: map[string]int{}, build: build}
	for _, fs := range [...][]field{commonFields.fields, own.fields} {
		for _, fd := range fs {
			if _, dup := sp.slots[fd.name]; dup {
				panic("legacy: field " + fd.name + " declared twice for " + string(f))
			}
			sp.slots[fd.name] = fd.slot
		}
	}
	return sp
}
