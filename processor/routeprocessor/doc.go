// Package routeprocessor evaluates unitrack's routing table once per log record
// and writes the chosen sinks on it as track.routes (table mode), or keeps only
// the records routed to one sink (select mode, one instance per sink pipeline).
package routeprocessor // import "github.com/unitrack/unitrack/processor/routeprocessor"
