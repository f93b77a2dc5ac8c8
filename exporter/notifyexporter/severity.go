package notifyexporter

import (
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// parseSeverity turns a min_severity word into its SeverityNumber; "" is 0
// (no minimum).
func parseSeverity(word string) (plog.SeverityNumber, bool) {
	if word == "" {
		return plog.SeverityNumberUnspecified, true
	}
	return track.SeverityFromWord(word)
}
