package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Link is a blog post or notification that names an event.
type Link struct {
	// Kind is "blog" or "notification".
	Kind  string `json:"kind"`
	Title string `json:"title"`
	// URL opens the post (when links.blog_url is set).
	URL string `json:"url,omitempty"`
	// File is the post's file when no URL is known.
	File   string `json:"file,omitempty"`
	Status string `json:"status,omitempty"`
	Time   string `json:"time,omitempty"`
}

const (
	maxLinks        = 10
	maxBlogFiles    = 5000
	frontMatterMax  = 256 << 10
	inboxTailBytes  = 8 << 20
	inboxMaxLineLen = 1 << 20
)

// linksFor finds, best effort, the blog posts (in links.blog_directory) and
// notifications (in links.notify_inbox) that list eventID.
func (s *Server) linksFor(eventID string) []Link {
	links := []Link{}
	if s.opts.BlogDirectory != "" {
		links = append(links, blogLinks(s.opts.BlogDirectory, s.opts.BlogURL, eventID)...)
	}
	if s.opts.NotifyInbox != "" {
		links = append(links, inboxLinks(s.opts.NotifyInbox, eventID)...)
	}
	return links
}

type postFront struct {
	Title    string    `yaml:"title"`
	Status   string    `yaml:"status"`
	Updated  time.Time `yaml:"updated"`
	EventIDs []string  `yaml:"event_ids"`
	Recent   []struct {
		ID string `yaml:"id"`
	} `yaml:"recent"`
}

func blogLinks(dir, baseURL, eventID string) []Link {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	type cand struct {
		name string
		mod  time.Time
	}
	var cands []cand
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		cands = append(cands, cand{e.Name(), info.ModTime()})
	}
	slices.SortFunc(cands, func(a, b cand) int { return b.mod.Compare(a.mod) })
	if len(cands) > maxBlogFiles {
		cands = cands[:maxBlogFiles]
	}
	needle := []byte(eventID)
	var out []Link
	for _, c := range cands {
		fm, ok := readFrontMatter(filepath.Join(dir, c.name))
		if !ok || !bytes.Contains(fm, needle) {
			continue
		}
		var p postFront
		if yaml.Unmarshal(fm, &p) != nil {
			continue
		}
		found := slices.Contains(p.EventIDs, eventID)
		for _, r := range p.Recent {
			found = found || r.ID == eventID
		}
		if !found {
			continue
		}
		slug := strings.TrimSuffix(c.name, ".md")
		l := Link{Kind: "blog", Title: p.Title, Status: p.Status}
		if !p.Updated.IsZero() {
			l.Time = p.Updated.UTC().Format(time.RFC3339)
		}
		if baseURL != "" {
			l.URL = strings.TrimRight(baseURL, "/") + "/" + slug + ".html"
		} else {
			// The dashboard serves the post itself (serveBlogPost).
			l.URL = "/blog/" + slug + ".html"
			l.File = filepath.Join(dir, c.name)
		}
		out = append(out, l)
		if len(out) == maxLinks {
			break
		}
	}
	return out
}

// readFrontMatter returns the YAML between the leading "---" lines.
func readFrontMatter(path string) ([]byte, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, frontMatterMax))
	if err != nil {
		return nil, false
	}
	rest, ok := bytes.CutPrefix(b, []byte("---\n"))
	if !ok {
		return nil, false
	}
	end := bytes.Index(rest, []byte("\n---"))
	if end < 0 {
		return nil, false
	}
	return rest[:end+1], true
}

type inboxLine struct {
	Status   string    `json:"status"`
	Target   string    `json:"target"`
	Subject  string    `json:"subject"`
	Family   string    `json:"family"`
	Body     string    `json:"body"`
	Time     time.Time `json:"time"`
	EventIDs []string  `json:"event_ids"`
}

func inboxLinks(path, eventID string) []Link {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > inboxTailBytes {
		if _, err := f.Seek(info.Size()-inboxTailBytes, io.SeekStart); err != nil {
			return nil
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), inboxMaxLineLen)
	needle := []byte(`"` + eventID + `"`)
	var out []Link
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, needle) {
			continue
		}
		var n inboxLine
		if json.Unmarshal(line, &n) != nil || !slices.Contains(n.EventIDs, eventID) {
			continue
		}
		title := n.Family
		if n.Subject != "" {
			title += " " + n.Subject
		}
		if n.Body != "" {
			title += ": " + n.Body
		}
		l := Link{Kind: "notification", Title: strings.TrimSpace(title), Status: n.Status, File: path}
		if !n.Time.IsZero() {
			l.Time = n.Time.UTC().Format(time.RFC3339)
		}
		out = append(out, l)
	}
	if len(out) > maxLinks {
		out = out[len(out)-maxLinks:]
	}
	return out
}

// serveBlogPost serves one post of links.blog_directory, as blogexporter
// rendered it, so that the event view's links work without a blog server.
// Only plain <slug>.html and <slug>.md files directly in the directory are
// served; the page may not run scripts.
func (s *Server) serveBlogPost(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if s.opts.BlogDirectory == "" || !validPostName(name) {
		writeError(w, http.StatusNotFound, "no such blog post: %s", name)
		return
	}
	b, err := os.ReadFile(filepath.Join(s.opts.BlogDirectory, name))
	if err != nil {
		writeError(w, http.StatusNotFound, "no such blog post: %s", name)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	if strings.HasSuffix(name, ".md") {
		h.Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		h.Set("Content-Type", "text/html; charset=utf-8")
	}
	h.Set("Cache-Control", "no-cache")
	w.Write(b)
}

func validPostName(name string) bool {
	stem, ok := strings.CutSuffix(name, ".html")
	if !ok {
		stem, ok = strings.CutSuffix(name, ".md")
	}
	if !ok || stem == "" || stem[0] == '.' {
		return false
	}
	for _, c := range stem {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
