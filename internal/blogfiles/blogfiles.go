// Package blogfiles holds the one rule for the files of a blog directory
// (what blogexporter writes) that a reader may fetch, and the handler that
// serves them: the blog exporter's own server and the dashboard's /blog/
// route both use it, so a name, a header or a content type never differs
// between the two.
//
// Where the two once disagreed, the stricter rule was kept:
//   - names: only what the blog writes for readers, in the exact shape it
//     writes them (index.html, feed.atom, <YYYY-MM-DD-slug>.html|.md with a
//     slug of [a-z0-9-]); no dot file (the digest state, temporary files),
//     no other extension, no path. Files are opened through an os.Root on
//     the directory and must be regular, so no symlink leads out of it.
//   - CSP: "sandbox" (scripts, forms and plugins never run, even in a page a
//     hostile title got into) with default-src 'none' and inline styles only;
//     images only as data: URLs, so opening a post makes no request to any
//     host (a remote image in a kept post body would be a tracking beacon).
//   - framing refused (X-Frame-Options DENY and frame-ancestors 'none'), no
//     Referer sent from a post's links, nosniff.
//   - Markdown as text/plain: every browser shows it as text and none renders
//     or downloads it (text/markdown is downloaded by some).
//   - Cache-Control no-cache: posts are rewritten in place, a reader revalidates
//     (http.ServeContent answers conditional and range requests).
package blogfiles

import (
	"errors"
	"net/http"
	"os"
	"strings"
)

const (
	// IndexFile lists every post.
	IndexFile = "index.html"
	// FeedFile is the Atom feed.
	FeedFile = "feed.atom"
	// MaxSlugTitle caps the title part of a post's stem: a stem is a date
	// (10), a dash, at most MaxSlugTitle characters and a collision suffix.
	MaxSlugTitle = 60
	// maxSuffix is the room left for a collision suffix ("-" and a number).
	maxSuffix = 12
)

// CSP is the Content-Security-Policy of every served blog file.
const CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"

// ErrNotOpen, returned by an Open function, answers 503: the directory is
// not available yet (a reader retries), unlike a missing file (404).
var ErrNotOpen = errors.New("the blog directory is not open")

// ValidStem reports whether s has the shape of a post's file stem,
// YYYY-MM-DD-<slug>, the slug of [a-z0-9-] without a leading or trailing
// dash, so a name read from the directory or a request can be trusted.
func ValidStem(s string) bool {
	if len(s) < 12 || len(s) > 11+MaxSlugTitle+maxSuffix {
		return false
	}
	for i := range 10 {
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

// PostStem is the stem of a post file name (<stem>.md or <stem>.html), ok
// only when the stem is valid.
func PostStem(name string) (stem string, ok bool) {
	stem, ok = strings.CutSuffix(name, ".md")
	if !ok {
		stem, ok = strings.CutSuffix(name, ".html")
	}
	return stem, ok && ValidStem(stem)
}

// Servable reports whether a reader may fetch name: the index, the feed or
// a post's Markdown or page.
func Servable(name string) bool {
	if name == IndexFile || name == FeedFile {
		return true
	}
	_, ok := PostStem(name)
	return ok
}

// ContentType is the Content-Type a servable name is served with.
func ContentType(name string) string {
	switch {
	case name == FeedFile:
		return "application/atom+xml; charset=utf-8"
	case strings.HasSuffix(name, ".md"):
		return "text/plain; charset=utf-8"
	default:
		return "text/html; charset=utf-8"
	}
}

// Handler serves a blog directory read-only under the rule above.
type Handler struct {
	// Open opens a file of the directory by name; it is only called with
	// servable names. ErrNotOpen from it answers 503, any other error 404.
	Open func(name string) (*os.File, error)
	// Error writes an error response in the listener's own style; nil uses
	// http.Error.
	Error func(w http.ResponseWriter, status int, msg string)
}

// Dir opens files of the directory at path through an os.Root opened for
// each call, so a directory created, replaced or removed later is seen.
func Dir(path string) func(name string) (*os.File, error) {
	return func(name string) (*os.File, error) {
		root, err := os.OpenRoot(path)
		if err != nil {
			return nil, err
		}
		defer root.Close()
		return root.Open(name)
	}
}

// ServeHTTP serves the file the request path names ("/" is the index).
// Mount it with http.StripPrefix under a prefix.
func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" {
		name = IndexFile
	}
	h.ServeFile(w, r, name)
}

// ServeFile serves the blog file name: GET and HEAD only (405 otherwise),
// 404 for a name that is not servable, missing or not a regular file.
func (h Handler) ServeFile(w http.ResponseWriter, r *http.Request, name string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET or HEAD")
		return
	}
	if !Servable(name) {
		h.fail(w, http.StatusNotFound, "no such blog file: "+name)
		return
	}
	f, err := h.Open(name)
	if errors.Is(err, ErrNotOpen) {
		h.fail(w, http.StatusServiceUnavailable, "the blog is not available yet")
		return
	}
	if err != nil {
		h.fail(w, http.StatusNotFound, "no such blog file: "+name)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		h.fail(w, http.StatusNotFound, "no such blog file: "+name)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", ContentType(name))
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, st.ModTime(), f)
}

func (h Handler) fail(w http.ResponseWriter, status int, msg string) {
	if h.Error != nil {
		h.Error(w, status, msg)
		return
	}
	http.Error(w, msg, status)
}
