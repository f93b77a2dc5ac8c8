package blogfiles

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServable(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"index.html", true},
		{"feed.atom", true},
		{"2026-11-28-filesystem-circuit-breaker-opened.html", true},
		{"2026-11-28-filesystem-circuit-breaker-opened.md", true},
		{"2026-11-28-post-2.md", true},
		{"2026-11-28-a.html", true},
		{"", false},
		{".digest-state.json", false},
		{".tmp-0123abcd-index.html", false},
		{".hidden.html", false},
		{"secret.txt", false},
		{"post.html", false},
		{"2026-11-28-post.txt", false},
		{"2026-11-28-post.htm", false},
		{"2026-11-28-post.html.bak", false},
		{"2026-11-28-Post.html", false},
		{"2026-11-28-post_1.html", false},
		{"2026-11-28-post.x.html", false},
		{"2026-11-28--post.html", false},
		{"2026-11-28-post-.html", false},
		{"2026-11-28.html", false},
		{"2026-1x-28-post.html", false},
		{"../2026-11-28-post.html", false},
		{"sub/2026-11-28-post.html", false},
		{"2026-11-28-post.html/", false},
		{`2026-11-28-po\st.html`, false},
		{"/etc/passwd", false},
		{"..", false},
		{"index.html\x00", false},
		{"INDEX.HTML", false},
		{"2026-11-28-" + strings.Repeat("a", MaxSlugTitle) + "-99.html", true},
		{"2026-11-28-" + strings.Repeat("a", MaxSlugTitle+maxSuffix+1) + ".html", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Servable(tt.name), "Servable(%q)", tt.name)
		})
	}
}

func TestContentType(t *testing.T) {
	assert.Equal(t, "text/html; charset=utf-8", ContentType("index.html"))
	assert.Equal(t, "text/html; charset=utf-8", ContentType("2026-11-28-post.html"))
	assert.Equal(t, "text/plain; charset=utf-8", ContentType("2026-11-28-post.md"))
	assert.Equal(t, "application/atom+xml; charset=utf-8", ContentType("feed.atom"))
}

// blogDir is a blog directory with one post, the index, the feed, the
// state file, a symlink out of it and a subdirectory.
func blogDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.html")
	require.NoError(t, os.WriteFile(outside, []byte("outside the blog"), 0o600))
	files := map[string]string{
		"2026-11-28-post.html": "<h1>Post</h1>",
		"2026-11-28-post.md":   "# Post",
		"index.html":           "<h1>Index</h1>",
		"feed.atom":            "<feed/>",
		".digest-state.json":   "{}",
	}
	for name, data := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600))
	}
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "2026-11-28-escape.html")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "2026-11-28-dir.html"), 0o755))
	return dir
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler{Open: Dir(blogDir(t))})
	t.Cleanup(srv.Close)
	tests := []struct {
		method, path string
		wantStatus   int
		wantType     string
		wantBody     string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", "<h1>Index</h1>"},
		{"GET", "/index.html", 200, "text/html; charset=utf-8", "<h1>Index</h1>"},
		{"GET", "/feed.atom", 200, "application/atom+xml; charset=utf-8", "<feed/>"},
		{"GET", "/2026-11-28-post.html", 200, "text/html; charset=utf-8", "<h1>Post</h1>"},
		{"GET", "/2026-11-28-post.md", 200, "text/plain; charset=utf-8", "# Post"},
		{"HEAD", "/2026-11-28-post.md", 200, "text/plain; charset=utf-8", ""},
		{"GET", "/.digest-state.json", 404, "", ""},
		{"GET", "/2026-11-28-escape.html", 404, "", ""},
		{"GET", "/2026-11-28-dir.html", 404, "", ""},
		{"GET", "/2026-11-28-missing.html", 404, "", ""},
		{"GET", "/..%2Fsecret.html", 404, "", ""},
		{"GET", "/sub/2026-11-28-post.html", 404, "", ""},
		{"POST", "/2026-11-28-post.html", 405, "", ""},
		{"DELETE", "/index.html", 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, tt.wantStatus, resp.StatusCode, "body: %s", body)
			if tt.wantStatus == http.StatusMethodNotAllowed {
				assert.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
			}
			if tt.wantStatus != http.StatusOK {
				assert.NotContains(t, string(body), "outside the blog")
				return
			}
			h := resp.Header
			assert.Equal(t, tt.wantType, h.Get("Content-Type"))
			assert.Equal(t, tt.wantBody, string(body))
			assert.Equal(t, CSP, h.Get("Content-Security-Policy"))
			assert.NotContains(t, h.Get("Content-Security-Policy"), "script-src", "no script may run")
			assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
			assert.Equal(t, "no-referrer", h.Get("Referrer-Policy"))
			assert.Equal(t, "no-cache", h.Get("Cache-Control"))
			assert.NotEmpty(t, h.Get("Last-Modified"), "conditional requests work")
		})
	}
}

// A directory that is not open yet is 503 (a reader retries); a missing
// directory is 404 like a missing file.
func TestHandlerUnavailable(t *testing.T) {
	h := Handler{Open: func(string) (*os.File, error) { return nil, ErrNotOpen }}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/index.html", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)

	rec = httptest.NewRecorder()
	Handler{Open: Dir(filepath.Join(t.TempDir(), "missing"))}.ServeHTTP(rec, httptest.NewRequest("GET", "/index.html", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}

// Open is never asked for a name the rule refuses, and errors are written
// in the listener's own style.
func TestHandlerOpensOnlyServableNames(t *testing.T) {
	var asked []string
	var errs []int
	h := Handler{
		Open: func(name string) (*os.File, error) {
			asked = append(asked, name)
			return nil, errors.New("no")
		},
		Error: func(w http.ResponseWriter, status int, msg string) {
			errs = append(errs, status)
			w.WriteHeader(status)
		},
	}
	for _, name := range []string{".digest-state.json", "../x.html", "2026-11-28-post.html"} {
		h.ServeFile(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), name)
	}
	assert.Equal(t, []string{"2026-11-28-post.html"}, asked)
	assert.Equal(t, []int{404, 404, 404}, errs)
}

// FuzzServable: a name the rule accepts is one plain file name directly in
// the directory, visible, with one of the blog's own extensions.
func FuzzServable(f *testing.F) {
	for _, s := range []string{"index.html", "feed.atom", "2026-11-28-post.md", "../index.html", ".digest-state.json", "2026-11-28-a/b.html"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !Servable(name) {
			return
		}
		if !filepath.IsLocal(name) || filepath.Base(name) != name || strings.ContainsAny(name, `/\:`+"\x00") {
			t.Fatalf("Servable(%q) but it is not a plain local name", name)
		}
		if strings.HasPrefix(name, ".") || strings.Contains(name, "..") {
			t.Fatalf("Servable(%q) but it is a dot file or climbs", name)
		}
		if !strings.HasSuffix(name, ".html") && !strings.HasSuffix(name, ".md") && name != FeedFile {
			t.Fatalf("Servable(%q) with a foreign extension", name)
		}
		if name != IndexFile && name != FeedFile {
			stem, ok := PostStem(name)
			if !ok || !ValidStem(stem) {
				t.Fatalf("Servable(%q) but its stem %q is not valid", name, stem)
			}
		}
	})
}
