// Package sinkhealth is the contract between the components that deliver to
// sinks and the ones that show how the sinks are doing: a fan-out declares its
// sink pipelines and records every refusal and drop; a registry (the sinkhealth
// extension) joins them with the latest componentstatus event of each exporter;
// the dashboard reads the result. Components find the registry through
// host.GetExtensions(), so none of them imports another.
package sinkhealth // import "github.com/unitrack/unitrack/internal/sinkhealth"

import (
	"time"

	"go.opentelemetry.io/collector/component"
)

// Policies a sink pipeline can have when it cannot take data.
const (
	// WhenFullBlock: the sink must not drop; the sender waits, then is refused.
	WhenFullBlock = "block"
	// WhenFullDropNewest: the sink's newest data is dropped; the sender never waits on it.
	WhenFullDropNewest = "drop_newest"
)

// Kinds of Incident.
const (
	KindDropped = "dropped"
	KindRefused = "refused"
)

// Sink is one sink pipeline as a fan-out delivers to it.
type Sink struct {
	// Pipeline is the pipeline ID, e.g. "logs/dashboard".
	Pipeline string `json:"pipeline"`
	// WhenFull is WhenFullBlock or WhenFullDropNewest.
	WhenFull string `json:"when_full"`
}

// Incident is one request a sink pipeline did not take.
type Incident struct {
	Pipeline string
	// Kind is KindDropped (an optional sink's data was dropped) or KindRefused
	// (the sender was refused because of this must-not-drop sink).
	Kind    string
	Records int
	Err     error
	Time    time.Time
}

// Recorder is what a fan-out tells the registry.
type Recorder interface {
	// DeclareSinks tells the registry the sink pipelines a fan-out feeds.
	DeclareSinks(fanout component.ID, sinks []Sink)
	// RecordIncident records a drop or a refusal.
	RecordIncident(Incident)
}

// ComponentStatus is the latest componentstatus event of one exporter.
type ComponentStatus struct {
	// ID is the exporter's component ID, e.g. "otlphttp/backend".
	ID     string    `json:"id"`
	Status string    `json:"status"`
	Error  string    `json:"error,omitempty"`
	Time   time.Time `json:"time"`
}

// SinkState is what the registry knows about one sink pipeline.
type SinkState struct {
	Sink
	// Exporters are the exporters of the pipeline with their latest status.
	Exporters []ComponentStatus `json:"exporters"`
	// Dropped and Refused count log records since the collector started.
	Dropped int64 `json:"dropped"`
	Refused int64 `json:"refused"`
	// LastError is the most recent error of the sink: a drop, a refusal or an
	// exporter's error status, whichever came last.
	LastError     string    `json:"last_error,omitempty"`
	LastErrorTime time.Time `json:"last_error_time,omitzero"`
}

// Source is what a reader (the dashboard) gets from the registry.
type Source interface {
	// Sinks returns every declared sink pipeline, sorted by pipeline.
	Sinks() []SinkState
}

// Registry is both sides; the sinkhealth extension implements it.
type Registry interface {
	Recorder
	Source
}

// Find returns the first extension of host that is a Registry.
func Find(host component.Host) (Registry, bool) {
	if host == nil {
		return nil, false
	}
	for _, ext := range host.GetExtensions() {
		if r, ok := ext.(Registry); ok {
			return r, true
		}
	}
	return nil, false
}
