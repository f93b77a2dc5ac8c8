package legacy

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

var update = flag.Bool("update", false, "rewrite the expected files of the golden tests")

// observedAt is the receive time of every golden case.
var observedAt = time.Date(2026, 11, 28, 12, 30, 0, 0, time.UTC)

const generatedID = "<generated>"

// TestGolden decodes testdata/<format>/<case>/input.json and compares with
//   - expected.yaml: the records (missing: no records),
//   - eventlog.jsonl: the records as AppendJSONEvent writes them once routed,
//   - errors.txt:    the per-event errors, one a line (missing: none),
//   - error.txt:     the body-level error (missing: none).
//
// Event ids minted by Decode are checked (a ULID whose time is the record's)
// and then replaced by "<generated>".
func TestGolden(t *testing.T) {
	for _, fi := range Formats {
		dirs, err := filepath.Glob(filepath.Join("testdata", string(fi.Format), "*", "input.json"))
		require.NoError(t, err)
		require.NotEmpty(t, dirs, "no golden cases for %s", fi.Format)
		for _, in := range dirs {
			dir := filepath.Dir(in)
			t.Run(string(fi.Format)+"/"+filepath.Base(dir), func(t *testing.T) {
				body, err := os.ReadFile(in)
				require.NoError(t, err)
				logs, evErrs, bodyErr := Decode(fi.Format, body, observedAt)
				maskGeneratedIDs(t, logs, string(body))

				var gotErrs []string
				for _, e := range evErrs {
					gotErrs = append(gotErrs, e.Error())
				}
				gotBodyErr := ""
				if bodyErr != nil {
					gotBodyErr = bodyErr.Error()
				}
				// Lines in the event log: routed as the eventlog exporter gets them.
				gotLines := eventlogLines(t, asRouted(t, logs))
				expLines := filepath.Join(dir, "eventlog.jsonl")
				expYAML := filepath.Join(dir, "expected.yaml")
				expErrs := filepath.Join(dir, "errors.txt")
				expBodyErr := filepath.Join(dir, "error.txt")
				if *update {
					writeOrRemove(t, expErrs, strings.Join(gotErrs, "\n"))
					writeOrRemove(t, expBodyErr, gotBodyErr)
					writeOrRemove(t, expLines, gotLines)
					if logs.LogRecordCount() > 0 {
						require.NoError(t, golden.WriteLogsToFile(expYAML, logs))
					} else {
						_ = os.Remove(expYAML)
					}
					return
				}
				assert.Equal(t, readOrEmpty(t, expErrs), strings.Join(gotErrs, "\n"), "event errors")
				assert.Equal(t, readOrEmpty(t, expBodyErr), gotBodyErr, "body error")
				assert.Equal(t, readOrEmpty(t, expLines), gotLines, "event log lines")
				want := plog.NewLogs()
				if _, err := os.Stat(expYAML); err == nil {
					want, err = golden.ReadLogs(expYAML)
					require.NoError(t, err)
				}
				require.NoError(t, plogtest.CompareLogs(want, logs))
				assert.Equal(t, eventNames(want), eventNames(logs), "event names (CompareLogs does not compare them)")
			})
		}
	}
}

func eventNames(logs plog.Logs) []string {
	var names []string
	for _, rl := range logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				names = append(names, lr.EventName())
			}
		}
	}
	return names
}

// maskGeneratedIDs checks ids that do not appear in the input and masks them.
func maskGeneratedIDs(t *testing.T, logs plog.Logs, input string) {
	for _, rl := range logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				v, ok := lr.Attributes().Get(track.AttrEventID)
				require.True(t, ok, "every record has %s", track.AttrEventID)
				id := v.Str()
				if strings.Contains(input, `"`+id+`"`) {
					continue
				}
				u, err := ulid.ParseStrict(id)
				require.NoError(t, err, "generated id %q is a ULID", id)
				assert.Equal(t, lr.Timestamp().AsTime().UnixMilli(), int64(u.Time()), "generated id carries the record time")
				v.SetStr(generatedID)
			}
		}
	}
}

func writeOrRemove(t *testing.T, path, content string) {
	if content == "" {
		_ = os.Remove(path)
		return
	}
	require.NoError(t, os.WriteFile(path, []byte(content+"\n"), 0o600))
}

func readOrEmpty(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return ""
	}
	require.NoError(t, err)
	return strings.TrimSuffix(string(b), "\n")
}
