// Package anomalyconnector watches every event of the intake pipeline and
// emits anomaly.detected (and anomaly.resolved) records into the routing
// pipeline: error-rate spikes, regular sources going silent, new error names.
package anomalyconnector // import "github.com/unitrack/unitrack/connector/anomalyconnector"
