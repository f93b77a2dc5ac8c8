package blogexporter

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/unitrack/unitrack/internal/track"
)

// digestStats is what a digest reports, accumulated since Start.
type digestStats struct {
	Start    time.Time                   `json:"start"`
	Total    int64                       `json:"total"`
	Counts   map[string]map[string]int64 `json:"counts"` // category -> severity -> events
	Posts    map[string]int64            `json:"posts"`  // slug -> events that joined it
	Opened   int                         `json:"opened"`
	Resolved int                         `json:"resolved"`
}

func newDigestStats(start time.Time) *digestStats {
	return &digestStats{Start: start, Counts: map[string]map[string]int64{}, Posts: map[string]int64{}}
}

func (s *digestStats) count(category, severity string) {
	s.Total++
	m := s.Counts[category]
	if m == nil {
		if len(s.Counts) >= 1000 {
			category = "other"
			if m = s.Counts[category]; m == nil {
				m = map[string]int64{}
				s.Counts[category] = m
			}
		} else {
			m = map[string]int64{}
			s.Counts[category] = m
		}
	}
	m[severity]++
}

func (s *digestStats) touchPost(slug string) {
	s.Posts[slug]++
}

func (s *digestStats) empty() bool {
	return s.Total == 0 && s.Opened == 0 && s.Resolved == 0 && len(s.Posts) == 0
}

// digestSchedule says when digests are due: daily at offset in loc, or every
// interval.
type digestSchedule struct {
	interval time.Duration
	offset   time.Duration
	loc      *time.Location
}

// at is the boundary on the calendar day of lt (wall-clock time of day, so
// a DST change does not move it).
func (s digestSchedule) at(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, int(s.offset/time.Hour), int(s.offset%time.Hour/time.Minute), 0, 0, s.loc)
}

// next is the first boundary strictly after t.
func (s digestSchedule) next(t time.Time) time.Time {
	if s.interval > 0 {
		return t.Truncate(s.interval).Add(s.interval)
	}
	lt := t.In(s.loc)
	for i := 0; ; i++ {
		if b := s.at(lt.Year(), lt.Month(), lt.Day()+i); b.After(t) {
			return b
		}
	}
}

// prev is the last boundary at or before t.
func (s digestSchedule) prev(t time.Time) time.Time {
	if s.interval > 0 {
		return t.Truncate(s.interval)
	}
	lt := t.In(s.loc)
	for i := 0; ; i-- {
		if b := s.at(lt.Year(), lt.Month(), lt.Day()+i); !b.After(t) {
			return b
		}
	}
}

var severityOrder = []string{"FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "UNSPECIFIED"}

// newDigest builds the digest post of the period [stats.Start, end).
func (b *blogState) newDigest(stats *digestStats, end time.Time, sched digestSchedule, topN int, now time.Time) *post {
	start := stats.Start
	if start.IsZero() || !start.Before(end) {
		start = sched.prev(end.Add(-time.Nanosecond))
	}
	ls, le := start.In(sched.loc), end.In(sched.loc)
	title := digestTitle(ls, le, sched.interval)
	var body strings.Builder
	fmt.Fprintf(&body, "**Period:** %s to %s · **Events:** %d · **Incidents opened:** %d · **Resolved:** %d\n\n",
		ls.Format("2006-01-02 15:04"), le.Format("2006-01-02 15:04 MST"), stats.Total, stats.Opened, stats.Resolved)
	body.WriteString("## Events by category and severity\n\n")
	writeCountsTable(&body, stats)
	body.WriteString("## Top incidents and posts\n\n")
	b.writeTopPosts(&body, b.topPosts(stats, topN))

	gk := "digest|" + start.UTC().Format(time.RFC3339)
	p := &post{
		Title:      title,
		Date:       end.UTC(),
		Kind:       kindDigest,
		Status:     statusPublished,
		Tags:       []string{"digest"},
		EventCount: stats.Total,
		EventIDs:   []string{},
		GroupKey:   gk,
		FirstEvent: start.UTC(),
		LastEvent:  end.UTC(),
	}
	p.body = body.String()
	p.ID = entryID(start, kindDigest, gk, "")
	p.slug = makeSlug(start, title, b.taken)
	touch(p, now)
	b.posts[p.slug] = p
	b.markDirty(p)
	return p
}

// digestTitle names a daily digest by its day, an interval digest by its span.
func digestTitle(ls, le time.Time, interval time.Duration) string {
	if interval == 0 {
		return "Daily digest for " + ls.Format("2006-01-02")
	}
	return fmt.Sprintf("Digest for %s to %s", ls.Format("2006-01-02 15:04"), le.Format("15:04 MST"))
}

// writeCountsTable writes the period's events as a table: one row per
// category, one column per severity that occurred, totals last.
func writeCountsTable(body *strings.Builder, stats *digestStats) {
	if len(stats.Counts) == 0 {
		body.WriteString("No events.\n\n")
		return
	}
	cols := []string{}
	for _, sev := range severityOrder {
		for _, m := range stats.Counts {
			if m[sev] > 0 {
				cols = append(cols, sev)
				break
			}
		}
	}
	cats := make([]string, 0, len(stats.Counts))
	for c := range stats.Counts {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	body.WriteString("| Category |")
	for _, c := range cols {
		body.WriteString(" " + c + " |")
	}
	body.WriteString(" Total |\n|---|")
	for range cols {
		body.WriteString("---:|")
	}
	body.WriteString("---:|\n")
	totals := make([]int64, len(cols))
	for _, cat := range cats {
		m := stats.Counts[cat]
		var sum int64
		fmt.Fprintf(body, "| %s |", escapeMarkdown(cat))
		for i, c := range cols {
			fmt.Fprintf(body, " %d |", m[c])
			sum += m[c]
			totals[i] += m[c]
		}
		fmt.Fprintf(body, " %d |\n", sum)
	}
	body.WriteString("| **Total** |")
	for _, t := range totals {
		fmt.Fprintf(body, " %d |", t)
	}
	fmt.Fprintf(body, " %d |\n\n", stats.Total)
}

// topPost is a post and the events that joined it in the period.
type topPost struct {
	p *post
	n int64
}

// topPosts are the topN posts (not digests) with the most events in the
// period, ties by slug.
func (b *blogState) topPosts(stats *digestStats, topN int) []topPost {
	var tops []topPost
	for slug, n := range stats.Posts {
		if p, ok := b.posts[slug]; ok && p.Kind != kindDigest {
			tops = append(tops, topPost{p, n})
		}
	}
	slices.SortFunc(tops, func(x, y topPost) int {
		if x.n != y.n {
			if x.n > y.n {
				return -1
			}
			return 1
		}
		return strings.Compare(x.p.slug, y.p.slug)
	})
	if len(tops) > topN {
		tops = tops[:topN]
	}
	return tops
}

// writeTopPosts lists the top posts with links to their pages and to their
// latest event on the dashboard.
func (b *blogState) writeTopPosts(body *strings.Builder, tops []topPost) {
	if len(tops) == 0 {
		body.WriteString("None.\n")
	}
	for i, t := range tops {
		fmt.Fprintf(body, "%d. [%s](%s.html) — %d event(s) in the period, %s, %s",
			i+1, escapeMarkdown(t.p.Title), t.p.slug, t.n, t.p.Severity, t.p.Status)
		if len(t.p.EventIDs) > 0 {
			if link := track.EventLink(b.dashboardURL, t.p.EventIDs[len(t.p.EventIDs)-1]); link != "" {
				fmt.Fprintf(body, " · [latest event](<%s>)", link)
			}
		}
		body.WriteByte('\n')
	}
}
