package notifyexporter

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
)

// severityWords maps the legacy contract's severity words (case-insensitive)
// to the lowest SeverityNumber of their range.
var severityWords = map[string]plog.SeverityNumber{
	"trace":     plog.SeverityNumberTrace,
	"debug":     plog.SeverityNumberDebug,
	"info":      plog.SeverityNumberInfo,
	"notice":    plog.SeverityNumberInfo,
	"warn":      plog.SeverityNumberWarn,
	"warning":   plog.SeverityNumberWarn,
	"error":     plog.SeverityNumberError,
	"err":       plog.SeverityNumberError,
	"critical":  plog.SeverityNumberFatal,
	"crit":      plog.SeverityNumberFatal,
	"fatal":     plog.SeverityNumberFatal,
	"alert":     plog.SeverityNumberFatal,
	"emergency": plog.SeverityNumberFatal,
}

const severityWordList = "trace, debug, info, warn, error, fatal"

// parseSeverity turns a severity word into its SeverityNumber; "" is 0 (no minimum).
func parseSeverity(word string) (plog.SeverityNumber, bool) {
	if word == "" {
		return plog.SeverityNumberUnspecified, true
	}
	n, ok := severityWords[strings.ToLower(strings.TrimSpace(word))]
	return n, ok
}

// severityName is the canonical word for a SeverityNumber range.
func severityName(n plog.SeverityNumber) string {
	switch {
	case n >= plog.SeverityNumberFatal:
		return "FATAL"
	case n >= plog.SeverityNumberError:
		return "ERROR"
	case n >= plog.SeverityNumberWarn:
		return "WARN"
	case n >= plog.SeverityNumberInfo:
		return "INFO"
	case n >= plog.SeverityNumberDebug:
		return "DEBUG"
	case n >= plog.SeverityNumberTrace:
		return "TRACE"
	default:
		return "UNSPECIFIED"
	}
}
