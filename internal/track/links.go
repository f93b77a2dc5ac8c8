package track

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// EventLink is the dashboard URL that opens the detail view of one event. The
// dashboard exporter serves it; notify and blog put it in what they write.
// An empty base gives an empty link.
func EventLink(dashboardBaseURL, eventID string) string {
	if dashboardBaseURL == "" || eventID == "" {
		return ""
	}
	return strings.TrimRight(dashboardBaseURL, "/") + "/#/events/" + url.PathEscape(eventID)
}

// EventsLink is the dashboard URL of the event list filtered by filter (the
// keys of /api/events: q for words in messages and attribute values,
// service, category, event_name, severity, source) between since and until
// (a zero time leaves that end open), as the dashboard page reads it from
// its query string. An empty base gives an empty link.
func EventsLink(dashboardBaseURL string, filter url.Values, since, until time.Time) string {
	if dashboardBaseURL == "" {
		return ""
	}
	v := url.Values{}
	for k, vs := range filter {
		v[k] = vs
	}
	if !since.IsZero() {
		v.Set("since", strconv.FormatInt(since.UnixMilli(), 10))
	}
	if !until.IsZero() {
		v.Set("until", strconv.FormatInt(until.UnixMilli(), 10))
	}
	return strings.TrimRight(dashboardBaseURL, "/") + "/?" + v.Encode()
}

// IsHTTPURL reports whether s is an absolute http or https URL with a host:
// what every link base and webhook endpoint in a config must be.
func IsHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
