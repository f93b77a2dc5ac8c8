package blogexporter

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/track"
)

const blogTitle = "unitrack system blog"

// markdown renders CommonMark with GFM tables and strikethrough. Raw HTML in
// the source is omitted and dangerous link schemes dropped (goldmark's
// default, never WithUnsafe), so posts cannot carry script.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

// renderBody fills p.body for the kinds whose body is generated from the
// front matter (incidents); published posts
// keep theirs.
func renderBody(p *post, dashboardURL string) {
	if p.Status == statusPublished {
		return
	}
	var b strings.Builder
	if p.Kind == kindIncident {
		// A person reads the story first; the tables follow for the detail.
		b.WriteString(escapeMarkdown(incident.Narrative(storyOf(p))))
		b.WriteString("\n\n")
		if link := incidentEventsLink(p, dashboardURL); link != "" {
			fmt.Fprintf(&b, "[The events of this incident on the dashboard](<%s>)\n\n", link)
		}
	}
	fmt.Fprintf(&b, "**Status:** %s · **Severity:** %s", p.Status, p.Severity)
	if p.Service != "" {
		fmt.Fprintf(&b, " · **Service:** %s", escapeMarkdown(p.Service))
	}
	if p.Subject != "" {
		fmt.Fprintf(&b, " · **Subject:** %s", escapeMarkdown(subjectWords(p.Subject)))
	}
	b.WriteString("\n\n| Fact | Value |\n|---|---|\n")
	fmt.Fprintf(&b, "| First event | %s |\n", fmtTime(p.FirstEvent))
	fmt.Fprintf(&b, "| Last event | %s |\n", fmtTime(p.LastEvent))
	fmt.Fprintf(&b, "| Events | %d |\n", p.EventCount)
	if p.Status == statusResolved {
		fmt.Fprintf(&b, "| Resolved | %s, after %s |\n", fmtTime(p.ResolvedAt), p.Duration)
	}

	names := make([]string, 0, len(p.Counts))
	for n := range p.Counts {
		names = append(names, n)
	}
	slices.SortFunc(names, func(x, y string) int {
		if p.Counts[x] != p.Counts[y] {
			if p.Counts[x] > p.Counts[y] {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	})
	b.WriteString("\n## Events by name\n\n| Event | Count |\n|---|---:|\n")
	for _, n := range names {
		fmt.Fprintf(&b, "| %s | %d |\n", escapeMarkdown(n), p.Counts[n])
	}

	fmt.Fprintf(&b, "\n## Latest events\n\n")
	if int64(len(p.Recent)) < p.EventCount {
		fmt.Fprintf(&b, "The %d most recent of %d events, newest first.\n\n", len(p.Recent), p.EventCount)
	}
	for i := len(p.Recent) - 1; i >= 0; i-- {
		e := p.Recent[i]
		fmt.Fprintf(&b, "- %s **%s** %s", e.Time.UTC().Format("2006-01-02 15:04:05"), e.Severity, escapeMarkdown(e.Name))
		if e.Message != "" {
			fmt.Fprintf(&b, ": %s", escapeMarkdown(e.Message))
		}
		if link := track.EventLink(dashboardURL, e.ID); link != "" {
			fmt.Fprintf(&b, " ([event](<%s>))", link)
		}
		b.WriteByte('\n')
	}
	p.body = b.String()
}

// incidentEventsLink opens the dashboard's event list filtered to the
// incident: its subject's value (else its event name) and service, from a
// second before its first event to a second after its last.
func incidentEventsLink(p *post, dashboardURL string) string {
	filter := url.Values{}
	if _, v, ok := strings.Cut(p.Subject, "="); ok && v != "" {
		filter.Set("q", v)
	} else if p.FiringEvent != "" {
		filter.Set("event_name", p.FiringEvent)
	}
	if p.Service != "" {
		filter.Set("service", p.Service)
	}
	var until time.Time
	if p.Status == statusResolved {
		until = p.LastEvent.Add(time.Second)
	}
	return track.EventsLink(dashboardURL, filter, p.FirstEvent.Add(-time.Second), until)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// markdownHTML renders a post body.
func markdownHTML(body string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(body), &buf); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	// goldmark escapes text and omits raw HTML: its output is trusted.
	return template.HTML(buf.String()), nil //nolint:gosec
}

const pageStyle = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
nav{margin-bottom:1rem}a{color:#0b5cad}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
.meta{color:#555}.badge{display:inline-block;padding:0 .4rem;border-radius:.3rem;background:#eee}
.firing{background:#fdd}.resolved{background:#dfd}.FATAL,.ERROR{color:#a00}.WARN{color:#a60}
pre{background:#f5f5f5;padding:.5rem;overflow:auto}`

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · ` + blogTitle + `</title>
<link rel="alternate" type="application/atom+xml" title="` + blogTitle + `" href="feed.atom">
<style>` + pageStyle + `</style>
</head>
<body>
<nav><a href="index.html">` + blogTitle + `</a> · <a href="feed.atom">Atom feed</a> · <a href="{{.Slug}}.md">Markdown</a></nav>
<article>
<h1>{{.Title}}</h1>
<p class="meta"><span class="badge {{.Status}}">{{.Status}}</span> <span class="{{.Severity}}">{{.Severity}}</span> · {{.Kind}} · started <time datetime="{{.DateISO}}">{{.Date}}</time> · updated <time datetime="{{.UpdatedISO}}">{{.Updated}}</time>{{if .Service}} · service {{.Service}}{{end}}{{if .Author}} · by {{.Author}}{{end}} · {{.EventCount}} event(s){{range .Tags}} · #{{.}}{{end}}</p>
{{.Content}}
</article>
</body>
</html>
`))

var indexTemplate = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + blogTitle + `</title>
<link rel="alternate" type="application/atom+xml" title="` + blogTitle + `" href="feed.atom">
<style>` + pageStyle + `</style>
</head>
<body>
<h1>` + blogTitle + `</h1>
<p class="meta">{{len .}} post(s), most recently updated first · <a href="feed.atom">Atom feed</a></p>
<table>
<thead><tr><th>Updated</th><th>Status</th><th>Severity</th><th>Post</th><th>Events</th></tr></thead>
<tbody>
{{range .}}<tr><td><time datetime="{{.UpdatedISO}}">{{.Updated}}</time></td><td><span class="badge {{.Status}}">{{.Status}}</span></td><td class="{{.Severity}}">{{.Severity}}</td><td><a href="{{.Slug}}.html">{{.Title}}</a></td><td>{{.EventCount}}</td></tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

type pageData struct {
	Slug, Title, Status, Severity, Kind, Service, Author string
	Date, DateISO, Updated, UpdatedISO                   string
	EventCount                                           int64
	Tags                                                 []string
	Content                                              template.HTML
}

func newPageData(p *post) pageData {
	return pageData{
		Slug: p.slug, Title: p.Title, Status: p.Status, Severity: p.Severity, Kind: p.Kind,
		Service: p.Service, Author: p.Author, EventCount: p.EventCount, Tags: p.Tags,
		Date: fmtTime(p.Date), DateISO: p.Date.UTC().Format(time.RFC3339),
		Updated: fmtTime(p.Updated), UpdatedISO: p.Updated.UTC().Format(time.RFC3339),
	}
}

// renderPage renders the HTML page of a post whose body is set.
func renderPage(p *post) ([]byte, error) {
	content, err := markdownHTML(p.body)
	if err != nil {
		return nil, err
	}
	p.html = content
	d := newPageData(p)
	d.Content = content
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("render page: %w", err)
	}
	return buf.Bytes(), nil
}

// renderIndex renders index.html over posts sorted newest first.
func renderIndex(posts []*post) ([]byte, error) {
	ds := make([]pageData, len(posts))
	for i, p := range posts {
		ds[i] = newPageData(p)
	}
	var buf bytes.Buffer
	if err := indexTemplate.Execute(&buf, ds); err != nil {
		return nil, fmt.Errorf("render index: %w", err)
	}
	return buf.Bytes(), nil
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Links      []atomLink     `xml:"link"`
	Author     *atomPerson    `xml:"author,omitempty"`
	Categories []atomCategory `xml:"category"`
	Summary    string         `xml:"summary"`
	Content    atomText       `xml:"content"`
}

// renderFeed renders feed.atom with the first n posts (sorted newest first).
// Entry ids are the posts' stable ids; updated moves with every change.
func renderFeed(posts []*post, n int) ([]byte, error) {
	f := atomFeed{
		Title:  blogTitle,
		ID:     "tag:unitrack.local,2026:blog",
		Links:  []atomLink{{Href: "index.html", Rel: "alternate", Type: "text/html"}, {Href: "feed.atom", Rel: "self", Type: "application/atom+xml"}},
		Author: atomPerson{Name: "unitrack"},
	}
	f.Updated = time.Unix(0, 0).UTC().Format(time.RFC3339Nano)
	if len(posts) > 0 {
		f.Updated = posts[0].Updated.UTC().Format(time.RFC3339Nano)
	}
	if len(posts) > n {
		posts = posts[:n]
	}
	for _, p := range posts {
		content := p.html
		if content == "" {
			var err error
			if content, err = markdownHTML(p.body); err != nil {
				return nil, err
			}
		}
		e := atomEntry{
			ID:        p.ID,
			Title:     p.Title,
			Updated:   p.Updated.UTC().Format(time.RFC3339Nano),
			Published: p.Date.UTC().Format(time.RFC3339Nano),
			Links:     []atomLink{{Href: p.slug + ".html", Rel: "alternate", Type: "text/html"}},
			Summary:   fmt.Sprintf("%s %s %s, %d event(s)", p.Kind, p.Status, p.Severity, p.EventCount),
			Content:   atomText{Type: "html", Body: string(content)},
		}
		if p.Author != "" {
			e.Author = &atomPerson{Name: p.Author}
		}
		for _, t := range p.Tags {
			e.Categories = append(e.Categories, atomCategory{Term: t})
		}
		f.Entries = append(f.Entries, e)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("render feed: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// subjectWords names a post's subject (stored as key=value) in words where
// internal/incident knows the key ("MCP server filesystem"), else as stored.
func subjectWords(subject string) string {
	if key, value, ok := strings.Cut(subject, "="); ok {
		if phrase := incident.SubjectPhrase(key, value); phrase != "" {
			return phrase
		}
	}
	return subject
}
