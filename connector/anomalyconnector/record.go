package anomalyconnector

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/connector/anomalyconnector/internal/metadata"
	"github.com/unitrack/unitrack/internal/clip"
	"github.com/unitrack/unitrack/internal/track"
)

// Attributes of the emitted records beyond the legacy blog anomaly shape
// (anomaly.metric, anomaly.value, anomaly.baseline, anomaly.zscore).
const (
	// sourceAnomaly is the track.source of the records the connector makes.
	sourceAnomaly = "anomaly"
	author        = "anomaly connector"
	maxMessage    = 200
)

// appendRecords adds one record per finding to ld, one resource per
// finding's service (so that incident keys stay per service).
func appendRecords(ld plog.Logs, fs []finding, bucket time.Duration) {
	for _, f := range fs {
		rl := ld.ResourceLogs().AppendEmpty()
		if f.Service != "" {
			rl.Resource().Attributes().PutStr(track.AttrServiceName, f.Service)
		}
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName(metadata.ScopeName)
		fillRecord(sl.LogRecords().AppendEmpty(), f, bucket)
	}
}

func fillRecord(lr plog.LogRecord, f finding, bucket time.Duration) {
	ts := pcommon.NewTimestampFromTime(f.At)
	lr.SetTimestamp(ts)
	lr.SetObservedTimestamp(ts)
	if f.Resolved {
		lr.SetEventName(track.EventAnomalyResolved)
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("INFO")
	} else {
		lr.SetEventName(track.EventAnomalyDetected)
		lr.SetSeverityNumber(plog.SeverityNumberError)
		lr.SetSeverityText("ERROR")
	}
	sentence := describe(f, bucket)
	attrs := lr.Attributes()
	attrs.PutStr(track.AttrSource, sourceAnomaly)
	attrs.PutStr(track.AttrCategory, "anomaly")
	attrs.PutStr(track.AttrEventID, track.NewEventID(f.At))
	tags := attrs.PutEmptySlice(track.AttrTags)
	tags.AppendEmpty().SetStr("anomaly")
	tags.AppendEmpty().SetStr(f.Kind)
	if !f.Resolved {
		attrs.PutStr(track.AttrBlogTitle, title(f))
		attrs.PutStr(track.AttrBlogAuthor, author)
	}
	attrs.PutStr("anomaly.kind", f.Kind)
	attrs.PutStr("anomaly.metric", metricName(f))
	attrs.PutDouble("anomaly.value", round2(f.Value))
	attrs.PutDouble("anomaly.baseline", round2(f.Baseline))
	attrs.PutDouble("anomaly.score", round2(f.Score))
	if f.Kind == kindErrorRate {
		attrs.PutDouble("anomaly.zscore", round2(f.Score))
		attrs.PutDouble("anomaly.stddev", round2(f.StdDev))
		attrs.PutStr("anomaly.bucket", bucket.String())
		if f.Resolved {
			attrs.PutDouble("anomaly.peak", f.Peak)
		}
	}
	attrs.PutStr("anomaly.window.start", f.WindowStart.UTC().Format(time.RFC3339Nano))
	attrs.PutStr("anomaly.window.end", f.WindowEnd.UTC().Format(time.RFC3339Nano))
	if f.Service != "" {
		attrs.PutStr("anomaly.service", f.Service)
	}
	switch f.Kind {
	case kindErrorRate:
		attrs.PutStr("anomaly.category", f.Category)
	case kindSilence:
		attrs.PutStr("anomaly.source", f.Source)
		if f.SubjectKey != "" {
			attrs.PutStr("anomaly.subject", f.SubjectKey+"="+f.SubjectValue)
		}
	case kindNewErrorName:
		attrs.PutStr("anomaly.category", f.Category)
		attrs.PutStr("anomaly.event_name", f.EventName)
	}
	lr.Body().SetStr(body(f, sentence))
}

// metricName identifies the watched series; it is the incident subject of
// the record (internal/incident reads anomaly.metric), so that detected and
// resolved records of one series fold into one incident.
func metricName(f finding) string {
	switch f.Kind {
	case kindErrorRate:
		return "error_rate{category=" + f.Category + "}"
	case kindSilence:
		s := "silence{source=" + f.Source
		if f.SubjectKey != "" {
			s += "," + f.SubjectKey + "=" + f.SubjectValue
		}
		return s + "}"
	default:
		return "new_error_name{event=" + f.EventName + "}"
	}
}

// describe is the record's opening sentence, in plain words.
func describe(f finding, bucket time.Duration) string {
	on := ""
	if f.Service != "" {
		on = " on " + f.Service
	}
	switch f.Kind {
	case kindErrorRate:
		what := "Error rate of " + orNone(f.Category) + on
		if f.Resolved {
			return fmt.Sprintf("%s is back to %s (usually %s) after %s; it peaked at %s.",
				what, rate(f.Value, bucket), rate(f.Baseline, bucket), duration(f.WindowEnd.Sub(f.WindowStart)), rate(f.Peak, bucket))
		}
		if f.Baseline < 0.5 {
			return fmt.Sprintf("%s is %s; it is usually %s.", what, rate(f.Value, bucket), rate(f.Baseline, bucket))
		}
		return fmt.Sprintf("%s is %s, %sx its usual %s.", what, rate(f.Value, bucket), num(f.Value/f.Baseline), rate(f.Baseline, bucket))
	case kindSilence:
		who := "The " + sourcePhrase(f) + on
		if f.Resolved {
			return fmt.Sprintf("%s reported again after %s of silence.", who, duration(f.WindowEnd.Sub(f.WindowStart)))
		}
		return fmt.Sprintf("%s has sent nothing for %s; it usually reports every %s.", who,
			duration(f.WindowEnd.Sub(f.WindowStart)), duration(time.Duration(f.Baseline*float64(time.Second))))
	default:
		s := fmt.Sprintf("New error %s%s (category %s), never seen before", f.EventName, on, orNone(f.Category))
		if m := oneLine(f.Message); m != "" {
			s += ": " + strconv.Quote(m)
		}
		return s + "."
	}
}

func title(f finding) string {
	on := ""
	if f.Service != "" {
		on = " on " + f.Service
	}
	switch f.Kind {
	case kindErrorRate:
		if f.Baseline < 0.5 {
			return fmt.Sprintf("Anomaly: %s errors%s jumped to %s", orNone(f.Category), on, num(f.Value))
		}
		return fmt.Sprintf("Anomaly: %s errors%s at %sx the usual rate", orNone(f.Category), on, num(f.Value/f.Baseline))
	case kindSilence:
		return "Anomaly: the " + sourcePhrase(f) + on + " went silent"
	default:
		return "Anomaly: new error " + f.EventName + on
	}
}

// body is the sentence, then the figures and the window.
func body(f finding, sentence string) string {
	var b strings.Builder
	b.WriteString(sentence)
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "Window: %s to %s (UTC).", f.WindowStart.UTC().Format("2006-01-02 15:04:05"), f.WindowEnd.UTC().Format("2006-01-02 15:04:05"))
	switch f.Kind {
	case kindErrorRate:
		if !f.Resolved {
			fmt.Fprintf(&b, " %s errors in the bucket against a baseline of %s ± %s (z-score %s).", num(f.Value), num(f.Baseline), num(f.StdDev), num(f.Score))
		}
	case kindSilence:
		if !f.Resolved {
			fmt.Fprintf(&b, " Silent for %s typical intervals.", num(f.Score))
		}
	}
	return b.String()
}

var subjectWords = map[string]string{
	track.AttrHealthCheck:       "check",
	track.AttrTaskName:          "task",
	track.AttrMCPServerName:     "MCP server",
	track.AttrDashboardAction:   "action",
	track.AttrNotificationTitle: "notification",
	track.AttrBlogTitle:         "post",
}

func sourcePhrase(f finding) string {
	s := f.Source
	if f.SubjectKey == "" {
		return s + " source"
	}
	w, ok := subjectWords[f.SubjectKey]
	if !ok {
		w = f.SubjectKey
	}
	return s + " " + w + " " + f.SubjectValue
}

// rate says a per-bucket count per the bucket's unit: 12/min, 3/h, 4 per 10s.
func rate(v float64, bucket time.Duration) string {
	switch bucket {
	case time.Second:
		return num(v) + "/s"
	case time.Minute:
		return num(v) + "/min"
	case time.Hour:
		return num(v) + "/h"
	}
	return num(v) + " per " + duration(bucket)
}

// num prints at most one decimal: 12, 2.5, 0.1.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// duration prints a duration rounded to what a person reads: 2m30s, 2m, 45s, 1.5s.
func duration(d time.Duration) string {
	if d >= 10*time.Second {
		d = d.Round(time.Second)
	} else {
		d = d.Round(100 * time.Millisecond)
	}
	s := d.String()
	s = strings.TrimSuffix(s, "m0s") + map[bool]string{true: "m"}[strings.HasSuffix(s, "m0s")]
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return clip.Runes(s, maxMessage)
}

func orNone(s string) string {
	if s == "" {
		return "(no category)"
	}
	return s
}
