package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Link is the incident an event was folded into, its blog post or a
// notification sent about it, as the incident ledger records them.
type Link struct {
	// Kind is "incident", "blog" or "notification".
	Kind  string `json:"kind"`
	Title string `json:"title"`
	// URL opens it: the incident view, the post (links.blog_url, else the
	// dashboard's /blog/), nothing for a notification.
	URL    string `json:"url,omitempty"`
	Status string `json:"status,omitempty"`
	Time   string `json:"time,omitempty"`
}

// maxNotificationLinks bounds the notifications listed on an event.
const maxNotificationLinks = 10

// linksFor asks the incident ledger for the incident of eventID, its posts
// and its latest notifications. Without the ledger there are none.
func (s *Server) linksFor(ctx context.Context, eventID string) []Link {
	links := []Link{}
	src := s.incidents()
	if src == nil || eventID == "" {
		return links
	}
	in, err := src.IncidentOfEvent(ctx, eventID)
	if err != nil {
		return links
	}
	d, err := src.Incident(ctx, in.ID)
	if err != nil {
		return links
	}
	links = append(links, Link{Kind: "incident", Title: d.Incident.Title, URL: "#/incidents/" + strconv.FormatInt(in.ID, 10),
		Status: in.Status, Time: in.FirstSeen.Format(time.RFC3339)})
	for _, p := range d.Posts {
		links = append(links, Link{Kind: "blog", Title: p.Title, URL: s.postURL(p.Slug), Time: p.Time.Format(time.RFC3339)})
	}
	dl := d.Deliveries
	if len(dl) > maxNotificationLinks {
		dl = dl[len(dl)-maxNotificationLinks:]
	}
	for _, n := range dl {
		links = append(links, Link{Kind: "notification", Title: n.Target + ": " + n.Title, Status: n.Status, Time: n.Time.Format(time.RFC3339)})
	}
	return links
}

// postURL is where a post opens: links.blog_url when set, else the
// dashboard's own /blog/ (when it knows the directory).
func (s *Server) postURL(slug string) string {
	switch {
	case s.opts.BlogURL != "":
		return strings.TrimRight(s.opts.BlogURL, "/") + "/" + slug + ".html"
	case s.opts.BlogDirectory != "" && validPostName(slug+".html"):
		return "/blog/" + slug + ".html"
	}
	return ""
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
