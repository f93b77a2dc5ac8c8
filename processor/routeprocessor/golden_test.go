package routeprocessor

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/unitrack/unitrack/internal/routing"
	"github.com/unitrack/unitrack/internal/track"
	"github.com/unitrack/unitrack/processor/routeprocessor/internal/metadata"
)

var update = flag.Bool("update", false, "rewrite testdata/<case>/input.yaml from events_test.go and the expected <sink>.yaml files from the processor's output")

const defaultTableFile = "testdata/default_table.yaml"

// defaultTableConfig is the `route` processor of the default table file.
func defaultTableConfig(t testing.TB) *Config {
	t.Helper()
	return processorConfig(t, defaultTableFile, "processors", "route")
}

// processorConfig loads and validates the processor config at keys... of a file.
func processorConfig(t testing.TB, file string, keys ...string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(file)
	require.NoError(t, err)
	for _, k := range keys {
		cm, err = cm.Sub(k)
		require.NoError(t, err)
	}
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, cm.Unmarshal(cfg))
	require.NoError(t, confmap.Validate(cfg))
	return cfg
}

// runTable runs a table-mode instance over a copy of input.
func runTable(t *testing.T, cfg *Config, input plog.Logs) (plog.Logs, error) {
	t.Helper()
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	ld := plog.NewLogs()
	input.CopyTo(ld)
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		assert.Empty(t, sink.AllLogs(), "a refused batch must not go on")
		return plog.Logs{}, err
	}
	require.Len(t, sink.AllLogs(), 1)
	return sink.AllLogs()[0], nil
}

// runSelect runs a select instance for sink over a copy of routed; ok is
// false when it passed nothing on.
func runSelect(t *testing.T, table *Config, sinkName string, routed plog.Logs) (plog.Logs, bool) {
	t.Helper()
	cfg := *table
	cfg.Select = sinkName
	require.NoError(t, confmap.Validate(&cfg))
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), &cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	ld := plog.NewLogs()
	routed.CopyTo(ld)
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))
	if len(sink.AllLogs()) == 0 {
		return plog.Logs{}, false
	}
	require.Len(t, sink.AllLogs(), 1)
	return sink.AllLogs()[0], true
}

// TestGolden runs each testdata/<case>: the table instance of config.yaml
// (the default table when the case has none) over input.yaml, then one
// select instance per sink over its output. <sink>.yaml is what that sink
// must receive; a missing <sink>.yaml means the sink must receive nothing.
// error.txt, when present, is the error the table instance must refuse the
// batch with.
func TestGolden(t *testing.T) {
	cases := make([]string, 0, len(goldenInputs))
	for c := range goldenInputs {
		cases = append(cases, c)
	}
	slices.Sort(cases)
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			cfg := defaultTableConfig(t)
			if _, err := os.Stat(filepath.Join(dir, "config.yaml")); err == nil {
				cfg = processorConfig(t, filepath.Join(dir, "config.yaml"), "route")
			}

			inputFile := filepath.Join(dir, "input.yaml")
			if *update {
				require.NoError(t, golden.WriteLogs(t, inputFile, goldenInputs[name]()))
			}
			input, err := golden.ReadLogs(inputFile)
			require.NoError(t, err)
			require.NoError(t, plogtest.CompareLogs(goldenInputs[name](), input),
				"input.yaml differs from events_test.go: run with -update")

			routed, err := runTable(t, cfg, input)
			errFile := filepath.Join(dir, "error.txt")
			if wantErr, readErr := os.ReadFile(errFile); readErr == nil {
				require.Error(t, err)
				assert.True(t, consumererror.IsPermanent(err), "a failing condition fails the same way on retry: %v", err)
				assert.Equal(t, strings.TrimSpace(string(wantErr)), err.Error())
				assertNoSinkFiles(t, dir)
				return
			}
			require.NoError(t, err)
			assertAllRouted(t, routed)

			for _, sinkName := range sinksToCheck(t, cfg, dir) {
				got, ok := runSelect(t, cfg, sinkName, routed)
				file := filepath.Join(dir, sinkName+".yaml")
				if *update {
					writeExpected(t, file, got, ok, input)
				}
				expected, readErr := golden.ReadLogs(file)
				if errors.Is(readErr, os.ErrNotExist) {
					if ok {
						t.Errorf("sink %q must stay empty, got %d records", sinkName, got.LogRecordCount())
					}
					continue
				}
				require.NoError(t, readErr)
				require.True(t, ok, "sink %q got nothing, want %d records", sinkName, expected.LogRecordCount())
				assert.NoError(t, plogtest.CompareLogs(expected, got,
					plogtest.IgnoreLogRecordAttributeValue(track.AttrEventID)),
					"sink %q", sinkName)
			}
		})
	}
}

// sinksToCheck is every sink of the table plus any <sink>.yaml in the case
// directory, so that an expected file for a sink the table cannot produce
// fails the test instead of being skipped.
func sinksToCheck(t *testing.T, cfg *Config, dir string) []string {
	t.Helper()
	sinks := cfg.allSinks()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		n := e.Name()
		if n == "config.yaml" || n == "input.yaml" || !strings.HasSuffix(n, ".yaml") {
			continue
		}
		sinks = append(sinks, strings.TrimSuffix(n, ".yaml"))
	}
	return routing.SortedUnique(sinks)
}

func assertNoSinkFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		n := e.Name()
		assert.Contains(t, []string{"config.yaml", "input.yaml", "error.txt"}, n, "a refused batch reaches no sink")
	}
}

// assertAllRouted checks what the golden comparison masks: every record has
// an event id (kept, or minted as a 26-character ULID) and a track.routes.
func assertAllRouted(t *testing.T, ld plog.Logs) {
	t.Helper()
	forEachRecord(ld, func(lr plog.LogRecord) {
		id, ok := lr.Attributes().Get(track.AttrEventID)
		if assert.True(t, ok, "record %q has no %s", lr.Body().AsString(), track.AttrEventID) {
			assert.NotEmpty(t, id.Str())
		}
		routes, ok := lr.Attributes().Get(track.AttrRoutes)
		if assert.True(t, ok, "record %q has no %s", lr.Body().AsString(), track.AttrRoutes) {
			assert.NotZero(t, routes.Slice().Len(), "record %q goes nowhere", lr.Body().AsString())
		}
	})
}

func forEachRecord(ld plog.Logs, f func(plog.LogRecord)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				f(lrs.At(k))
			}
		}
	}
}

// writeExpected writes (or removes) a sink's expected file; ids the processor
// minted are replaced by a placeholder so that regenerating gives no diff.
func writeExpected(t *testing.T, file string, got plog.Logs, ok bool, input plog.Logs) {
	t.Helper()
	if !ok {
		err := os.Remove(file)
		if !errors.Is(err, os.ErrNotExist) {
			require.NoError(t, err)
		}
		return
	}
	inputIDs := map[string]bool{}
	forEachRecord(input, func(lr plog.LogRecord) {
		if v, ok := lr.Attributes().Get(track.AttrEventID); ok {
			inputIDs[v.Str()] = true
		}
	})
	out := plog.NewLogs()
	got.CopyTo(out)
	forEachRecord(out, func(lr plog.LogRecord) {
		if v, ok := lr.Attributes().Get(track.AttrEventID); ok && !inputIDs[v.Str()] {
			v.SetStr("(minted by the processor)")
		}
	})
	require.NoError(t, golden.WriteLogs(t, file, out))
}

var _ component.Config = (*Config)(nil)
