// Package dashboardexporter stores every event in an embedded SQLite database
// and serves the troubleshooting dashboard, its JSON API and the browser tracker.
package dashboardexporter // import "github.com/unitrack/unitrack/exporter/dashboardexporter"
