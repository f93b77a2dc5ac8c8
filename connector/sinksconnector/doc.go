// Package sinksconnector fans routed logs out to one pipeline per sink with a
// per-sink policy for a full buffer: must-not-drop sinks are offered first and
// may refuse the request; optional sinks drop their newest data instead.
package sinksconnector // import "github.com/unitrack/unitrack/connector/sinksconnector"
