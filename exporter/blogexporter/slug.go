package blogexporter

import (
	"strconv"
	"strings"
	"time"
)

// maxSlugTitle caps the title part of a slug; the whole slug is a date
// (10), a dash, at most maxSlugTitle characters and a collision suffix.
const maxSlugTitle = 60

// slugTitle reduces any text to [a-z0-9-]: letters and digits of ASCII are
// kept (lower-cased), everything else becomes one dash, and dashes do not
// repeat or lead or trail. The result is at most maxSlugTitle long and never
// empty, so it cannot name a parent directory, a hidden file or a path.
func slugTitle(title string) string {
	var b strings.Builder
	b.Grow(min(len(title), maxSlugTitle))
	dash := false
	for i := 0; i < len(title) && b.Len() < maxSlugTitle; i++ {
		c := title[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		default:
			if b.Len() > 0 {
				dash = true
			}
			continue
		}
		if dash {
			if b.Len()+2 > maxSlugTitle {
				break
			}
			b.WriteByte('-')
			dash = false
		}
		b.WriteByte(c)
	}
	if b.Len() == 0 {
		return "post"
	}
	return b.String()
}

// makeSlug is the file stem of a new post: its UTC date and its title's slug,
// with -2, -3, ... appended while taken(stem) is true.
func makeSlug(date time.Time, title string, taken func(string) bool) string {
	base := date.UTC().Format("2006-01-02") + "-" + slugTitle(title)
	slug := base
	for n := 2; taken(slug); n++ {
		slug = base + "-" + strconv.Itoa(n)
	}
	return slug
}

// validSlug reports whether s has the shape makeSlug produces, so a file
// name read from the directory or a request path can be trusted as a stem.
func validSlug(s string) bool {
	if len(s) < 12 || len(s) > 11+maxSlugTitle+12 {
		return false
	}
	for i := 0; i < 10; i++ {
		c := s[i]
		if i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	if s[10] != '-' {
		return false
	}
	rest := s[11:]
	if rest[0] == '-' || rest[len(rest)-1] == '-' {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
