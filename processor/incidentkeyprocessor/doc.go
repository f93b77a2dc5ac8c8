// Package incidentkeyprocessor splits each batch of logs by incident key
// (internal/incident) and passes every part on with that key in the request's
// client metadata, so that kafkaexporter keys each Kafka record by incident.
package incidentkeyprocessor // import "github.com/unitrack/unitrack/processor/incidentkeyprocessor"
