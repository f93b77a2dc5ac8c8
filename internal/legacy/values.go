package legacy

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// isJSONInt reports whether raw is -?(0|[1-9][0-9]*).
func isJSONInt(raw []byte) bool {
	i := 0
	if i < len(raw) && raw[0] == '-' {
		i++
	}
	if i >= len(raw) {
		return false
	}
	if raw[i] == '0' {
		return i+1 == len(raw)
	}
	for ; i < len(raw); i++ {
		if raw[i] < '0' || raw[i] > '9' {
			return false
		}
	}
	return true
}

// isJSONNumber reports whether raw follows the JSON number grammar
// (fastjson also lets through NaN, Inf, +1, 01 and 1-2).
func isJSONNumber(raw []byte) bool {
	i, n := 0, len(raw)
	if i < n && raw[i] == '-' {
		i++
	}
	if i >= n {
		return false
	}
	switch {
	case raw[i] == '0':
		i++
	case raw[i] >= '1' && raw[i] <= '9':
		i = skipDigits(raw, i)
	default:
		return false
	}
	if i < n && raw[i] == '.' {
		start := i + 1
		if i = skipDigits(raw, start); i == start {
			return false
		}
	}
	if i < n && (raw[i] == 'e' || raw[i] == 'E') {
		i++
		if i < n && (raw[i] == '+' || raw[i] == '-') {
			i++
		}
		start := i
		if i = skipDigits(raw, i); i == start {
			return false
		}
	}
	return i == n
}

// skipDigits returns the index of the first non-digit of raw from i on.
func skipDigits(raw []byte, i int) int {
	for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
		i++
	}
	return i
}

// parseNumber converts a JSON number: integer literals that fit int64 stay
// integers, everything else is a double. ok is false for non-JSON numbers.
func parseNumber(raw []byte) (i int64, f float64, isInt, ok bool) {
	if isJSONInt(raw) {
		neg := raw[0] == '-'
		digits := raw
		if neg {
			digits = raw[1:]
		}
		var u uint64
		overflow := false
		for _, c := range digits {
			if u > (math.MaxUint64-9)/10 {
				overflow = true
				break
			}
			u = u*10 + uint64(c-'0')
		}
		if !overflow {
			if !neg && u <= math.MaxInt64 {
				return int64(u), 0, true, true
			}
			if neg && u <= 1<<63 {
				return -int64(u), 0, true, true //nolint:gosec // u <= 1<<63
			}
		}
	} else if !isJSONNumber(raw) {
		return 0, 0, false, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !isRangeErr(err) {
		return 0, 0, false, false
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, 0, false, false
	}
	return 0, f, false, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

const timeExpected = "an ISO-8601 time (e.g. 2026-11-28T12:00:00Z), epoch seconds or epoch milliseconds (a number > 1e12)"

var isoLayouts = []string{
	time.RFC3339, // also takes fractional seconds and numeric offsets with ':'
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime reads an event time in nanoseconds since the epoch: an ISO-8601
// string (zone-less times are UTC), or epoch seconds / milliseconds as a number
// or a numeric string.
func parseTime(v *fastjson.Value, buf *[]byte) (int64, bool) {
	switch v.Type() {
	case fastjson.TypeNumber:
		return epochNanos(rawNumber(v, buf))
	case fastjson.TypeString:
		sb, _ := v.StringBytes()
		if len(sb) > 0 && (sb[0] >= '0' && sb[0] <= '9') && isJSONNumber(sb) {
			return epochNanos(sb)
		}
		s := string(sb)
		for _, layout := range isoLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				ns := t.UnixNano()
				if t.Year() < 1970 || t.Year() > 2262 || ns < 0 {
					return 0, false
				}
				return ns, true
			}
		}
	}
	return 0, false
}

// epochNanos converts epoch seconds, or milliseconds when the value is above
// 1e12, exactly from the decimal text (no float rounding) when it has no
// exponent.
func epochNanos(raw []byte) (int64, bool) {
	if !isJSONNumber(raw) || raw[0] == '-' {
		return 0, false
	}
	if strings.ContainsAny(string(raw), "eE") {
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || f < 0 {
			return 0, false
		}
		var ns float64
		if f > 1e12 {
			ns = f * 1e6
		} else {
			ns = f * 1e9
		}
		if ns >= math.MaxInt64 {
			return 0, false
		}
		return int64(ns), true
	}
	intPart, frac := raw, []byte(nil)
	for i, c := range raw {
		if c == '.' {
			intPart, frac = raw[:i], raw[i+1:]
			break
		}
	}
	if len(intPart) > 19 {
		return 0, false
	}
	var whole uint64
	for _, c := range intPart {
		whole = whole*10 + uint64(c-'0')
	}
	unit, fracDigits := uint64(1e9), 9
	if whole > 1e12 || (whole == 1e12 && hasNonZero(frac)) {
		unit, fracDigits = 1e6, 6
	}
	if whole > math.MaxInt64/unit {
		return 0, false
	}
	var fr uint64
	for i := 0; i < fracDigits; i++ {
		fr *= 10
		if i < len(frac) {
			fr += uint64(frac[i] - '0')
		}
	}
	ns := whole*unit + fr
	if ns > math.MaxInt64 {
		return 0, false
	}
	return int64(ns), true
}

func hasNonZero(b []byte) bool {
	for _, c := range b {
		if c != '0' {
			return true
		}
	}
	return false
}

// LevelWord is the upper-case legacy log level (Python's names) for a
// severity number: TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL. Unspecified
// is INFO, the legacy default.
func LevelWord(n plog.SeverityNumber) string {
	switch label := track.SeverityLabel(n); label {
	case "FATAL":
		return "CRITICAL"
	case "WARN":
		return "WARNING"
	case "UNSPECIFIED":
		return "INFO"
	default:
		return label
	}
}

func itoa(i int) string {
	var b [20]byte
	return string(appendInt(b[:0], int64(i)))
}

func appendInt(b []byte, i int64) []byte {
	if i < 0 {
		b = append(b, '-')
		i = -i
	}
	var tmp [20]byte
	n := len(tmp)
	for {
		n--
		tmp[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return append(b, tmp[n:]...)
}

func rawNumber(v *fastjson.Value, buf *[]byte) []byte {
	*buf = v.MarshalTo((*buf)[:0])
	return *buf
}

func parsePID(v *fastjson.Value, buf *[]byte) (int64, bool) {
	var raw []byte
	switch v.Type() {
	case fastjson.TypeNumber:
		raw = rawNumber(v, buf)
	case fastjson.TypeString:
		raw, _ = v.StringBytes()
	default:
		return 0, false
	}
	if !isJSONInt(raw) || raw[0] == '-' {
		return 0, false
	}
	i, _, isInt, ok := parseNumber(raw)
	return i, ok && isInt
}

// hexID decodes a hex string into dst (whose length is the id's). An empty
// string counts as absent.
func hexID(v *fastjson.Value, dst []byte) (set, ok bool) {
	if v.Type() != fastjson.TypeString {
		return false, false
	}
	sb, _ := v.StringBytes()
	if len(sb) == 0 {
		return false, true
	}
	if len(sb) != 2*len(dst) {
		return false, false
	}
	if _, err := hex.Decode(dst, sb); err != nil {
		return false, false
	}
	return true, true
}
