package legacy

// Slots of the fields every format shares; each format's own fields follow.
const (
	slotService = iota
	slotHost
	slotPID
	slotEventID
	slotTraceID
	slotSpanID
	nCommon
)

const maxSlots = 24

var commonFields = []string{"service", "host", "pid", "event_id", "trace_id", "span_id"}

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

func newSpec(f Format, build func(e *event), fields ...string) *spec {
	info, _ := Lookup(f)
	sp := &spec{info: info, slots: map[string]int{}, build: build}
	for i, name := range commonFields {
		sp.slots[name] = i
	}
	for i, name := range fields {
		sp.slots[name] = nCommon + i
	}
	if len(sp.slots) > maxSlots {
		panic("legacy: too many fields for " + string(f))
	}
	return sp
}
