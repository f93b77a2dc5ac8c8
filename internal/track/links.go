package track

import (
	"net/url"
	"strings"
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
