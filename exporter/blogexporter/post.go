package blogexporter

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"time"

	"go.yaml.in/yaml/v3"
)

// Post kinds.
const (
	kindIncident = "incident" // grouped events of one incident.Key
	kindPost     = "post"     // a legacy blog.post
	kindAnomaly  = "anomaly"  // an anomaly.detected (legacy blog call or the anomaly connector)
	kindDigest   = "digest"   // the periodic digest
)

// Post statuses.
const (
	statusFiring    = "firing"
	statusResolved  = "resolved"
	statusPublished = "published" // posts that are not incidents
)

// post is one blog post: its front matter (everything needed to render the
// post again, so state is rebuilt from the directory alone) and its body.
type post struct {
	Title          string    `yaml:"title"`
	Date           time.Time `yaml:"date"`
	Updated        time.Time `yaml:"updated"`
	Kind           string    `yaml:"kind"`
	Status         string    `yaml:"status"`
	Severity       string    `yaml:"severity,omitempty"`
	SeverityNumber int32     `yaml:"severity_number,omitempty"`
	Tags           []string  `yaml:"tags,flow"`
	Service        string    `yaml:"service,omitempty"`
	Category       string    `yaml:"category,omitempty"`
	Author         string    `yaml:"author,omitempty"`
	EventCount     int64     `yaml:"event_count"`
	EventIDs       []string  `yaml:"event_ids"`
	GroupKey       string    `yaml:"group_key"`
	ID             string    `yaml:"id"`
	Subject        string    `yaml:"subject,omitempty"`
	TitleEvent     string    `yaml:"title_event,omitempty"`
	FirstEvent     time.Time `yaml:"first_event,omitempty"`
	LastEvent      time.Time `yaml:"last_event,omitempty"`
	LastTitleEvent time.Time `yaml:"last_title_event,omitempty"`
	ResolvedAt     time.Time `yaml:"resolved_at,omitempty"`
	Duration       string    `yaml:"duration,omitempty"`
	ResolvedBy     string    `yaml:"resolved_by,omitempty"`
	// Failures counts the firing events; FiringEvent, FiringMessage and
	// Facts (incident.FactsOf) are those of the latest one: what the
	// incident's sentence is written from.
	Failures      int64             `yaml:"failures,omitempty"`
	FiringEvent   string            `yaml:"firing_event,omitempty"`
	FiringMessage string            `yaml:"firing_message,omitempty"`
	Facts         map[string]string `yaml:"facts,omitempty"`
	Counts        map[string]int64  `yaml:"counts,omitempty"`
	Recent        []eventRef        `yaml:"recent,omitempty"`
	Anomaly       *anomalyInfo      `yaml:"anomaly,omitempty"`

	// slug is the file stem (<slug>.md, <slug>.html); not in front matter.
	slug string
	// body is the Markdown body: kept as sent for legacy posts, generated
	// from the front matter for the other kinds.
	body string
	// html caches the rendered body for the feed; set when the page is written.
	html template.HTML
}

// eventRef is one event as a post lists it.
type eventRef struct {
	Time     time.Time `yaml:"time"`
	Name     string    `yaml:"name"`
	Severity string    `yaml:"severity,omitempty"`
	Message  string    `yaml:"message,omitempty"`
	ID       string    `yaml:"id,omitempty"`
}

// anomalyInfo holds the figures of an anomaly post.
type anomalyInfo struct {
	Metric   string  `yaml:"metric,omitempty"`
	Value    float64 `yaml:"value"`
	Baseline float64 `yaml:"baseline"`
	StdDev   float64 `yaml:"stddev,omitempty"`
	ZScore   float64 `yaml:"zscore"`
	Bucket   string  `yaml:"bucket,omitempty"`
}

var (
	errNoFrontMatter   = errors.New("front matter: file must start with a \"---\" line")
	errUnterminatedFM  = errors.New("front matter: no closing \"---\" line")
	frontMatterOpen    = []byte("---\n")
	frontMatterClose   = []byte("\n---\n")
	frontMatterCloseAt = []byte("\n---")
)

// marshalPost renders the Markdown file: YAML front matter, then the body.
func marshalPost(p *post) ([]byte, error) {
	fm, err := yaml.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("front matter: %w", err)
	}
	var b bytes.Buffer
	b.Grow(len(fm) + len(p.body) + 16)
	b.Write(frontMatterOpen)
	b.Write(fm)
	b.WriteString("---\n\n")
	b.WriteString(p.body)
	if len(p.body) > 0 && p.body[len(p.body)-1] != '\n' {
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// parsePost reads a Markdown file written by marshalPost (or by hand in the
// same shape). It never panics; errors name what is wrong.
func parsePost(data []byte) (p *post, err error) {
	defer func() {
		// The YAML decoder is third-party code fed with files from disk.
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("front matter: unparsable YAML: %v", r)
		}
	}()
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !bytes.HasPrefix(data, frontMatterOpen) {
		return nil, errNoFrontMatter
	}
	rest := data[len(frontMatterOpen):]
	var fm, body []byte
	switch {
	case bytes.HasPrefix(rest, []byte("---\n")):
		fm, body = nil, rest[4:]
	default:
		i := bytes.Index(rest, frontMatterClose)
		if i < 0 {
			if !bytes.HasSuffix(rest, frontMatterCloseAt) {
				return nil, errUnterminatedFM
			}
			i = len(rest) - len(frontMatterCloseAt)
			fm, body = rest[:i], nil
		} else {
			fm, body = rest[:i], rest[i+len(frontMatterClose):]
		}
	}
	p = &post{}
	if err := yaml.Unmarshal(fm, p); err != nil {
		return nil, fmt.Errorf("front matter: %w", err)
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	body = bytes.TrimPrefix(body, []byte("\n"))
	p.body = string(body)
	return p, nil
}

// check validates a parsed front matter.
func (p *post) check() error {
	var errs []error
	if p.Title == "" {
		errs = append(errs, errors.New("front matter: title: must not be empty"))
	}
	if p.Date.IsZero() {
		errs = append(errs, errors.New("front matter: date: must be set"))
	}
	if p.Updated.IsZero() {
		errs = append(errs, errors.New("front matter: updated: must be set"))
	}
	switch p.Kind {
	case kindIncident, kindPost, kindAnomaly, kindDigest:
	default:
		errs = append(errs, fmt.Errorf("front matter: kind: expected incident, post, anomaly or digest, got %q", p.Kind))
	}
	switch p.Status {
	case statusFiring, statusResolved, statusPublished:
	default:
		errs = append(errs, fmt.Errorf("front matter: status: expected firing, resolved or published, got %q", p.Status))
	}
	if p.ID == "" {
		errs = append(errs, errors.New("front matter: id: must not be empty"))
	}
	if p.EventCount < 0 {
		errs = append(errs, fmt.Errorf("front matter: event_count: must not be negative, got %d", p.EventCount))
	}
	return errors.Join(errs...)
}
