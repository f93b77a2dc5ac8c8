package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unitrack/unitrack/internal/blogfiles"
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
	case s.opts.BlogDirectory != "" && blogfiles.Servable(slug+".html"):
		return "/blog/" + slug + ".html"
	}
	return ""
}

// serveBlogPost serves a file of links.blog_directory as blogexporter
// rendered it, so that the event view's links work without a blog server,
// under the same rule as the blog's own server (internal/blogfiles).
func (s *Server) serveBlogPost(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if s.opts.BlogDirectory == "" {
		writeError(w, http.StatusNotFound, "no such blog post: %s", name)
		return
	}
	blogfiles.Handler{
		Open:  blogfiles.Dir(s.opts.BlogDirectory),
		Error: func(w http.ResponseWriter, status int, msg string) { writeError(w, status, "%s", msg) },
	}.ServeFile(w, r, name)
}
