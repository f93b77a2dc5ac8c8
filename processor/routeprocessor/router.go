package routeprocessor // import "github.com/unitrack/unitrack/processor/routeprocessor"

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottllog"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/metric/noop"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/internal/track"
)

// compiledRoute is one row of the table, ready to evaluate.
type compiledRoute struct {
	name       string // for logs and metrics
	label      string // for errors: index, name and sinks
	conditions []*ottl.Condition[*ottllog.TransformContext]
	sinks      sinkSet
}

// table is the compiled routing table: the sink universe (sorted names,
// indexed), the routes, and the default sinks, all as bit sets over it.
type table struct {
	sinkNames []string
	routes    []compiledRoute
	defaults  sinkSet
}

// sinkSet is a bit set over table.sinkNames.
type sinkSet []uint64

func newSinkSet(n int) sinkSet { return make(sinkSet, (n+63)/64) }

func (s sinkSet) add(i int)      { s[i/64] |= 1 << (uint(i) % 64) }
func (s sinkSet) has(i int) bool { return s[i/64]&(1<<(uint(i)%64)) != 0 }
func (s sinkSet) union(o sinkSet) {
	for w := range s {
		s[w] |= o[w]
	}
}
func (s sinkSet) copyFrom(o sinkSet) { copy(s, o) }
func (s sinkSet) clear() {
	for w := range s {
		s[w] = 0
	}
}

func (s sinkSet) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

func nopTelemetry() component.TelemetrySettings {
	return component.TelemetrySettings{Logger: zap.NewNop(), MeterProvider: noop.NewMeterProvider()}
}

// conditionFuncs are the OTTL converters a condition may call (IsMatch,
// Int, Len, ...), the same set contrib's routing connector offers.
func conditionFuncs() map[string]ottl.Factory[*ottllog.TransformContext] {
	return ottlfuncs.StandardConverters[*ottllog.TransformContext]()
}

// compileRoutes parses every condition of the table; the error names each
// failing route by index, name and sinks, with the OTTL error.
func compileRoutes(routes []RouteConfig, set component.TelemetrySettings) ([]compiledRoute, error) {
	parser, err := ottllog.NewParser(conditionFuncs(), set)
	if err != nil {
		return nil, fmt.Errorf("creating the OTTL log parser: %w", err)
	}
	var errs []error
	out := make([]compiledRoute, len(routes))
	for i := range routes {
		r := &routes[i]
		out[i] = compiledRoute{name: r.metricName(i), label: r.label(i)}
		for j, text := range r.conditionTexts() {
			c, err := parser.ParseCondition(text)
			if err != nil {
				where := "condition"
				if r.Condition == "" {
					where = "conditions[" + strconv.Itoa(j) + "]"
				}
				errs = append(errs, fmt.Errorf("%s: %s %q: %w", r.label(i), where, text, err))
				continue
			}
			out[i].conditions = append(out[i].conditions, c)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// newTable compiles the configuration's routing table.
func newTable(cfg *Config, set component.TelemetrySettings) (*table, error) {
	routes, err := compileRoutes(cfg.Routes, set)
	if err != nil {
		return nil, err
	}
	t := &table{sinkNames: cfg.allSinks(), routes: routes}
	index := make(map[string]int, len(t.sinkNames))
	for i, s := range t.sinkNames {
		index[s] = i
	}
	toSet := func(sinks []string) sinkSet {
		s := newSinkSet(len(t.sinkNames))
		for _, name := range sinks {
			s.add(index[name])
		}
		return s
	}
	for i := range cfg.Routes {
		t.routes[i].sinks = toSet(cfg.Routes[i].Sinks)
	}
	t.defaults = toSet(cfg.DefaultSinks)
	return t, nil
}

// routeResult is what evaluating the table did to one record.
type routeResult struct {
	unmatched bool
	// failures are the conditions that failed to evaluate, one entry each.
	failures []conditionFailure
}

type conditionFailure struct {
	route int
	err   error
}

// route evaluates every route of the table once against the record and puts
// the union of the matching routes' sinks (or the default sinks) into out.
// A condition that fails counts as not matching; under propagate, route stops
// and returns the error.
func (t *table) route(ctx context.Context, tCtx *ottllog.TransformContext, errorMode ottl.ErrorMode, out sinkSet, res *routeResult) error {
	out.clear()
	res.failures = res.failures[:0]
	matched := false
	for i := range t.routes {
		r := &t.routes[i]
		for _, c := range r.conditions {
			ok, err := c.Eval(ctx, tCtx)
			if err != nil {
				err = fmt.Errorf("%s: condition %q: %w", r.label, c.String(), err)
				res.failures = append(res.failures, conditionFailure{route: i, err: err})
				if errorMode == ottl.PropagateError {
					return err
				}
				continue
			}
			if ok {
				out.union(r.sinks)
				matched = true
				break
			}
		}
	}
	res.unmatched = !matched
	if !matched {
		out.copyFrom(t.defaults)
	}
	return nil
}

// annotate writes the sinks of out, in sorted order, as the record's
// track.routes slice attribute, replacing any value it had.
func (t *table) annotate(attrs pcommon.Map, out sinkSet) {
	n := 0
	for i := range t.sinkNames {
		if out.has(i) {
			n++
		}
	}
	sl := attrs.PutEmptySlice(track.AttrRoutes)
	sl.EnsureCapacity(n)
	for i, name := range t.sinkNames {
		if out.has(i) {
			sl.AppendEmpty().SetStr(name)
		}
	}
}

// hasRoute reports whether the record's track.routes holds sink, and whether
// it has a track.routes at all. A string value counts as a one-element list;
// any other type holds nothing.
func hasRoute(attrs pcommon.Map, sink string) (has, routed bool) {
	v, ok := attrs.Get(track.AttrRoutes)
	if !ok {
		return false, false
	}
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		sl := v.Slice()
		for i := 0; i < sl.Len(); i++ {
			if e := sl.At(i); e.Type() == pcommon.ValueTypeStr && e.Str() == sink {
				return true, true
			}
		}
	case pcommon.ValueTypeStr:
		return v.Str() == sink, true
	}
	return false, true
}

// selectResult counts what selectSink did.
type selectResult struct {
	kept, dropped int
	// unrouted are the dropped records that had no track.routes at all.
	unrouted int
}

// selectSink removes every record whose track.routes does not hold sink, and
// the resource and scope containers left empty.
func selectSink(ld plog.Logs, sink string) selectResult {
	var res selectResult
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
				has, routed := hasRoute(lr.Attributes(), sink)
				if has {
					res.kept++
					return false
				}
				res.dropped++
				if !routed {
					res.unrouted++
				}
				return true
			})
			return sl.LogRecords().Len() == 0
		})
		return rl.ScopeLogs().Len() == 0
	})
	return res
}

// sortedUnique returns the sorted set of names.
func sortedUnique(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}
