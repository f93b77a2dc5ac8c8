package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

var base = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func TestInsertAndGetRoundTrip(t *testing.T) {
	s := openTemp(t)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "agent-runner")
	rl.Resource().Attributes().PutInt("process.pid", 4121)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("unitrack/track")
	lr := sl.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(base))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(base.Add(time.Second)))
	lr.SetSeverityNumber(plog.SeverityNumberError)
	lr.SetSeverityText("error")
	lr.SetEventName("mcp_server_failure")
	lr.Body().SetStr("MCP server 'filesystem' failed: timeout")
	lr.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	lr.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	a := lr.Attributes()
	a.PutStr(track.AttrEventID, "01JDXYZ")
	a.PutStr(track.AttrCategory, "mcp")
	a.PutStr(track.AttrSource, "track_event")
	a.PutInt("failure_count", 3)
	a.PutDouble("ratio", 3.0)
	a.PutBool("final", true)
	a.PutEmptyMap("nested").PutStr("k", "<b>v</b>")
	r := a.PutEmptySlice(track.AttrRoutes)
	r.AppendEmpty().SetStr("eventlog")
	r.AppendEmpty().SetStr("dashboard")

	stored := ingest(t, s, ld)
	require.Len(t, stored, 1)
	ev, err := s.Get(context.Background(), "01JDXYZ")
	require.NoError(t, err)
	assert.Equal(t, "mcp", ev.Category)
	assert.Equal(t, "track_event", ev.Source)
	assert.Equal(t, "agent-runner", ev.Service)
	assert.Equal(t, []string{"dashboard", "eventlog"}, ev.Routes)
	assert.Equal(t, "0102030405060708090a0b0c0d0e0f10", ev.TraceID)

	gotRes := pcommon.NewResource()
	gotLR := plog.NewLogRecord()
	require.NoError(t, ev.Record(gotRes, gotLR))
	assert.Equal(t, rl.Resource().Attributes().AsRaw(), gotRes.Attributes().AsRaw())
	assert.Equal(t, lr.Attributes().AsRaw(), gotLR.Attributes().AsRaw())
	v, _ := gotLR.Attributes().Get("ratio")
	assert.Equal(t, pcommon.ValueTypeDouble, v.Type(), "a double stays a double")
	v, _ = gotLR.Attributes().Get("failure_count")
	assert.Equal(t, pcommon.ValueTypeInt, v.Type(), "an int stays an int")
	assert.Equal(t, lr.Timestamp(), gotLR.Timestamp())
	assert.Equal(t, lr.ObservedTimestamp(), gotLR.ObservedTimestamp())
	assert.Equal(t, lr.TraceID(), gotLR.TraceID())
	assert.Equal(t, lr.SpanID(), gotLR.SpanID())
	assert.Equal(t, lr.Body().Str(), gotLR.Body().Str())
	assert.Equal(t, lr.SeverityNumber(), gotLR.SeverityNumber())

	_, err = s.Get(context.Background(), "nope")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestMapBodyRoundTrip(t *testing.T) {
	s := openTemp(t)
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Attributes().PutStr(track.AttrEventID, "m1")
	m := lr.Body().SetEmptyMap()
	m.PutStr("msg", "hello")
	m.PutInt("n", 2)
	ingest(t, s, ld)
	ev, err := s.Get(context.Background(), "m1")
	require.NoError(t, err)
	got := plog.NewLogRecord()
	require.NoError(t, ev.Record(pcommon.NewResource(), got))
	assert.Equal(t, lr.Body().AsRaw(), got.Body().AsRaw())
	assert.NotZero(t, ev.TimeUnixNano, "a record without time gets one")
}

func TestDuplicateEventIDsAreStoredOnce(t *testing.T) {
	s := openTemp(t)
	ld := genLogs(10, 0, base)
	assert.Len(t, ingest(t, s, ld), 10)
	assert.Empty(t, ingest(t, s, ld), "a retried batch stores nothing new")
	n, err := s.Count(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 10, n)
}

func TestFilters(t *testing.T) {
	s := openTemp(t)
	ingest(t, s, genLogs(2000, 0, base))
	ctx := context.Background()
	all := FromLogs(genLogs(2000, 0, base), base)
	count := func(pred func(e *Event) bool) int {
		n := 0
		for i := range all {
			if pred(&all[i]) {
				n++
			}
		}
		return n
	}
	tests := []struct {
		name string
		f    Filter
		want func(e *Event) bool
	}{
		{"all", Filter{}, func(*Event) bool { return true }},
		{"severity", Filter{SeverityMin: 17}, func(e *Event) bool { return e.SeverityNumber >= 17 }},
		{"category", Filter{Categories: []string{"mcp"}}, func(e *Event) bool { return e.Category == "mcp" }},
		{"two categories", Filter{Categories: []string{"mcp", "task"}}, func(e *Event) bool { return e.Category == "mcp" || e.Category == "task" }},
		{"source", Filter{Sources: []string{"dashboard"}}, func(e *Event) bool { return e.Source == "dashboard" }},
		{"service", Filter{Services: []string{"gateway"}}, func(e *Event) bool { return e.Service == "gateway" }},
		{"event name", Filter{EventNames: []string{"mcp.event_1"}}, func(e *Event) bool { return e.EventName == "mcp.event_1" }},
		{"time range", Filter{SinceNs: base.Add(500 * time.Millisecond).UnixNano(), UntilNs: base.Add(700 * time.Millisecond).UnixNano()},
			func(e *Event) bool {
				return e.TimeUnixNano >= base.Add(500*time.Millisecond).UnixNano() && e.TimeUnixNano < base.Add(700*time.Millisecond).UnixNano()
			}},
		{"combined", Filter{SeverityMin: 13, Categories: []string{"health"}, Services: []string{"dashboard"}},
			func(e *Event) bool {
				return e.SeverityNumber >= 13 && e.Category == "health" && e.Service == "dashboard"
			}},
		{"nothing", Filter{Categories: []string{"nope"}}, func(*Event) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, err := s.Query(ctx, tt.f, 5000)
			require.NoError(t, err)
			assert.Zero(t, next)
			want := count(tt.want)
			assert.Len(t, got, want)
			for i := range got {
				assert.True(t, tt.want(&got[i]), "event %s does not match", got[i].EventID)
				if i > 0 {
					assert.Less(t, got[i].ID, got[i-1].ID, "newest first")
				}
			}
		})
	}
}

func TestFullTextSearch(t *testing.T) {
	s := openTemp(t)
	ingest(t, s, genLogs(500, 0, base))
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Attributes().PutStr(track.AttrEventID, "special")
	lr.Attributes().PutStr(track.AttrCategory, "mcp")
	lr.Attributes().PutStr("server", "zanzibar-fs")
	lr.Attributes().PutInt("port", 48123)
	lr.Body().SetStr(`Ünïcode body with "quotes" AND OR NOT (parens) col:on`)
	ingest(t, s, ld)
	ctx := context.Background()
	tests := []struct {
		q    string
		want int // -1: at least one, special not required
		ids  []string
	}{
		{q: "zanzibar", ids: []string{"special"}},                            // attribute value
		{q: "zanzibar-fs", ids: []string{"special"}},                         // phrase with punctuation
		{q: "48123", ids: []string{"special"}},                               // number attribute
		{q: "unicode", ids: []string{"special"}},                             // diacritics folded
		{q: "ZANZ*", ids: []string{"special"}},                               // prefix, case-insensitive
		{q: `AND OR NOT "quotes" (parens) col:on`, ids: []string{"special"}}, // operators are words
		{q: "zanzibar nothere", ids: nil},
		{q: `"body with"`, ids: []string{"special"}}, // a phrase
		{q: `"with body"`, ids: nil},                 // words in another order
		{q: `"quotes AND`, ids: []string{"special"}}, // unmatched quote
		{q: `"`, want: -1},                           // nothing searchable: no text filter
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got, _, err := s.Query(ctx, Filter{Text: tt.q}, 1000)
			require.NoError(t, err)
			if tt.want == -1 {
				assert.NotEmpty(t, got)
				return
			}
			var ids []string
			for _, e := range got {
				ids = append(ids, e.EventID)
			}
			assert.Equal(t, tt.ids, ids)
		})
	}
	// Text combined with column filters, against a brute-force count.
	got, _, err := s.Query(ctx, Filter{Text: "timeout", Categories: []string{"task"}, SeverityMin: 9}, 1000)
	require.NoError(t, err)
	want := 0
	for _, e := range FromLogs(genLogs(500, 0, base), base) {
		if e.Category == "task" && e.SeverityNumber >= 9 && containsWord(e.Body+" "+e.text, "timeout") {
			want++
		}
	}
	assert.Len(t, got, want)
	assert.NotZero(t, want)
}

func containsWord(s, w string) bool {
	return len(FTSQuery(w)) > 0 && (len(s) > 0 && (indexWord(s, w)))
}

func indexWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] == w && (i == 0 || !isWordChar(s[i-1])) && (i+len(w) == len(s) || !isWordChar(s[i+len(w)])) {
			return true
		}
	}
	return false
}

func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func TestCursorPaging(t *testing.T) {
	s := openTemp(t)
	ingest(t, s, genLogs(1234, 0, base))
	ctx := context.Background()
	for _, f := range []Filter{{}, {Categories: []string{"mcp"}}, {Text: "timeout"}} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			all, _, err := s.Query(ctx, f, 10000)
			require.NoError(t, err)
			var paged []Event
			g := f
			for pages := 0; ; pages++ {
				require.Less(t, pages, 1000)
				page, next, err := s.Query(ctx, g, 100)
				require.NoError(t, err)
				paged = append(paged, page...)
				if next == 0 {
					break
				}
				g.BeforeID = next
			}
			require.Equal(t, len(all), len(paged))
			for i := range all {
				assert.Equal(t, all[i].EventID, paged[i].EventID)
			}
		})
	}
}

func TestRetention(t *testing.T) {
	ctx := context.Background()
	t.Run("age", func(t *testing.T) {
		s := openTemp(t)
		ingest(t, s, genLogs(12000, 0, base)) // 12 s of events
		n, err := s.Prune(ctx, Retention{MaxAge: 5 * time.Second}, base.Add(12*time.Second))
		require.NoError(t, err)
		assert.EqualValues(t, 7000, n)
		left, _, err := s.Query(ctx, Filter{}, 100000)
		require.NoError(t, err)
		assert.Len(t, left, 5000)
		for _, e := range left {
			assert.GreaterOrEqual(t, e.TimeUnixNano, base.Add(7*time.Second).UnixNano())
		}
		// The full-text index lost the deleted rows too.
		hits, _, err := s.Query(ctx, Filter{Text: "timeout"}, 100000)
		require.NoError(t, err)
		for _, e := range hits {
			assert.GreaterOrEqual(t, e.TimeUnixNano, base.Add(7*time.Second).UnixNano())
		}
		var ftsRows int
		require.NoError(t, s.r.QueryRowContext(ctx, "SELECT count(*) FROM events_fts").Scan(&ftsRows))
		assert.Equal(t, 5000, ftsRows)
	})
	t.Run("count", func(t *testing.T) {
		s := openTemp(t)
		ingest(t, s, genLogs(3000, 0, base))
		newest, _, err := s.Query(ctx, Filter{}, 1000)
		require.NoError(t, err)
		n, err := s.Prune(ctx, Retention{MaxEvents: 1000}, base)
		require.NoError(t, err)
		assert.EqualValues(t, 2000, n)
		left, _, err := s.Query(ctx, Filter{}, 100000)
		require.NoError(t, err)
		require.Len(t, left, 1000)
		assert.Equal(t, newest, left, "the newest by arrival stay")
	})
	t.Run("size", func(t *testing.T) {
		s := openTemp(t)
		ingest(t, s, genLogs(20000, 0, base))
		before, err := s.UsedBytes(ctx)
		require.NoError(t, err)
		limit := before / 4
		n, err := s.Prune(ctx, Retention{MaxSizeBytes: limit}, base)
		require.NoError(t, err)
		assert.Greater(t, n, int64(10000))
		after, err := s.UsedBytes(ctx)
		require.NoError(t, err)
		assert.LessOrEqual(t, after, limit, "used %d bytes, limit %d", after, limit)
		left, err := s.Count(ctx)
		require.NoError(t, err)
		assert.Positive(t, left, "pruning by size keeps the newest events")
	})
}

func TestRestartKeepsHistory(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, dir)
	require.NoError(t, err)
	ingest(t, s, genLogs(300, 0, base))
	require.NoError(t, s.Close())

	s, err = Open(ctx, dir)
	require.NoError(t, err)
	defer s.Close()
	n, err := s.Count(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 300, n)
	hits, _, err := s.Query(ctx, Filter{Text: "timeout"}, 1000)
	require.NoError(t, err)
	assert.NotEmpty(t, hits, "the full-text index survives a restart")
	ingest(t, s, genLogs(100, 300, base))
	got, _, err := s.Query(ctx, Filter{}, 1)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, got[0].EventID, "ev0000000300", "the newest row is from the batch after the restart")
}

func TestNewerSchemaIsRefused(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, dir)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := sql.Open("sqlite", filepath.Join(dir, FileName))
	require.NoError(t, err)
	_, err = db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+1))
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = Open(ctx, dir)
	require.ErrorContains(t, err, fmt.Sprintf("schema version %d is newer than this build knows (%d)", SchemaVersion+1, SchemaVersion))
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(context.Background(), "")
	require.EqualError(t, err, "directory: must not be empty")
	_, err = Open(context.Background(), "/proc/nope/dashboard")
	require.ErrorContains(t, err, `directory "/proc/nope/dashboard"`)
}

func TestConcurrentWritesAndReads(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	const writers, batches, perBatch = 4, 10, 200
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	stop := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				off := (w*batches + b) * perBatch
				if _, err := s.Insert(ctx, FromLogs(genLogs(perBatch, off, base), base)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var rg sync.WaitGroup
	for r := 0; r < 3; r++ {
		rg.Add(1)
		go func() {
			defer rg.Done()
			last := int64(-1)
			for {
				select {
				case <-stop:
					return
				default:
				}
				n, err := s.Count(ctx)
				if err != nil {
					errs <- err
					return
				}
				if n < last {
					errs <- fmt.Errorf("count went back from %d to %d", last, n)
					return
				}
				last = n
				if _, _, err := s.Query(ctx, Filter{Text: "memory", SeverityMin: 9}, 50); err != nil {
					errs <- err
					return
				}
				if _, err := s.Stats(ctx, Filter{}, base); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n, err := s.Count(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, writers*batches*perBatch, n)
}

func TestStatusBoardAndStats(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty()
	sl.Resource().Attributes().PutStr("service.name", "agent-runner")
	lrs := sl.ScopeLogs().AppendEmpty().LogRecords()
	add := func(id, name string, at time.Duration, sev plog.SeverityNumber, attrs map[string]any) {
		lr := lrs.AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(base.Add(at)))
		lr.SetEventName(name)
		lr.SetSeverityNumber(sev)
		lr.Body().SetStr(name + " " + id)
		require.NoError(t, lr.Attributes().FromRaw(attrs))
		lr.Attributes().PutStr(track.AttrEventID, id)
	}
	add("h1", "health.check", 0, 9, map[string]any{"health.check": "ollama", "health.status": "healthy"})
	add("h2", "health.status_changed", 2*time.Second, 17, map[string]any{"health.check": "ollama", "health.status": "unhealthy"})
	add("h0", "health.check", time.Second, 9, map[string]any{"health.check": "ollama", "health.status": "healthy"}) // older, arrives late
	add("c1", "mcp.circuit_breaker.opened", 0, 17, map[string]any{"mcp.server.name": "filesystem", "circuit_breaker.state": "open"})
	add("c2", "mcp.circuit_breaker.half_open", 30*time.Second, 13, map[string]any{"mcp.server.name": "filesystem"})
	add("t1", "task.failed", 0, 17, map[string]any{"task.name": "nightly", "task.final": false})
	add("t2", "task.failed", time.Second, 17, map[string]any{"task.name": "nightly", "task.final": true})
	add("t3", "task.failed", time.Second, 17, map[string]any{"task.name": "legacy"})
	ingest(t, s, ld)
	// A later batch with an older health event does not win either.
	ld2 := plog.NewLogs()
	sl2 := ld2.ResourceLogs().AppendEmpty()
	sl2.Resource().Attributes().PutStr("service.name", "agent-runner")
	lrs = sl2.ScopeLogs().AppendEmpty().LogRecords()
	add("h-old", "health.check", -time.Hour, 9, map[string]any{"health.check": "ollama", "health.status": "degraded"})
	ingest(t, s, ld2)

	st, err := s.Stats(ctx, Filter{}, base.Add(time.Minute))
	require.NoError(t, err)
	require.Len(t, st.Status, 2)
	assert.Equal(t, KindCircuit, st.Status[0].Kind)
	assert.Equal(t, "filesystem", st.Status[0].Subject)
	assert.Equal(t, "half_open", st.Status[0].State)
	assert.Equal(t, KindHealth, st.Status[1].Kind)
	assert.Equal(t, "unhealthy", st.Status[1].State)
	assert.Equal(t, "h2", st.Status[1].EventID)
	var failed []string
	for _, f := range st.TaskFailures {
		failed = append(failed, f.EventID)
	}
	assert.Equal(t, []string{"t3", "t2"}, failed, "final failures only, newest first")
	assert.EqualValues(t, 9, st.Total)
	assert.Equal(t, int64(60), st.BucketSeconds)
	require.Len(t, st.Histogram, 60)
	var inHist int64
	for _, b := range st.Histogram {
		for _, n := range b.Counts {
			inHist += n
		}
	}
	assert.EqualValues(t, 8, inHist, "the hour-old event is outside the default window")

	defer func() {
		// Retention by age also clears board entries not heard of since.
		_, err := s.Prune(ctx, Retention{MaxAge: 10 * time.Second}, base.Add(35*time.Second))
		require.NoError(t, err)
		board, err := s.Status(ctx)
		require.NoError(t, err)
		require.Len(t, board, 1)
		assert.Equal(t, "filesystem", board[0].Subject, "the breaker event at +30s is recent enough")
	}()
	last := st.Histogram[len(st.Histogram)-1]
	assert.Equal(t, map[string]int64{"INFO": 2, "ERROR": 5, "WARN": 1}, last.Counts)
	assert.Equal(t, []FacetCount{{"INFO", 3}, {"WARN", 1}, {"ERROR", 5}}, st.Facets["severity"])
	assert.Equal(t, []FacetCount{{"agent-runner", 9}}, st.Facets["service"])

	// Facets leave out their own dimension's filter.
	st, err = s.Stats(ctx, Filter{EventNames: []string{"task.failed"}}, base.Add(time.Minute))
	require.NoError(t, err)
	assert.Len(t, st.Facets["event_name"], 5)
	assert.Equal(t, []FacetCount{{"ERROR", 3}}, st.Facets["severity"])
}

func TestFTSQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  ", ""},
		{"timeout", `"timeout"`},
		{"a b", `"a" AND "b"`},
		{`say "hi"`, `"say" AND "hi"`},
		{`"e2e boom in" legacy`, `"e2e boom in" AND "legacy"`},
		{`"unterminated phrase`, `"unterminated" AND "phrase"`},
		{`a"b`, `"a" AND "b"`},
		{"time*", `"time"*`},
		{"AND OR NOT", `"AND" AND "OR" AND "NOT"`},
		{`x"y`, `"x" AND "y"`},
		{"- * ( )", ""},
		{"col:on", `"col:on"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, FTSQuery(tt.in), "FTSQuery(%q)", tt.in)
	}
}

func FuzzFTSQuery(f *testing.F) {
	for _, s := range []string{"timeout", `"`, "a*", "NEAR(a b)", "x:y", "-(", "\x00", "ü*"} {
		f.Add(s)
	}
	s, err := Open(context.Background(), f.TempDir())
	require.NoError(f, err)
	defer s.Close()
	ingest(f, s, genLogs(20, 0, base))
	f.Fuzz(func(t *testing.T, q string) {
		if _, _, err := s.Query(context.Background(), Filter{Text: q}, 10); err != nil {
			t.Fatalf("query %q: %v", q, err)
		}
	})
}

// The unfiltered histogram (from minute_counts) equals the one counted from
// the events themselves, after inserts, a retried batch and retention.
func TestHistogramCountsMatchEvents(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	now := base.Add(10 * time.Minute)
	ld := genLogs(5000, 0, base.Add(2*time.Minute)) // 5 s of events
	ingest(t, s, ld)
	ingest(t, s, ld)
	ingest(t, s, genLogs(3000, 5000, base.Add(3*time.Minute))) // later minutes
	check := func() {
		t.Helper()
		fast, err := s.Stats(ctx, Filter{}, now)
		require.NoError(t, err)
		scan, err := s.Stats(ctx, Filter{Categories: testCategories}, now) // matches every event, counted by scan
		require.NoError(t, err)
		assert.Equal(t, scan.Histogram, fast.Histogram)
		var sum int64
		for _, b := range fast.Histogram {
			for _, n := range b.Counts {
				sum += n
			}
		}
		assert.Equal(t, fast.Total, sum)
	}
	check()
	_, err := s.Prune(ctx, Retention{MaxEvents: 4000}, now)
	require.NoError(t, err)
	check()
}

// Opening a version 1 database adds and backfills the per-minute counts.
func TestMigrationFromVersion1(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, dir)
	require.NoError(t, err)
	ingest(t, s, genLogs(2000, 0, base))
	want, err := s.Stats(ctx, Filter{}, base.Add(time.Minute))
	require.NoError(t, err)
	require.NoError(t, s.Close())

	db, err := sql.Open("sqlite", filepath.Join(dir, FileName))
	require.NoError(t, err)
	for _, q := range []string{"DROP TRIGGER events_delete_count", "DROP TABLE minute_counts", "DROP TRIGGER events_tombstone",
		"DROP TABLE source_minutes", "DROP TABLE error_hours", "DROP TABLE error_first", "DROP TABLE incident_marks",
		"DROP TABLE removed_events", "PRAGMA user_version = 1"} {
		_, err = db.Exec(q)
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())

	s, err = Open(ctx, dir)
	require.NoError(t, err)
	defer s.Close()
	var v int
	require.NoError(t, s.r.QueryRow("PRAGMA user_version").Scan(&v))
	assert.Equal(t, SchemaVersion, v)
	got, err := s.Stats(ctx, Filter{}, base.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, want.Histogram, got.Histogram)
}
