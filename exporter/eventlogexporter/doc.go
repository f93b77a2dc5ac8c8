// Package eventlogexporter writes routed log records (legacy or OTLP-native) as
// legacy json_events lines to the JSON event log file, with size-based rotation.
package eventlogexporter // import "github.com/unitrack/unitrack/exporter/eventlogexporter"
