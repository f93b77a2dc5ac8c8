// Package notifyexporter sends the events routed to the notify sink to the
// places people read (webhook, Slack, Discord, ntfy, a JSONL inbox), grouped,
// deduplicated and resolved the way Prometheus Alertmanager does it.
package notifyexporter // import "github.com/unitrack/unitrack/exporter/notifyexporter"
