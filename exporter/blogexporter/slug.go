package blogexporter

import (
	"strconv"
	"strings"
	"time"

	"github.com/unitrack/unitrack/internal/blogfiles"
)

// maxSlugTitle caps the title part of a slug (see blogfiles.ValidStem).
const maxSlugTitle = blogfiles.MaxSlugTitle

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

// validSlug reports whether s has the shape makeSlug produces (the rule
// lives with the serving rule, in internal/blogfiles).
func validSlug(s string) bool { return blogfiles.ValidStem(s) }
