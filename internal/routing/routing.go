// Package routing is the routing table's evaluation: OTTL conditions on a log
// record, compiled once, choosing the sinks the record goes to. The route
// processor runs it on every record; cmd/unitrack-routes runs it on one event
// to show what the processor would decide.
package routing

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

	"github.com/unitrack/unitrack/internal/track"
)

// Route is one row of the table as configured.
type Route struct {
	// Name names the route in metrics and in the dry run ("routes::i" when
	// the row has no name).
	Name string
	// Label names the route in errors: its config path and its name.
	Label string
	// Conditions are OTTL conditions in the log context, OR'd together.
	Conditions []string
	// FromList says the conditions came from the `conditions` key, so that
	// an error points at conditions::j rather than condition.
	FromList bool
	// Sinks are the sinks a matching record goes to.
	Sinks []string
}

// NewRoute is row i of a table as configured, with either one condition or
// a list of conditions.
func NewRoute(i int, name, condition string, conditions, sinks []string) Route {
	r := Route{Name: name, Label: Label(i, name), Sinks: sinks}
	if r.Name == "" {
		r.Name = "routes::" + strconv.Itoa(i)
	}
	if condition != "" {
		r.Conditions = []string{condition}
	} else {
		r.Conditions, r.FromList = conditions, true
	}
	return r
}

// Label names row i in messages as the collector writes config paths
// (routes::i), with the route's name when it has one, so that an error points
// at one row of the table and a reader of a long table finds it by name.
func Label(i int, name string) string {
	if name == "" {
		return "routes::" + strconv.Itoa(i)
	}
	return fmt.Sprintf("routes::%d (%q)", i, name)
}

type compiledRoute struct {
	name, label string
	conditions  []*ottl.Condition[*ottllog.TransformContext]
	sinks       SinkSet
}

// Table is the compiled routing table: the sink universe (sorted names,
// indexed), the routes, and the default sinks, all as bit sets over it.
type Table struct {
	// SinkNames are every sink the table can produce, sorted; a SinkSet's
	// index i is SinkNames[i].
	SinkNames []string
	routes    []compiledRoute
	defaults  SinkSet
}

// SinkSet is a bit set over Table.SinkNames.
type SinkSet []uint64

// NewSinkSet is an empty set over the table's sinks.
func (t *Table) NewSinkSet() SinkSet { return make(SinkSet, (len(t.SinkNames)+63)/64) }

// Add puts sink i in the set.
func (s SinkSet) Add(i int) { s[i/64] |= 1 << (uint(i) % 64) }

// Has reports whether sink i is in the set.
func (s SinkSet) Has(i int) bool { return s[i/64]&(1<<(uint(i)%64)) != 0 }

// Clear empties the set.
func (s SinkSet) Clear() { clear(s) }

func (s SinkSet) union(o SinkSet) {
	for w := range s {
		s[w] |= o[w]
	}
}

// Names are the sinks in the set, in table order.
func (t *Table) Names(s SinkSet) []string {
	var out []string
	for i, name := range t.SinkNames {
		if s.Has(i) {
			out = append(out, name)
		}
	}
	return out
}

// Len is the number of routes.
func (t *Table) Len() int { return len(t.routes) }

// RouteName is the name of route i (see Route.Name).
func (t *Table) RouteName(i int) string { return t.routes[i].name }

// ConditionFuncs are the OTTL converters a condition may call (IsMatch,
// Int, Len, ...), the same set contrib's routing connector offers.
func ConditionFuncs() map[string]ottl.Factory[*ottllog.TransformContext] {
	return ottlfuncs.StandardConverters[*ottllog.TransformContext]()
}

// Compile parses every condition of the table; the error names each failing
// route by its label, with the OTTL error.
func Compile(routes []Route, defaultSinks []string, set component.TelemetrySettings) (*Table, error) {
	parser, err := ottllog.NewParser(ConditionFuncs(), set)
	if err != nil {
		return nil, fmt.Errorf("creating the OTTL log parser: %w", err)
	}
	var all []string
	for _, r := range routes {
		all = append(all, r.Sinks...)
	}
	all = append(all, defaultSinks...)
	t := &Table{SinkNames: SortedUnique(all), routes: make([]compiledRoute, len(routes))}
	index := make(map[string]int, len(t.SinkNames))
	for i, s := range t.SinkNames {
		index[s] = i
	}
	toSet := func(sinks []string) SinkSet {
		s := t.NewSinkSet()
		for _, name := range sinks {
			s.Add(index[name])
		}
		return s
	}
	var errs []error
	for i, r := range routes {
		cr := compiledRoute{name: r.Name, label: r.Label, sinks: toSet(r.Sinks)}
		for j, text := range r.Conditions {
			c, err := parser.ParseCondition(text)
			if err != nil {
				where := "condition"
				if r.FromList {
					where = "conditions::" + strconv.Itoa(j)
				}
				errs = append(errs, fmt.Errorf("%s: %s %q: %w", r.Label, where, text, err))
				continue
			}
			cr.conditions = append(cr.conditions, c)
		}
		t.routes[i] = cr
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	t.defaults = toSet(defaultSinks)
	return t, nil
}

// Result is what evaluating the table did to one record.
type Result struct {
	// Matched are the indexes of the routes whose condition matched.
	Matched []int
	// Unmatched: no route matched, so the record got the default sinks.
	Unmatched bool
	// Failures are the conditions that failed to evaluate, one entry each.
	Failures []Failure
}

// Failure is one condition that failed to evaluate.
type Failure struct {
	Route int
	Err   error
}

// Route evaluates every route of the table once against the record and puts
// the union of the matching routes' sinks (or the default sinks) into out.
// A condition that fails counts as not matching; under propagate, Route stops
// and returns the error.
func (t *Table) Route(ctx context.Context, tCtx *ottllog.TransformContext, errorMode ottl.ErrorMode, out SinkSet, res *Result) error {
	out.Clear()
	res.Matched = res.Matched[:0]
	res.Failures = res.Failures[:0]
	for i := range t.routes {
		r := &t.routes[i]
		for _, c := range r.conditions {
			ok, err := c.Eval(ctx, tCtx)
			if err != nil {
				err = fmt.Errorf("%s: condition %q: %w", r.label, c.String(), err)
				res.Failures = append(res.Failures, Failure{Route: i, Err: err})
				if errorMode == ottl.PropagateError {
					return err
				}
				continue
			}
			if ok {
				out.union(r.sinks)
				res.Matched = append(res.Matched, i)
				break
			}
		}
	}
	res.Unmatched = len(res.Matched) == 0
	if res.Unmatched {
		copy(out, t.defaults)
	}
	return nil
}

// Annotate writes the sinks of out, in sorted order, as the record's
// track.routes slice attribute, replacing any value it had.
func (t *Table) Annotate(attrs pcommon.Map, out SinkSet) {
	n := 0
	for i := range t.SinkNames {
		if out.Has(i) {
			n++
		}
	}
	sl := attrs.PutEmptySlice(track.AttrRoutes)
	sl.EnsureCapacity(n)
	for i, name := range t.SinkNames {
		if out.Has(i) {
			sl.AppendEmpty().SetStr(name)
		}
	}
}

// SortedUnique returns the sorted set of names.
func SortedUnique(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}

// Holds reports whether a record's attributes route it to sink (its
// track.routes holds the name), and whether it carries track.routes at all.
// A string value counts as a one-element list; any other type holds nothing.
func Holds(attrs pcommon.Map, sink string) (has, routed bool) {
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
