package blogexporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
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

// BenchmarkBlog measures events per second into posts, and two floors that
// write the same files with the same bytes as one exporter batch does:
// os.WriteFile (no fsync, not atomic) and an atomic write (temp file, fsync,
// rename), the least any crash-safe writer must do.
//
//	go test ./exporter/blogexporter/ -run '^$' -bench BenchmarkBlog -benchtime 2s
func BenchmarkBlog(b *testing.B) {
	for _, tc := range []struct {
		name  string
		batch batchFunc
	}{{"storm_3_incidents", stormBatch}, {"distinct_incidents", distinctBatch}} {
		b.Run(tc.name+"/exporter", func(b *testing.B) {
			dir := b.TempDir()
			clock := &fakeClock{t: t0}
			e := startExporter(b, testConfig(dir), clock)
			// Warm up to the steady state (posts exist, retention is full).
			for i := range 12 {
				clock.set(t0.Add(time.Duration(i) * time.Second))
				if err := e.pushLogs(context.Background(), tc.batch(i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				clock.set(t0.Add(time.Duration(12+i) * time.Second))
				if err := e.pushLogs(context.Background(), tc.batch(12+i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "events/s")
		})
		files := filesOfOneBatch(b, tc.batch)
		for _, floor := range []struct {
			name  string
			write func(d *blogDir, dir, name string, data []byte) error
		}{
			{"floor_os_writefile", func(_ *blogDir, dir, name string, data []byte) error {
				return os.WriteFile(filepath.Join(dir, name), data, 0o644)
			}},
			{"floor_atomic_fsync", func(d *blogDir, _, name string, data []byte) error {
				return d.writeFile(name, data)
			}},
		} {
			b.Run(tc.name+"/"+floor.name, func(b *testing.B) {
				dir := b.TempDir()
				d, err := openBlogDir(dir)
				if err != nil {
					b.Fatal(err)
				}
				defer d.close()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					for j, f := range files {
						name := f.name
						if strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".html") && name != indexFile {
							// New names each batch when the exporter makes new posts.
							name = fmt.Sprintf("2026-11-28-floor-%d-%d%s", i%10, j, filepath.Ext(name))
						}
						if err := floor.write(d, dir, name, f.data); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
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
