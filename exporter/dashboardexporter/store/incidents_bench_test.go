package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/extension/incidentsextension"
	"github.com/unitrack/unitrack/extension/incidentsextension/incidentstest"
	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/incidents"
)

// marksIncidentsQuery is how the analytics computed incidents per subject
// before they asked the incident ledger: a walk over incident_marks with
// window functions. It stays here as the baseline BenchmarkIncidentsPerSubject
// compares the ledger's SubjectStats with.
const marksIncidentsQuery = `WITH
	m AS (SELECT key, family, subject, service, time_ns, firing, event_id,
			lag(firing) OVER (PARTITION BY key ORDER BY time_ns) AS prev
		FROM incident_marks WHERE time_ns >= ?1 AND time_ns < ?2),
	c AS (SELECT key, family, subject, service, time_ns, firing, event_id,
			lead(time_ns) OVER (PARTITION BY key ORDER BY time_ns) AS next_ns
		FROM m WHERE firing != coalesce(prev,
			(SELECT i.firing FROM incident_marks i WHERE i.key = m.key AND i.time_ns < ?1 ORDER BY i.time_ns DESC LIMIT 1),
			1 - firing))
	SELECT key, family, subject, service, max(time_ns), event_id, next_ns IS NULL, count(*), count(next_ns),
		coalesce(avg(next_ns - time_ns), 0), coalesce(max(next_ns - time_ns), 0)
	FROM c WHERE firing = 1 GROUP BY key`

// marksIncidents runs the baseline and returns the incidents per key.
func marksIncidents(ctx context.Context, s *Store, sinceNs, untilNs int64) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, marksIncidentsQuery, sinceNs, untilNs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var key, family, subject, service, eventID string
		var last, resolved, longest int64
		var open bool
		var n int
		var mean float64
		if err := rows.Scan(&key, &family, &subject, &service, &last, &eventID, &open, &n, &resolved, &mean, &longest); err != nil {
			return nil, err
		}
		out[key] = n
	}
	return out, rows.Err()
}

// ledgerOf starts an incidents extension in a temporary directory and folds
// into it every firing and resolving event of the store (its incident
// marks), so that both answer the same question over the same events. The
// ledger resolves only by events here (no resolve_timeout), as the marks do.
func ledgerOf(b *testing.B, s *Store) incidents.Ledger {
	b.Helper()
	ctx := context.Background()
	_, led := incidentstest.Start(b, func(cfg *incidentsextension.Config) {
		cfg.MaxAge, cfg.ResolveTimeout, cfg.MaxIncidents = 0, 0, 10_000_000
	})
	all, err := s.marks(ctx, "SELECT "+markCols+" FROM incident_marks ORDER BY time_ns")
	require.NoError(b, err)
	var batch []incidents.Event
	for i, m := range all {
		kind := incident.Resolving
		if m.firing {
			kind = incident.Firing
		}
		batch = append(batch, incidents.Event{Key: m.key, Kind: kind.String(), Subject: m.subject, Service: m.service,
			EventID: m.eventID, Time: time.Unix(0, m.timeNs)})
		if len(batch) == 1000 || i == len(all)-1 {
			require.NoError(b, led.RecordEvents(ctx, batch))
			batch = batch[:0]
		}
	}
	b.Logf("ledger folded from %d incident marks", len(all))
	return led
}

// BenchmarkIncidentsPerSubject: the analytics' incidents panel over 24 h
// and 30 days, from the ledger (SubjectStats) against the marks walk it
// replaced, in the same run over the same events (UNITRACK_BENCH_ANALYTICS
// sizes). It first checks that both count the same incidents per key.
func BenchmarkIncidentsPerSubject(b *testing.B) {
	s, now := analyticsDB(b, analyticsSize(b))
	ctx := context.Background()
	led := ledgerOf(b, s)
	nowNs, day := now.UnixNano(), int64(24*time.Hour)
	for _, span := range []int64{day, 30 * day} {
		want, err := marksIncidents(ctx, s, nowNs-span, nowNs)
		require.NoError(b, err)
		stats, err := led.SubjectStats(ctx, time.Unix(0, nowNs-span), now, 1000)
		require.NoError(b, err)
		got := map[string]int{}
		for _, st := range stats {
			got[st.Key] = st.Count
		}
		require.Equal(b, want, got, "the ledger and the marks count different incidents")
		n := 0
		for _, c := range got {
			n += c
		}
		b.Logf("%s: %d incidents of %d keys opened", time.Duration(span), n, len(got))
	}
	for _, w := range []struct {
		name string
		span int64
	}{{"24h", day}, {"30d", 30 * day}} {
		since := nowNs - w.span
		runLatency(b, "ledger_"+w.name, func() error {
			_, err := led.SubjectStats(ctx, time.Unix(0, since), now, 50)
			return err
		})
		runLatency(b, "marks_baseline_"+w.name, func() error { _, err := marksIncidents(ctx, s, since, nowNs); return err })
	}
}
