package dashboardexporter

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/unitrack/unitrack/internal/track"
)

// testDashboard is a started dashboard exporter on a loopback port.
type testDashboard struct {
	t   testing.TB
	exp exporter.Logs
	de  *dashboardExporter
	URL string
	dir string
}

// startDashboard starts the exporter through its factory with the sending
// queue off (ConsumeLogs writes before it returns) unless queue is true.
func startDashboard(t testing.TB, dir string, mutate func(*Config)) *testDashboard {
	t.Helper()
	return startDashboardOn(t, componenttest.NewNopHost(), dir, mutate)
}

// startDashboardOn is startDashboard on a host (that offers extensions).
func startDashboardOn(t testing.TB, host component.Host, dir string, mutate func(*Config)) *testDashboard {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Directory = dir
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	set := exportertest.NewNopSettings(f.Type())
	var captured *dashboardExporter
	testHookCreated = func(e *dashboardExporter) { captured = e }
	defer func() { testHookCreated = nil }()
	exp, err := f.CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), host))
	td := &testDashboard{t: t, exp: exp, de: captured, dir: dir}
	td.URL = "http://" + captured.addr.String()
	t.Cleanup(func() { td.stop() })
	return td
}

func (td *testDashboard) stop() {
	if td.exp == nil {
		return
	}
	require.NoError(td.t, td.exp.Shutdown(context.Background()))
	td.exp = nil
	http.DefaultClient.CloseIdleConnections()
}

func (td *testDashboard) consume(ld plog.Logs) {
	td.t.Helper()
	require.NoError(td.t, td.exp.ConsumeLogs(context.Background(), ld))
}

// get fetches path and decodes the JSON answer into v (when not nil); it
// returns the status code.
func (td *testDashboard) get(path string, v any) (int, http.Header) {
	td.t.Helper()
	resp, err := http.Get(td.URL + path)
	require.NoError(td.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(td.t, err)
	if v != nil {
		require.NoError(td.t, json.Unmarshal(b, v), "body: %s", b)
	}
	return resp.StatusCode, resp.Header
}

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

type ev struct {
	id, name, body, category, source, service, sev string
	at                                             time.Duration
	attrs                                          map[string]any
}

var sevNumbers = map[string]plog.SeverityNumber{"DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}

// logsOf builds one resource per event (its service).
func logsOf(evs ...ev) plog.Logs {
	ld := plog.NewLogs()
	for _, e := range evs {
		rl := ld.ResourceLogs().AppendEmpty()
		svc := e.service
		if svc == "" {
			svc = "agent-runner"
		}
		rl.Resource().Attributes().PutStr(track.AttrServiceName, svc)
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(t0.Add(e.at)))
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(t0.Add(e.at)))
		sev := e.sev
		if sev == "" {
			sev = "INFO"
		}
		lr.SetSeverityNumber(sevNumbers[sev])
		lr.SetSeverityText(sev)
		lr.SetEventName(e.name)
		lr.Body().SetStr(e.body)
		if e.attrs != nil {
			if err := lr.Attributes().FromRaw(e.attrs); err != nil {
				panic(err)
			}
		}
		a := lr.Attributes()
		a.PutStr(track.AttrEventID, e.id)
		cat := e.category
		if cat == "" {
			cat = track.CategoryOf(e.name, "")
		}
		a.PutStr(track.AttrCategory, cat)
		src := e.source
		if src == "" {
			src = "track_event"
		}
		a.PutStr(track.AttrSource, src)
		r := a.PutEmptySlice(track.AttrRoutes)
		r.AppendEmpty().SetStr("dashboard")
		r.AppendEmpty().SetStr("eventlog")
	}
	return ld
}

// sseReader reads Server-Sent Events messages.
type sseReader struct {
	resp *http.Response
	sc   *bufio.Scanner
}

type sseMessage struct{ id, event, data string }

func openStream(t testing.TB, url string, header http.Header) *sseReader {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	t.Cleanup(func() { resp.Body.Close() })
	return &sseReader{resp: resp, sc: bufio.NewScanner(resp.Body)}
}

// next returns the next message that has data (comments are skipped).
func (r *sseReader) next() (sseMessage, error) {
	var m sseMessage
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case line == "":
			if m.data != "" {
				return m, nil
			}
			m = sseMessage{}
		case strings.HasPrefix(line, "id: "):
			m.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			m.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			m.data += line[6:]
		}
	}
	if err := r.sc.Err(); err != nil {
		return m, err
	}
	return m, io.EOF
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func exportertestSettings(f exporter.Factory) exporter.Settings {
	return exportertest.NewNopSettings(f.Type())
}

func nopHost() component.Host { return componenttest.NewNopHost() }
