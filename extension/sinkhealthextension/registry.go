package sinkhealthextension // import "github.com/unitrack/unitrack/extension/sinkhealthextension"

import (
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"
	"go.opentelemetry.io/collector/pipeline"

	"github.com/unitrack/unitrack/internal/sinkhealth"
)

type sinkEntry struct {
	sinkhealth.Sink
	dropped, refused int64
	lastError        string
	lastErrorTime    time.Time
}

type exporterEntry struct {
	status    sinkhealth.ComponentStatus
	pipelines []string
	// errTime and errText are the latest error status, kept after an OK.
	errText string
	errTime time.Time
}

type registry struct {
	component.StartFunc
	component.ShutdownFunc
	maxErr int

	mu        sync.Mutex
	sinks     map[string]*sinkEntry
	exporters map[component.ID]*exporterEntry
}

var (
	_ sinkhealth.Registry                          = (*registry)(nil)
	_ componentstatus.Watcher                      = (*registry)(nil)
	_ extensioncapabilities.ComponentStatusWatcher = (*registry)(nil)
)

func newRegistry(cfg *Config) *registry {
	return &registry{
		maxErr:    cfg.MaxErrorLength,
		sinks:     map[string]*sinkEntry{},
		exporters: map[component.ID]*exporterEntry{},
	}
}

func (r *registry) cut(s string) string {
	if r.maxErr > 0 && len(s) > r.maxErr {
		return strings.ToValidUTF8(s[:r.maxErr], "") + "…"
	}
	return s
}

func (r *registry) DeclareSinks(_ component.ID, sinks []sinkhealth.Sink) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range sinks {
		if e, ok := r.sinks[s.Pipeline]; ok {
			e.Sink = s
			continue
		}
		r.sinks[s.Pipeline] = &sinkEntry{Sink: s}
	}
}

func (r *registry) RecordIncident(in sinkhealth.Incident) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.sinks[in.Pipeline]
	if !ok {
		e = &sinkEntry{Sink: sinkhealth.Sink{Pipeline: in.Pipeline}}
		r.sinks[in.Pipeline] = e
	}
	switch in.Kind {
	case sinkhealth.KindDropped:
		e.dropped += int64(in.Records)
	case sinkhealth.KindRefused:
		e.refused += int64(in.Records)
	}
	if in.Err != nil && !in.Time.Before(e.lastErrorTime) {
		e.lastError = r.cut(in.Kind + ": " + in.Err.Error())
		e.lastErrorTime = in.Time
	}
}

// Changed is how the service tells extensions (extensioncapabilities).
func (r *registry) Changed(source *componentstatus.InstanceID, ev *componentstatus.Event) {
	r.ComponentStatusChanged(source, ev)
}

// ComponentStatusChanged keeps the latest event of every exporter.
func (r *registry) ComponentStatusChanged(source *componentstatus.InstanceID, ev *componentstatus.Event) {
	if source.Kind() != component.KindExporter {
		return
	}
	var pipes []string
	source.AllPipelineIDs(func(id pipeline.ID) bool {
		pipes = append(pipes, id.String())
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.exporters[source.ComponentID()]
	if !ok {
		e = &exporterEntry{}
		r.exporters[source.ComponentID()] = e
	}
	e.pipelines = pipes
	e.status = sinkhealth.ComponentStatus{ID: source.ComponentID().String(), Status: ev.Status().String(), Time: ev.Timestamp()}
	if err := ev.Err(); err != nil {
		e.status.Error = r.cut(err.Error())
		e.errText, e.errTime = e.status.Error, ev.Timestamp()
	}
}

func (r *registry) Sinks() []sinkhealth.SinkState {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]sinkhealth.SinkState, 0, len(r.sinks))
	for _, s := range r.sinks {
		st := sinkhealth.SinkState{
			Sink: s.Sink, Dropped: s.dropped, Refused: s.refused,
			LastError: s.lastError, LastErrorTime: s.lastErrorTime,
			Exporters: []sinkhealth.ComponentStatus{},
		}
		for _, e := range r.exporters {
			if !slices.Contains(e.pipelines, s.Pipeline) {
				continue
			}
			st.Exporters = append(st.Exporters, e.status)
			if e.errText != "" && e.errTime.After(st.LastErrorTime) {
				st.LastError, st.LastErrorTime = e.status.ID+": "+e.errText, e.errTime
			}
		}
		slices.SortFunc(st.Exporters, func(a, b sinkhealth.ComponentStatus) int { return strings.Compare(a.ID, b.ID) })
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b sinkhealth.SinkState) int { return strings.Compare(a.Pipeline, b.Pipeline) })
	return out
}
