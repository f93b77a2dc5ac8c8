package eventlogreceiver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

const crashConfig = `
extensions:
  file_storage:
    directory: ./var/storage
    create_directory: true
receivers:
  eventlog:
    include: [./var/legacy/events.jsonl*]
    start_at: beginning
    poll_interval: 50ms
    storage: file_storage
exporters:
  eventlog:
    path: ./var/eventlog/events.jsonl
    max_megabytes: 1
    max_backups: 50
service:
  extensions: [file_storage]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [eventlog]
      exporters: [eventlog]
`

// TestCrashRecoveryOnBuiltBinary appends lines continuously to a legacy event
// log (rotating it once by rename) while the real collector binary is killed
// with SIGKILL several times and restarted. Every line must come out of the
// eventlog exporter once: lines read again after a crash (their checkpoint
// was not saved yet) are recognised by their ids and not written twice.
func TestCrashRecoveryOnBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test on the built binary")
	}
	dir := t.TempDir()
	legacyDir := filepath.Join(dir, "var", "legacy")
	require.NoError(t, os.MkdirAll(legacyDir, 0o755))
	src := filepath.Join(legacyDir, "events.jsonl")
	require.NoError(t, os.WriteFile(src, nil, 0o644))

	c := testbin.Start(t, crashConfig, testbin.WithDir(dir))

	// The legacy writer: one write(2) per line, bursts of 10 lines about every 2 ms.
	var written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f, err := os.OpenFile(src, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Errorf("open source: %v", err)
			return
		}
		defer func() { _ = f.Close() }()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i == 5000 { // logrotate-style rename, then a new file
				_ = f.Close()
				if err := os.Rename(src, src+".1"); err != nil {
					t.Errorf("rotate: %v", err)
					return
				}
				if f, err = os.OpenFile(src, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err != nil {
					t.Errorf("reopen: %v", err)
					return
				}
			}
			// Odd lines bring no event_id: theirs is derived from the
			// file and the offset, the same when the line is read again.
			line := fmt.Sprintf(`{"ts": %d.%03d, "level": "INFO", "event": "tick", "component": "crash", "msg": "line %d", "data": {"seq": %d}, "event_id": "c-%06d"}`+"\n",
				1764331200+i/1000, i%1000, i, i, i)
			if i%2 == 1 {
				line = fmt.Sprintf(`{"ts": %d.%03d, "level": "INFO", "event": "tick", "component": "crash", "msg": "line %d", "data": {"seq": %d}}`+"\n",
					1764331200+i/1000, i%1000, i, i)
			}
			if _, err := f.WriteString(line); err != nil {
				t.Errorf("append: %v", err)
				return
			}
			written.Add(1)
			if i%10 == 9 {
				time.Sleep(2 * time.Millisecond)
			}
		}
	}()

	const kills = 6
	for k := 0; k < kills; k++ {
		time.Sleep(time.Duration(300+rand.IntN(500)) * time.Millisecond)
		c.Kill()
		time.Sleep(time.Duration(50+rand.IntN(200)) * time.Millisecond)
		c.Restart()
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	total := int(written.Load())
	require.Greater(t, total, 5000, "the writer must have rotated the file")

	outDir := filepath.Join(dir, "var", "eventlog")
	c.WaitFor(60*time.Second, func() bool {
		counts, _ := readDelivered(t, outDir)
		return len(counts) >= total
	}, fmt.Sprintf("not every line was delivered (want %d)", total))
	// The collector may still be writing lines read again after the last
	// restart; count (and look for torn lines) only once it has stopped.
	err := c.Stop()
	require.NoError(t, err, "collector did not stop cleanly:\n%s", c.Output())
	counts, torn := readDelivered(t, outDir)

	var missing []int
	var dups [2]int // lines with their own id, lines with a derived one
	for i := 0; i < total; i++ {
		switch n := counts[i]; {
		case n == 0:
			missing = append(missing, i)
		case n > 1:
			dups[i%2] += n - 1
		}
	}
	t.Logf("crash test: %d lines appended, %d SIGKILLs, %d unique delivered, duplicates: %d of lines with an event_id, %d of lines without, %d missing, %d torn output lines",
		total, kills, len(counts), dups[0], dups[1], len(missing), torn)
	require.Empty(t, missing, "lines never delivered")
	require.Zero(t, torn, "output lines that are not one JSON object")
	// Lines read again after a crash come with the ids they had (their own,
	// or derived from the file and offset). The exporter's window is read
	// back at each start from its id log (every line's id) and from the
	// event log (the ids the lines carry): a line with its own event_id is
	// never written twice. A line without one is written byte for byte, so
	// its id is only in the id log, which is written after the batch's
	// lines: a kill between the two writes leaves that one batch's ids out.
	// Pushes are serialised, so that is at most one batch (an emit of up to
	// 100 lines, half of them without an id) a kill.
	require.Zero(t, dups[0], "lines with an event_id written twice")
	require.LessOrEqual(t, dups[1], kills*50, "lines without an event_id written twice: more than one batch a kill")
}

// readDelivered counts the lines of the exporter's files (events.jsonl and
// its rotated backups) by the writer's data.seq. A last line without its
// newline is a write still in progress (a reader can see part of a write(2)),
// so it is left for the next read; a torn line is one that is not JSON but
// was followed by a newline.
func readDelivered(t testing.TB, dir string) (counts map[int]int, torn int) {
	counts = map[int]int{}
	files, _ := filepath.Glob(filepath.Join(dir, "events.jsonl*"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		raw = raw[:bytes.LastIndexByte(raw, '\n')+1]
		sc := bufio.NewScanner(bytes.NewReader(raw))
		for sc.Scan() {
			var m struct {
				EventID string         `json:"event_id"`
				Data    map[string]any `json:"data"`
			}
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				torn++
				continue
			}
			seq, ok := m.Data["seq"].(float64)
			if !ok {
				torn++
				continue
			}
			counts[int(seq)]++
		}
	}
	return counts, torn
}
