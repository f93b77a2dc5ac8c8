// Package kafkastorageextension is a storage extension whose key-value state
// lives in a compacted Kafka topic, so that several collectors share it: what
// one writes, the others read (the notify exporter's ledger of paged incidents
// across gateways).
package kafkastorageextension // import "github.com/unitrack/unitrack/extension/kafkastorageextension"
