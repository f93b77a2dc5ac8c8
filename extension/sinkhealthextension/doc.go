// Package sinkhealthextension keeps the health of each sink in one place: the
// latest componentstatus event of every exporter and the drops and refusals a
// fan-out (the sinks connector) records. The dashboard reads it through the
// internal/sinkhealth interfaces, found with host.GetExtensions().
package sinkhealthextension // import "github.com/unitrack/unitrack/extension/sinkhealthextension"
