package blogexporter

import (
	"strings"
	"unicode/utf8"

	"github.com/unitrack/unitrack/internal/clip"
)

const (
	maxTitleRunes   = 200
	maxMessageRunes = 500
	maxFieldRunes   = 200
	// maxBodyBytes caps a legacy post's Markdown body; longer bodies are cut
	// at a rune boundary and marked as truncated.
	maxBodyBytes = 256 << 10
)

// cleanText makes event text safe to store in YAML, Markdown, HTML and XML:
// invalid UTF-8 and control characters (other than tab and, when multiline,
// newline) become U+FFFD, carriage returns are dropped, and without
// multiline every line break becomes a space.
func cleanText(s string, multiline bool) string {
	ok := utf8.ValidString(s)
	if ok {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < 0x20 && c != '\t' && (c != '\n' || !multiline) || c == 0x7f {
				ok = false
				break
			}
		}
	}
	if ok && !strings.ContainsRune(s, '\uFFFE') && !strings.ContainsRune(s, '\uFFFF') {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune('\uFFFD')
		case r == '\r':
		case r == '\n':
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			b.WriteByte('\t')
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0, r == '\uFFFE', r == '\uFFFF':
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanLine is cleanText on one line, with runs of blanks collapsed and the
// result cut to maxRunes runes (an ellipsis marks the cut).
func cleanLine(s string, maxRunes int) string {
	s = strings.Join(strings.Fields(cleanText(s, false)), " ")
	return clip.Runes(s, maxRunes)
}

// truncateBytes cuts s to at most n bytes at a rune boundary.
func truncateBytes(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// escapeMarkdown makes one line of event text literal in Markdown when it
// is placed after other text on a line (never at a line start, where list
// and heading markers would matter): every character that could start
// inline markup (emphasis, links, images, raw HTML, entities, code, table
// cells, strikethrough, heading closers) is backslash-escaped.
func escapeMarkdown(s string) string {
	const special = "\\`*_[]<>#|~&"
	if !strings.ContainsAny(s, special) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(special, c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
