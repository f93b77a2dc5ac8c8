package blogexporter

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/unitrack/unitrack/internal/track"
)

var hostileTexts = []string{
	"../../etc/passwd",
	"..",
	"/etc/passwd",
	`..\..\windows\system32`,
	"a/../../b",
	strings.Repeat("../", 500),
	"<script>alert(1)</script>",
	`"><img src=x onerror=alert(1)>`,
	"[x](javascript:alert(1))",
	"<iframe src=//evil.example></iframe>",
	"\x00\x01\x1b[31m",
	"\xff\xfe\xc3\x28 broken utf-8",
	"🔥 héllo wörld",
	"",
	".hidden",
	"index",
	"feed.atom",
	"---\ntitle: injected\n---",
	"</title></head><body onload=alert(1)>",
}

func TestHostileTextStaysInsideAndInert(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "blog")
	clock := &fakeClock{t: t0}
	e := startExporter(t, testConfig(dir), clock)

	for i, s := range hostileTexts {
		at := t0.Add(time.Duration(i) * time.Second)
		id := "hostile-" + string(rune('a'+i))
		push(t, e,
			blogPostEvent(s, s+"\n\n"+s, at, id+"-post"),
			testEvent{
				name: "mcp.circuit_breaker.opened", sev: 17, at: at, service: s, body: s,
				attrs: map[string]any{track.AttrMCPServerName: s, track.AttrCategory: s, track.AttrEventID: id + "-" + s},
			},
			testEvent{name: s, sev: 21, at: at, body: s, attrs: map[string]any{track.AttrTags: []any{s}, track.AttrEventID: id + "-fatal"}},
		)
	}
	require.NoError(t, e.shutdown(context.Background()))

	// Nothing outside the blog directory, nothing in a subdirectory, and every
	// name is one the blog writes.
	top, err := os.ReadDir(parent)
	require.NoError(t, err)
	require.Len(t, top, 1)
	assert.Equal(t, "blog", top[0].Name())
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if path == dir {
			return nil
		}
		assert.False(t, d.IsDir(), "unexpected directory %s", path)
		assert.True(t, safeName(d.Name()), "unexpected file %s", d.Name())
		return nil
	}))

	posts := readPosts(t, dir)
	legacy := 0
	for _, p := range posts {
		if p.Kind == kindPost {
			legacy++
		}
	}
	assert.Equal(t, len(hostileTexts), legacy, "one legacy post per text")
	assert.Greater(t, len(posts), 2*len(hostileTexts), "incidents too")
	for stem, p := range posts {
		assert.True(t, validSlug(stem), "slug %q", stem)
		assert.True(t, utf8.ValidString(p.Title), "title of %s is valid UTF-8", stem)
		page, err := os.ReadFile(filepath.Join(dir, stem+".html"))
		require.NoError(t, err)
		assertInertHTML(t, stem+".html", page)
	}
	index, err := os.ReadFile(filepath.Join(dir, indexFile))
	require.NoError(t, err)
	assertInertHTML(t, indexFile, index)
	feed := parseFeed(t, dir)
	for _, it := range feed.Items {
		assertInertHTML(t, "feed entry "+it.GUID, []byte(it.Content))
	}
}

// assertInertHTML fails on any element, attribute or URL that could run
// script: script/iframe/img/object/embed elements, on* attributes,
// javascript: or data: URLs.
func assertInertHTML(t *testing.T, name string, page []byte) {
	t.Helper()
	if !assert.True(t, utf8.Valid(page), "%s is valid UTF-8", name) {
		for i := 0; i < len(page); {
			r, n := utf8.DecodeRune(page[i:])
			if r == utf8.RuneError && n == 1 {
				t.Logf("invalid byte at %d: %q", i, page[max(0, i-60):min(len(page), i+20)])
				break
			}
			i += n
		}
	}
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "iframe", "img", "object", "embed", "svg", "form", "input", "base", "meta", "link", "style":
			if tok.Data == "meta" || tok.Data == "link" || tok.Data == "style" {
				break // the page's own head
			}
			assert.Failf(t, "active element", "%s has <%s>", name, tok.Data)
		}
		for _, a := range tok.Attr {
			assert.False(t, strings.HasPrefix(strings.ToLower(a.Key), "on"), "%s: <%s %s=%q>", name, tok.Data, a.Key, a.Val)
			if a.Key == "href" || a.Key == "src" {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				assert.False(t, strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:"),
					"%s: <%s %s=%q>", name, tok.Data, a.Key, a.Val)
			}
		}
	}
}

func TestHugeBodiesAreCapped(t *testing.T) {
	dir := t.TempDir()
	e := startExporter(t, testConfig(dir), &fakeClock{t: t0})
	huge := strings.Repeat("é lorem ipsum <b>dolor</b> ", 400_000) // ~10 MiB
	push(t, e, blogPostEvent("Huge", huge, t0, "huge-1"), testEvent{
		name: "mcp.circuit_breaker.opened", sev: 17, at: t0, body: huge,
		attrs: map[string]any{track.AttrMCPServerName: "fs", track.AttrEventID: "huge-2"},
	})
	posts := readPosts(t, dir)
	require.Len(t, posts, 2)
	for stem, p := range posts {
		info, err := os.Stat(filepath.Join(dir, stem+".md"))
		require.NoError(t, err)
		assert.Less(t, info.Size(), int64(maxBodyBytes+16<<10), "%s is capped", stem)
		assert.True(t, utf8.ValidString(p.body), "%s: the cut is at a rune boundary", stem)
	}
	assert.Contains(t, posts["2026-11-28-huge"].body, "*(truncated: the post was longer than 256 KiB)*")
	inc := posts["2026-11-28-fs-circuit-breaker-opened"]
	require.Len(t, inc.Recent, 1)
	assert.Equal(t, maxMessageRunes, utf8.RuneCountInString(inc.Recent[0].Message))
}

func TestNonUTF8IsReplaced(t *testing.T) {
	dir := t.TempDir()
	e := startExporter(t, testConfig(dir), &fakeClock{t: t0})
	bad := "caf\xe9 \xff\xfe\x00 ok"
	push(t, e, blogPostEvent(bad, bad, t0, "u1"), testEvent{
		name: "task.failed\xff", sev: 17, at: t0, body: bad, service: bad,
		attrs: map[string]any{track.AttrTaskName: bad, track.AttrEventID: "u2\xff"},
	})
	posts := readPosts(t, dir)
	require.Len(t, posts, 2)
	for stem := range posts {
		for _, ext := range []string{".md", ".html"} {
			data, err := os.ReadFile(filepath.Join(dir, stem+ext))
			require.NoError(t, err)
			assert.True(t, utf8.Valid(data), "%s%s is valid UTF-8", stem, ext)
			assert.NotContains(t, string(data), "\x00")
		}
	}
	assert.Equal(t, "caf\uFFFD \uFFFD\uFFFD\uFFFD ok", posts["2026-11-28-caf-ok"].Title)
	parseFeed(t, dir)
}

func TestSymlinkOutOfTheDirectoryIsNotFollowed(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "blog")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	outside := filepath.Join(parent, "outside.md")
	require.NoError(t, os.WriteFile(outside, []byte("do not touch\n"), 0o644))
	// A post-shaped name pointing out of the directory.
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "2026-11-28-notes.md")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, indexFile)))

	e := startExporter(t, testConfig(dir), &fakeClock{t: t0})
	push(t, e, blogPostEvent("Notes", "new text", t0, "s1"))
	require.NoError(t, e.shutdown(context.Background()))

	data, err := os.ReadFile(outside)
	require.NoError(t, err)
	assert.Equal(t, "do not touch\n", string(data))
	// The symlinks were replaced by the blog's own files, not followed.
	for _, name := range []string{"2026-11-28-notes.md", indexFile} {
		fi, err := os.Lstat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.True(t, fi.Mode().IsRegular(), "%s is a regular file now", name)
	}
}
