package blogexporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/exporter/blogexporter/internal/metadata"
)

const benchBatch = 100

// batchFunc builds the i-th batch of benchBatch events.
type batchFunc func(i int) plog.Logs

// stormBatch: a storm into 3 incidents (each batch updates the same posts).
func stormBatch(i int) plog.Logs {
	evs := make([]testEvent, benchBatch)
	for j := range evs {
		n := i*benchBatch + j
		evs[j] = cbEvent(fmt.Sprintf("server-%d", j%3), "opened", t0.Add(time.Duration(n)*time.Millisecond), fmt.Sprintf("storm-%d", n))
	}
	return logsOf(evs...)
}

// distinctBatch: every event a new incident (each batch writes 100 new posts;
// retention keeps max_posts, 1000).
func distinctBatch(i int) plog.Logs {
	evs := make([]testEvent, benchBatch)
	for j := range evs {
		n := i*benchBatch + j
		evs[j] = cbEvent(fmt.Sprintf("server-%d", n), "opened", t0.Add(time.Duration(n)*time.Millisecond), fmt.Sprintf("distinct-%d", n))
	}
	return logsOf(evs...)
}

// BenchmarkBlog measures events per second into posts against two floors
// that write the same files with the same bytes as one exporter batch does:
// os.WriteFile (no fsync, not atomic) and an atomic write (temp file, fsync,
// rename: the least any crash-safe writer must do). Each iteration runs one
// exporter batch and then both floors, so the ratios compare the three under
// the same machine load (the CPU and disk here are shared).
//
//	go test ./exporter/blogexporter/ -run '^$' -bench BenchmarkBlog -benchtime 3s
func BenchmarkBlog(b *testing.B) {
	for _, tc := range []struct {
		name  string
		batch batchFunc
	}{{"storm_3_incidents", stormBatch}, {"distinct_incidents", distinctBatch}} {
		b.Run(tc.name, func(b *testing.B) {
			files := filesOfOneBatch(b, tc.batch)
			dir := b.TempDir()
			clock := &fakeClock{t: t0}
			e := startExporter(b, testConfig(dir), clock)
			for i := range 12 { // the steady state: posts exist, retention is full
				clock.set(t0.Add(time.Duration(i) * time.Second))
				if err := e.pushLogs(context.Background(), tc.batch(i)); err != nil {
					b.Fatal(err)
				}
			}
			floorDir := b.TempDir()
			d, err := openBlogDir(floorDir)
			if err != nil {
				b.Fatal(err)
			}
			defer d.close()
			var tExp, tPlain, tAtomic time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				clock.set(t0.Add(time.Duration(12+i) * time.Second))
				if err := e.pushLogs(context.Background(), tc.batch(12+i)); err != nil {
					b.Fatal(err)
				}
				mid := time.Now()
				for j, f := range files {
					if err := os.WriteFile(filepath.Join(floorDir, floorName(f.name, i, j)), f.data, 0o644); err != nil {
						b.Fatal(err)
					}
				}
				mid2 := time.Now()
				for j, f := range files {
					if err := d.writeFile(floorName(f.name, i, j), f.data); err != nil {
						b.Fatal(err)
					}
				}
				if err := d.syncDir(); err != nil {
					b.Fatal(err)
				}
				end := time.Now()
				tExp += mid.Sub(start)
				tPlain += mid2.Sub(mid)
				tAtomic += end.Sub(mid2)
			}
			events := float64(b.N * benchBatch)
			b.ReportMetric(events/tExp.Seconds(), "events/s")
			b.ReportMetric(events/tPlain.Seconds(), "floor_writefile_events/s")
			b.ReportMetric(events/tAtomic.Seconds(), "floor_atomic_events/s")
			b.ReportMetric(float64(tExp)/float64(tPlain), "x_writefile")
			b.ReportMetric(float64(tExp)/float64(tAtomic), "x_atomic")
			b.ReportMetric(float64(len(files)), "files/batch")
		})
	}
}

// floorName gives the floors the exporter's file names; new posts get new
// names each batch as the exporter's do (rotating over 10 batches).
func floorName(name string, i, j int) string {
	if name == indexFile || name == feedFile {
		return name
	}
	return fmt.Sprintf("2026-11-28-floor-%d-%d%s", i%10, j, filepath.Ext(name))
}

type benchFile struct {
	name string
	data []byte
}

// filesOfOneBatch runs the exporter to its steady state and returns the
// files (names and bytes) one more batch writes.
func filesOfOneBatch(b *testing.B, batch batchFunc) []benchFile {
	dir := b.TempDir()
	clock := &fakeClock{t: t0}
	e := startExporter(b, testConfig(dir), clock)
	for i := range 12 {
		clock.set(t0.Add(time.Duration(i) * time.Second))
		if err := e.pushLogs(context.Background(), batch(i)); err != nil {
			b.Fatal(err)
		}
	}
	before := map[string]time.Time{}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		info, _ := en.Info()
		before[en.Name()] = info.ModTime()
	}
	time.Sleep(10 * time.Millisecond)
	clock.set(t0.Add(12 * time.Second))
	if err := e.pushLogs(context.Background(), batch(12)); err != nil {
		b.Fatal(err)
	}
	var out []benchFile
	entries, _ = os.ReadDir(dir)
	for _, en := range entries {
		info, _ := en.Info()
		if t, ok := before[en.Name()]; ok && !info.ModTime().After(t) || strings.HasPrefix(en.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, benchFile{en.Name(), data})
	}
	return out
}

// BenchmarkIncidentStorm is a storm of 1 000 new incidents (10 batches of 100
// distinct breakers) into an empty blog, start to shutdown, written the way
// this exporter wrote before (index and feed with every batch, one file at a
// time: lists_interval 0, one writer) and the way it writes now (lists at
// most once per lists_interval, a flush's files fsynced concurrently). Each
// iteration runs both, alternating which goes first, so the ratio compares
// them under the same machine load.
//
//	go test ./exporter/blogexporter/ -run '^$' -bench BenchmarkIncidentStorm -benchtime 3x
func BenchmarkIncidentStorm(b *testing.B) {
	const batches = 10
	storm := func(b *testing.B, listsInterval time.Duration, fsyncEach bool) time.Duration {
		cfg := testConfig(b.TempDir())
		cfg.ListsInterval = listsInterval
		e, err := newBlogExporter(cfg, exportertest.NewNopSettings(metadata.Type))
		if err != nil {
			b.Fatal(err)
		}
		e.fsyncEach = fsyncEach
		start := time.Now()
		if err := e.start(context.Background(), componenttest.NewNopHost()); err != nil {
			b.Fatal(err)
		}
		for i := range batches {
			if err := e.pushLogs(context.Background(), distinctBatch(i)); err != nil {
				b.Fatal(err)
			}
		}
		if err := e.shutdown(context.Background()); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		if n := countPosts(b, cfg.Directory); n != batches*benchBatch {
			b.Fatalf("%d posts written, want %d", n, batches*benchBatch)
		}
		return took
	}
	var before, after time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			before += storm(b, 0, true)
			after += storm(b, time.Second, false)
		} else {
			after += storm(b, time.Second, false)
			before += storm(b, 0, true)
		}
	}
	events := float64(b.N * batches * benchBatch)
	b.ReportMetric(events/before.Seconds(), "before_events/s")
	b.ReportMetric(events/after.Seconds(), "after_events/s")
	b.ReportMetric(float64(before)/float64(after), "x_faster")
}

func countPosts(b *testing.B, dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, en := range entries {
		if filepath.Ext(en.Name()) == ".md" {
			n++
		}
	}
	return n
}
