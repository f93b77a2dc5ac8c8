// Package clip holds the small string rules every human-facing output
// shares (notification titles, blog titles, anomaly bodies).
package clip

import "unicode/utf8"

// Runes shortens s to at most maxRunes runes, the last one an ellipsis
// when something was cut; maxRunes <= 0 gives "". It never splits a rune.
func Runes(s string, maxRunes int) string {
	if maxRunes <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	n := 0
	for i := range s {
		if n == maxRunes-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
