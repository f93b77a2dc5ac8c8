package blogexporter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParsePost: the front-matter parser never panics, and what it accepts
// survives a write and a second read unchanged.
func FuzzParsePost(f *testing.F) {
	for _, dir := range []string{"circuit_breaker_storm", "legacy_posts", "injection", "digest"} {
		mds, _ := filepath.Glob(filepath.Join("testdata", "golden", dir, "*.md"))
		for _, md := range mds {
			if data, err := os.ReadFile(md); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("---\ntitle: x\n---"))
	f.Add([]byte("---\ntitle: [\n---\n"))
	f.Add([]byte("---\n&a [*a, *a]\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parsePost(data)
		if err != nil {
			if p != nil {
				t.Fatalf("error %v with a post", err)
			}
			return
		}
		p.body = strings.ToValidUTF8(p.body, "\uFFFD")
		out, err := marshalPost(p)
		if err != nil {
			return // e.g. a value YAML reads but cannot write back
		}
		q, err := parsePost(out)
		if err != nil {
			t.Fatalf("re-reading a written post: %v\n%s", err, out)
		}
		if q.Title != p.Title || q.ID != p.ID || q.EventCount != p.EventCount || !q.Updated.Equal(p.Updated) {
			t.Fatalf("round trip changed the front matter: %+v -> %+v", p, q)
		}
	})
}

// FuzzSlug: whatever the title, the slug is a plain file stem of
// [a-z0-9-] that validSlug accepts, so it can never leave the directory.
func FuzzSlug(f *testing.F) {
	for _, s := range hostileTexts {
		f.Add(s)
	}
	f.Add(strings.Repeat("a", 500))
	f.Add("-----")
	f.Add("A--B__C")
	f.Fuzz(func(t *testing.T, title string) {
		seen := map[string]bool{}
		taken := func(s string) bool { return seen[s] }
		for range 3 {
			slug := makeSlug(time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), title, taken)
			if !validSlug(slug) || !safeName(slug+".md") || !safeName(slug+".html") {
				t.Fatalf("slug %q from %q is not valid", slug, title)
			}
			if strings.ContainsAny(slug, "/\\.") || !utf8.ValidString(slug) || slug != strings.ToLower(slug) {
				t.Fatalf("slug %q from %q has a forbidden character", slug, title)
			}
			if filepath.Base(slug) != slug || filepath.Clean(slug) != slug {
				t.Fatalf("slug %q is not a plain file name", slug)
			}
			if seen[slug] {
				t.Fatalf("slug %q given twice", slug)
			}
			seen[slug] = true
		}
	})
}
