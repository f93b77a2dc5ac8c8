package sinksconnector

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

var update = flag.Bool("update", false, "rewrite testdata/<case>/<pipeline>.yaml from the connector's output")

// Golden cases: testdata/<case>/input.yaml goes through the connector into
// three pipelines (dashboard and eventlog must not drop, observability is
// optional); testdata/<case>/<pipeline>.yaml is what each pipeline's
// exporter got, with the pipeline's own mutation (resource attribute sink).
// A missing file means the pipeline must get nothing.
func TestGolden(t *testing.T) {
	cases := []struct {
		name      string
		full      string // pipeline whose queue is full before the request
		wantError bool
	}{
		{name: "all_take"},
		{name: "optional_full", full: "observability"},
		{name: "required_full", full: "eventlog", wantError: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join("testdata", tc.name)
			input, err := golden.ReadLogs(filepath.Join(dir, "input.yaml"))
			require.NoError(t, err)
			pipes := map[string]*testPipeline{}
			policies := map[*testPipeline]string{}
			for name, policy := range map[string]string{"dashboard": "block", "eventlog": "block", "observability": "drop_newest"} {
				size := int64(10)
				if name == tc.full {
					size = 1
				}
				p := newTestPipeline(t, name, size, nil)
				pipes[name] = p
				policies[p] = policy
			}
			if tc.full != "" {
				pipes[tc.full].fill(t)
			}
			c := newConnector(t, nil, 100*time.Millisecond, policies)
			err = c.ConsumeLogs(context.Background(), input)
			if tc.wantError {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
			}
			// Let every queue deliver what it took, up to a sentinel sent
			// after the request (the full one's filler records are not part
			// of the case).
			for name, p := range pipes {
				file := filepath.Join(dir, name+".yaml")
				var got []plog.Logs
				if name != tc.full {
					got = p.settle(t)
				}
				if *update {
					_ = os.Remove(file)
					if len(got) > 0 {
						require.NoError(t, golden.WriteLogs(t, file, got[0]))
					}
					continue
				}
				expected, readErr := golden.ReadLogs(file)
				if errors.Is(readErr, os.ErrNotExist) {
					assert.Empty(t, got, "%s must get nothing", name)
					continue
				}
				require.NoError(t, readErr)
				require.Len(t, got, 1, "%s: one request", name)
				assert.NoError(t, plogtest.CompareLogs(expected, got[0]), "%s", name)
			}
		})
	}
}
