package incidentsextension // import "github.com/unitrack/unitrack/extension/incidentsextension"

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/incidents"
)

// subjectStatsQuery sums up the incidents opened in [?1, ?2) per key (the
// incidents_first index finds them), then joins each key's latest one (the
// highest id: ids grow as incidents open) for its state, start and events.
const subjectStatsQuery = `SELECT g.key, l.subject_key, l.subject, l.service, g.n, g.resolved, g.mean, g.longest,
		l.status = 'open', l.first_ns, coalesce(json_extract(l.sample, '$[#-1]'), ''), l.id
	FROM (SELECT key, count(*) AS n, count(CASE WHEN status = 'resolved' THEN 1 END) AS resolved,
			coalesce(avg(CASE WHEN status = 'resolved' THEN resolved_ns - first_ns END), 0) AS mean,
			coalesce(max(CASE WHEN status = 'resolved' THEN resolved_ns - first_ns END), 0) AS longest,
			max(id) AS last_id
		FROM incidents WHERE first_ns >= ?1 AND first_ns < ?2 GROUP BY key) g
	JOIN incidents l ON l.id = g.last_id
	ORDER BY g.n DESC, g.key LIMIT ?3`

func (l *ledger) SubjectStats(ctx context.Context, since, until time.Time, limit int) ([]incidents.SubjectStat, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := l.db.sql.QueryContext(ctx, subjectStatsQuery, since.UnixNano(), until.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("subject stats: %w", err)
	}
	defer rows.Close()
	out := []incidents.SubjectStat{}
	for rows.Next() {
		var st incidents.SubjectStat
		var mean float64
		var longest, start int64
		var subjectKey string
		if err := rows.Scan(&st.Key, &subjectKey, &st.Subject, &st.Service, &st.Count, &st.Resolved, &mean, &longest,
			&st.Open, &start, &st.LastEventID, &st.LastID); err != nil {
			return nil, fmt.Errorf("subject stats: %w", err)
		}
		// The key is family|service|subject (internal/incident Key.String).
		st.Family, _, _ = strings.Cut(st.Key, "|")
		st.Phrase = incident.SubjectPhrase(subjectKey, st.Subject)
		st.MTTRSeconds = mean / 1e9
		st.LongestSeconds = float64(longest) / 1e9
		st.LastStart = start / 1e6
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("subject stats: %w", err)
	}
	return out, nil
}
