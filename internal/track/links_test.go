package track

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestEventsLink(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		base         string
		filter       url.Values
		since, until time.Time
		want         string
	}{
		{"subject and window", "http://localhost:8790/", url.Values{"q": {"file system"}, "service": {"agent-runner"}}, t0, t0.Add(time.Minute),
			"http://localhost:8790/?q=file+system&service=agent-runner&since=1795867200000&until=1795867260000"},
		{"open end", "http://localhost:8790", url.Values{"event_name": {"disk.full"}}, t0, time.Time{},
			"http://localhost:8790/?event_name=disk.full&since=1795867200000"},
		{"hostile value is escaped", "http://h", url.Values{"q": {"<script>&x=1#"}}, time.Time{}, time.Time{},
			"http://h/?q=%3Cscript%3E%26x%3D1%23"},
		{"no dashboard", "", url.Values{"q": {"x"}}, t0, t0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, EventsLink(tt.base, tt.filter, tt.since, tt.until))
		})
	}
}
