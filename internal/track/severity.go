package track

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
)

// severityWords are the legacy contract's severity words (case-insensitive),
// each mapped to the lowest SeverityNumber of its range. Legacy events and
// component settings such as notify's min_severity read the same words.
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

// SeverityWordsExpected lists the accepted words, for error messages.
const SeverityWordsExpected = "one of trace, debug, info, notice, warn, warning, error, err, critical, crit, fatal, alert, emergency (any case)"

// SeverityFromWord is the SeverityNumber of a severity word, case-insensitive.
func SeverityFromWord(word string) (plog.SeverityNumber, bool) {
	if n, ok := severityWords[word]; ok {
		return n, true
	}
	n, ok := severityWords[strings.ToLower(strings.TrimSpace(word))]
	return n, ok
}

// SeverityLabel is the OTLP short name of a SeverityNumber's range: FATAL,
// ERROR, WARN, INFO, DEBUG, TRACE or UNSPECIFIED.
func SeverityLabel(n plog.SeverityNumber) string {
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
