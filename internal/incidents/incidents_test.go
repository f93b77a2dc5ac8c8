package incidents

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/incident"
)

func TestSilenceValidate(t *testing.T) {
	start := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	ok := Silence{Matcher: Matcher{Subject: "filesystem"}, StartsAt: start, EndsAt: start.Add(time.Hour), Author: "ops"}
	tests := []struct {
		name   string
		change func(*Silence)
		want   string
	}{
		{"valid", func(*Silence) {}, ""},
		{"empty matcher", func(s *Silence) { s.Matcher = Matcher{} }, "matcher: set at least one of subject, group_key, category, service, event_name"},
		{"long match", func(s *Silence) { s.Matcher.GroupKey = strings.Repeat("k", MaxMatchLen+1) }, "matcher::group_key: at most 1000 bytes, got 1001"},
		{"no end", func(s *Silence) { s.EndsAt = time.Time{} }, "ends_at: missing, want an RFC 3339 time"},
		{"end before start", func(s *Silence) { s.EndsAt = start }, "ends_at: must be after starts_at (2026-11-28T10:00:00Z), got 2026-11-28T10:00:00Z"},
		{"no author", func(s *Silence) { s.Author = " " }, "author: must not be empty"},
		{"long comment", func(s *Silence) { s.Comment = strings.Repeat("c", MaxCommentLen+1) }, "comment: at most 2000 bytes, got 2001"},
		{"all joined", func(s *Silence) { s.Matcher, s.Author = Matcher{}, "" },
			"matcher: set at least one of subject, group_key, category, service, event_name\nauthor: must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.change(&s)
			err := s.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestMatcher(t *testing.T) {
	n := Notification{Subject: "filesystem", Service: "agent-runner", Category: "mcp"}
	assert.True(t, Matcher{Subject: "filesystem", Category: "mcp"}.Matches(n))
	assert.False(t, Matcher{Subject: "filesystem", Service: "batch"}.Matches(n))
	assert.False(t, Matcher{}.Matches(n), "an empty matcher matches nothing")
}

func TestQuotingTakesBodyAndFactsOfFiringEventsOnly(t *testing.T) {
	lr := plog.NewLogRecord()
	lr.Body().SetStr("Timeout after 30s")
	lr.Attributes().PutInt("circuit_breaker.failure_count", 5)
	firing := Event{Kind: incident.Firing.String()}.Quoting(lr)
	if firing.Body != "Timeout after 30s" || len(firing.Facts) == 0 {
		t.Fatalf("firing event: body %q facts %v, want the record's body and facts", firing.Body, firing.Facts)
	}
	resolved := Event{Kind: incident.Resolving.String()}.Quoting(lr)
	if resolved.Body != "" || resolved.Facts != nil {
		t.Fatalf("resolving event quoted: body %q facts %v", resolved.Body, resolved.Facts)
	}
}
