// Package incidentsextension is the incident ledger: the incidents notify and
// blog fold events into, every notification delivery attempt, the blog post of
// each incident and the silences notify honours, in a SQLite database. Readers
// and writers use the internal/incidents interfaces, found with
// host.GetExtensions().
package incidentsextension // import "github.com/unitrack/unitrack/extension/incidentsextension"
