// Package eventlogreceiver tails legacy JSON event log files (events.jsonl) with
// contrib's fileconsumer and turns each line into a log record as the json_events format.
package eventlogreceiver // import "github.com/unitrack/unitrack/receiver/eventlogreceiver"
