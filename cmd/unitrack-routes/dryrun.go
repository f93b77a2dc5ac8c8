package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottllog"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/metric/noop"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/internal/incident"
	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/internal/pjson"
	"github.com/unitrack/unitrack/internal/routing"
	"github.com/unitrack/unitrack/internal/track"
	"github.com/unitrack/unitrack/processor/routeprocessor"
)

// Exit statuses.
const (
	exitOK       = 0
	exitBadEvent = 1 // the input is not valid for its format
	exitUsage    = 2 // bad arguments or an unusable config
)

// formatOTLPJSON is OTLP/JSON (what an SDK posts to /v1/logs).
const formatOTLPJSON = "otlp-json"

const usage = `usage: unitrack-routes test [--config otelcol.yaml] [--processor route] [--format FORMAT] EVENT.json|-

Decodes the event(s) in EVENT.json (or stdin for -) as the receiver of FORMAT
does, evaluates the routing table of the route processor in the config, and
prints each event, the routes that matched, its sinks and its incident.
FORMAT is one of %s, %s (default track_event).
Exit status: 0 when every event decoded, 1 for an invalid event, 2 for bad
arguments or config.
`

func formatNames() string {
	var names []string
	for _, f := range legacy.Formats {
		names = append(names, string(f.Format))
	}
	return strings.Join(names, ", ")
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "test" {
		fmt.Fprintf(stderr, usage, formatNames(), formatOTLPJSON)
		return exitUsage
	}
	fs := flag.NewFlagSet("unitrack-routes test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintf(stderr, usage, formatNames(), formatOTLPJSON) }
	configPath := fs.String("config", "otelcol.yaml", "collector config file")
	processor := fs.String("processor", "route", "the route processor instance that evaluates the table")
	format := fs.String("format", string(legacy.TrackEvent), "input format")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "unitrack-routes test: give one event file, or - for stdin")
		return exitUsage
	}
	cfg, tbl, err := loadTable(*configPath, *processor)
	if err != nil {
		fmt.Fprintf(stderr, "unitrack-routes test: %v\n", err)
		return exitUsage
	}
	body, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "unitrack-routes test: %v\n", err)
		return exitUsage
	}
	logs, evErrs, err := decode(*format, body, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "unitrack-routes test: %s: %v\n", fs.Arg(0), err)
		if errors.Is(err, errUnknownFormat) {
			return exitUsage
		}
		return exitBadEvent
	}
	verdicts := evaluate(cfg, tbl, logs, time.Now())
	for i, v := range verdicts {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		v.print(stdout)
	}
	for _, e := range evErrs {
		fmt.Fprintf(stderr, "unitrack-routes test: %s: event %v\n", fs.Arg(0), e)
	}
	if len(evErrs) > 0 {
		return exitBadEvent
	}
	return exitOK
}

func readInput(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(path)
}

var errUnknownFormat = errors.New("unknown format")

// decode reads the body exactly as the receiver of the format does:
// internal/legacy for the legacy paths, pdata's OTLP/JSON unmarshaler for
// OTLP. Invalid events of a batch come back one by one, the valid ones still
// decoded.
func decode(format string, body []byte, now time.Time) (plog.Logs, []legacy.EventError, error) {
	if format == formatOTLPJSON {
		logs, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(body)
		if err != nil {
			return plog.NewLogs(), nil, fmt.Errorf("not OTLP/JSON logs: %w", err)
		}
		if logs.LogRecordCount() == 0 {
			return plog.NewLogs(), nil, errors.New("no log record in the OTLP/JSON body (resourceLogs[].scopeLogs[].logRecords[])")
		}
		return logs, nil, nil
	}
	if _, ok := legacy.Lookup(legacy.Format(format)); !ok {
		return plog.NewLogs(), nil, fmt.Errorf("--format: %w %q: expected one of %s, %s", errUnknownFormat, format, formatNames(), formatOTLPJSON)
	}
	return legacy.Decode(legacy.Format(format), body, now)
}

// loadTable reads the collector config as the collector does (file and env
// providers, YAML anchors), takes the route processor instance's settings,
// validates them with the processor's own Validate and compiles its table.
func loadTable(path, processor string) (*routeprocessor.Config, *routing.Table, error) {
	resolver, err := confmap.NewResolver(confmap.ResolverSettings{
		URIs:              []string{"file:" + path},
		ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory()},
		DefaultScheme:     "env",
		ProviderSettings:  confmap.ProviderSettings{Logger: zap.NewNop()},
	})
	if err != nil {
		return nil, nil, err
	}
	conf, err := resolver.Resolve(context.Background())
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	procs, err := conf.Sub("processors")
	if err != nil {
		return nil, nil, fmt.Errorf("%s: processors: %w", path, err)
	}
	var routeProcs []string
	for k := range procs.ToStringMap() {
		if k == "route" || strings.HasPrefix(k, "route/") {
			routeProcs = append(routeProcs, k)
		}
	}
	slices.Sort(routeProcs)
	if !slices.Contains(routeProcs, processor) {
		return nil, nil, fmt.Errorf("%s: processors: no route processor %q (route processors there: [%s])", path, processor, strings.Join(routeProcs, ", "))
	}
	sub, err := procs.Sub(processor)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: processors::%s: %w", path, processor, err)
	}
	cfg := routeprocessor.NewFactory().CreateDefaultConfig().(*routeprocessor.Config)
	if err := sub.Unmarshal(cfg); err != nil {
		return nil, nil, fmt.Errorf("%s: processors::%s: %w", path, processor, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: processors::%s: %w", path, processor, err)
	}
	if cfg.Select != "" {
		return nil, nil, fmt.Errorf("%s: processors::%s only selects sink %q; give --processor the instance that evaluates the table (no select key), e.g. route", path, processor, cfg.Select)
	}
	routes := make([]routing.Route, len(cfg.Routes))
	for i, r := range cfg.Routes {
		routes[i] = routing.NewRoute(i, r.Name, r.Condition, r.Conditions, r.Sinks)
	}
	set := component.TelemetrySettings{Logger: zap.NewNop(), MeterProvider: noop.NewMeterProvider()}
	tbl, err := routing.Compile(routes, cfg.DefaultSinks, set)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: processors::%s: %w", path, processor, err)
	}
	return cfg, tbl, nil
}

// verdict is what the pipeline would do with one record.
type verdict struct {
	res      pcommon.Resource
	lr       plog.LogRecord
	scope    string
	matched  []string
	sinks    []string
	failures []string
	key      incident.Key
	kind     incident.Kind
}

// evaluate normalises every record as the route processor does, evaluates
// the table on it and classifies its incident.
func evaluate(cfg *routeprocessor.Config, tbl *routing.Table, logs plog.Logs, now time.Time) []verdict {
	var out []verdict
	set := tbl.NewSinkSet()
	var res routing.Result
	for _, rl := range logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				track.Normalize(lr, sl.Scope().Name(), now)
				tCtx := ottllog.NewTransformContext(rl, sl, lr)
				err := tbl.Route(context.Background(), tCtx, cfg.ErrorMode, set, &res)
				tCtx.Close()
				v := verdict{res: rl.Resource(), lr: lr, scope: sl.Scope().Name(), sinks: tbl.Names(set),
					key: incident.KeyOf(lr, rl.Resource()), kind: incident.Classify(lr)}
				for _, i := range res.Matched {
					v.matched = append(v.matched, tbl.RouteName(i))
				}
				for _, f := range res.Failures {
					v.failures = append(v.failures, f.Err.Error())
				}
				if err != nil {
					// error_mode propagate: the processor refuses the batch.
					v.sinks = nil
				}
				out = append(out, v)
			}
		}
	}
	return out
}

func (v *verdict) print(w io.Writer) {
	lr := v.lr
	name := lr.EventName()
	if name == "" {
		name = "(no event name)"
	}
	str := func(m pcommon.Map, k string) string {
		if a, ok := m.Get(k); ok {
			return a.AsString()
		}
		return "-"
	}
	attrs := lr.Attributes()
	fmt.Fprintf(w, "event     %s\n", name)
	fmt.Fprintf(w, "severity  %s (%d)%s\n", track.SeverityLabel(lr.SeverityNumber()), lr.SeverityNumber(), quoteIf(" text ", lr.SeverityText()))
	fmt.Fprintf(w, "time      %s\n", lr.Timestamp().AsTime().UTC().Format(time.RFC3339Nano))
	fmt.Fprintf(w, "service   %s\n", str(v.res.Attributes(), track.AttrServiceName))
	fmt.Fprintf(w, "source    %s, category %s, id %s\n", str(attrs, track.AttrSource), str(attrs, track.AttrCategory), str(attrs, track.AttrEventID))
	fmt.Fprintf(w, "body      %s\n", brief(lr.Body().AsString()))
	var extra []string
	for k, a := range attrs.All() {
		if strings.HasPrefix(k, "track.") {
			continue
		}
		extra = append(extra, k+"="+brief(string(pjson.AppendValue(nil, a))))
	}
	if len(extra) > 0 {
		fmt.Fprintf(w, "attrs     %s\n", strings.Join(extra, ", "))
	}
	switch {
	case len(v.matched) > 0:
		fmt.Fprintf(w, "routes    %s\n", strings.Join(v.matched, ", "))
	default:
		fmt.Fprintln(w, "routes    none matched: default_sinks")
	}
	for _, f := range v.failures {
		fmt.Fprintf(w, "failed    %s\n", f)
	}
	if v.sinks == nil {
		fmt.Fprintln(w, "sinks     none: error_mode propagate refuses the batch")
	} else {
		fmt.Fprintf(w, "sinks     %s\n", strings.Join(v.sinks, ", "))
	}
	subject := "no subject"
	if v.key.SubjectKey != "" {
		subject = v.key.SubjectKey + "=" + v.key.SubjectValue
	}
	fmt.Fprintf(w, "incident  %s, key %s (family %s, service %s, %s)\n", v.kind, v.key.String(), v.key.Family, v.key.Service, subject)
}

func quoteIf(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + fmt.Sprintf("%q", s)
}

// brief keeps one line of output per field.
func brief(s string) string {
	s = strings.ReplaceAll(s, "\n", `\n`)
	if len(s) > 120 {
		s = strings.ToValidUTF8(s[:120], "") + "..."
	}
	return s
}
