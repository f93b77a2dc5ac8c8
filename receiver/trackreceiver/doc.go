// Package trackreceiver receives the legacy JSON tracking events (eight
// formats, one path each) over HTTP and turns them into OTLP log records.
package trackreceiver // import "github.com/unitrack/unitrack/receiver/trackreceiver"
