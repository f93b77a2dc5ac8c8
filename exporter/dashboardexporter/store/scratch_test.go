package store

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestScratchPlan(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	ctx := context.Background()
	s, err := Open(ctx, "/tmp/unitrack-dashboard-1m")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range searchCases(time.Now()) {
		from, args, fts := c.f.from()
		order := " ORDER BY e.id DESC"
		if fts {
			order = " ORDER BY events_fts.rowid DESC"
		}
		q := "EXPLAIN QUERY PLAN SELECT e.id" + from + order + " LIMIT 101"
		rows, err := s.r.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b, c2 int
			var d string
			rows.Scan(&a, &b, &c2, &d)
			t.Logf("%s: %s", c.name, d)
		}
		rows.Close()
		for _, pr := range []string{os.Getenv("SCRATCH")} {
			st := time.Now()
			n := 0
			for i := 0; i < 5; i++ {
				evs, _, err := s.Query(ctx, c.f, 100)
				if err != nil {
					t.Fatal(err)
				}
				n = len(evs)
			}
			t.Logf("%s %q: %d rows, %s/query", c.name, pr, n, time.Since(st)/5)
		}
	}
}
