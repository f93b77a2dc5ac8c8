package routeprocessor // import "github.com/unitrack/unitrack/processor/routeprocessor"

import (
	"errors"
	"fmt"
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"go.opentelemetry.io/collector/component"

	"github.com/unitrack/unitrack/internal/routing"
)

// Config is the configuration of one route processor instance. An instance is
// in table mode (evaluate the routing table and annotate track.routes) unless
// Select is set, in which case it is in select mode (keep only the records
// routed to that sink).
type Config struct {
	// Routes is the routing table: every route whose condition matches a
	// record adds its sinks to the record's track.routes.
	Routes []RouteConfig `mapstructure:"routes"`
	// DefaultSinks are the sinks of a record that no route matched. Required:
	// a record that goes nowhere would be lost without a trace.
	DefaultSinks []string `mapstructure:"default_sinks"`
	// ErrorMode is what a condition that fails to evaluate does: propagate
	// (the batch is refused with a permanent error), ignore (the route counts
	// as not matching, a warning is logged) or silent (as ignore, no log).
	ErrorMode ottl.ErrorMode `mapstructure:"error_mode"`
	// Select turns the instance into a select instance for that sink: it
	// evaluates nothing and keeps only records whose track.routes holds the
	// sink. Routes and DefaultSinks are then only the declaration (usually a
	// YAML alias of the table instance's) used to check that the sink exists.
	Select string `mapstructure:"select"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// RouteConfig is one row of the routing table.
type RouteConfig struct {
	// Name labels the route in errors, logs and metrics; optional, unique.
	Name string `mapstructure:"name"`
	// Condition is an OTTL condition in the log context.
	Condition string `mapstructure:"condition"`
	// Conditions are OTTL conditions OR'd together; use either Condition or
	// Conditions.
	Conditions []string `mapstructure:"conditions"`
	// Sinks are the sink names the route sends a matching record to.
	Sinks []string `mapstructure:"sinks"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// conditionTexts is the route's conditions, whichever key held them.
func (r *RouteConfig) conditionTexts() []string {
	if r.Condition != "" {
		return []string{r.Condition}
	}
	return r.Conditions
}

// label names a route in messages (see routing.Label).
func (r *RouteConfig) label(i int) string { return routing.Label(i, r.Name) }

// Validate checks the table without side effects. In table mode it also parses
// every condition (parsing is pure), so `otelcol validate` catches bad OTTL;
// the processor compiles them again when it is created.
func (cfg *Config) Validate() error {
	var errs []error
	names := map[string]int{}
	for i := range cfg.Routes {
		r := &cfg.Routes[i]
		if r.Condition != "" && len(r.Conditions) > 0 {
			errs = append(errs, fmt.Errorf("%s: set condition or conditions, not both", r.label(i)))
		}
		if len(r.conditionTexts()) == 0 {
			errs = append(errs, fmt.Errorf("%s: condition: must be an OTTL condition (log context), e.g. severity_number >= SEVERITY_NUMBER_ERROR", r.label(i)))
		}
		for j, c := range r.Conditions {
			if strings.TrimSpace(c) == "" {
				errs = append(errs, fmt.Errorf("%s: conditions::%d: must not be empty", r.label(i), j))
			}
		}
		if len(r.Sinks) == 0 {
			errs = append(errs, fmt.Errorf("%s: sinks: must name at least one sink", r.label(i)))
		}
		errs = append(errs, checkSinkNames(fmt.Sprintf("%s: sinks", r.label(i)), r.Sinks)...)
		if r.Name != "" {
			if first, dup := names[r.Name]; dup {
				errs = append(errs, fmt.Errorf("%s: name: %q is already the name of routes::%d", r.label(i), r.Name, first))
			} else {
				names[r.Name] = i
			}
		}
	}
	errs = append(errs, checkSinkNames("default_sinks", cfg.DefaultSinks)...)

	if cfg.Select != "" {
		errs = append(errs, cfg.validateSelect()...)
		return errors.Join(errs...)
	}

	if len(cfg.DefaultSinks) == 0 {
		errs = append(errs, errors.New("default_sinks: must name at least one sink, so that a record no route matches is not lost"))
	}
	switch cfg.ErrorMode {
	case ottl.PropagateError, ottl.IgnoreError, ottl.SilentError:
	default:
		errs = append(errs, fmt.Errorf("error_mode: %q is not one of propagate, ignore, silent", cfg.ErrorMode))
	}
	if len(errs) == 0 {
		if _, err := newTable(cfg, nopTelemetry()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (cfg *Config) validateSelect() []error {
	if len(cfg.Routes) == 0 && len(cfg.DefaultSinks) == 0 {
		return []error{fmt.Errorf("select: %q cannot be checked against the routing table: give the select instance the same table as the routing instance (routes: *table, default_sinks: *defaults)", cfg.Select)}
	}
	for _, s := range cfg.DefaultSinks {
		if s == cfg.Select {
			return nil
		}
	}
	for _, r := range cfg.Routes {
		for _, s := range r.Sinks {
			if s == cfg.Select {
				return nil
			}
		}
	}
	return []error{fmt.Errorf("select: no route and no default_sinks can produce sink %q (sinks in the table: [%s])", cfg.Select, strings.Join(cfg.allSinks(), ", "))}
}

// allSinks is the sorted, de-duplicated set of sink names the table can produce.
func (cfg *Config) allSinks() []string {
	var all []string
	for _, r := range cfg.Routes {
		all = append(all, r.Sinks...)
	}
	all = append(all, cfg.DefaultSinks...)
	return routing.SortedUnique(all)
}

func checkSinkNames(where string, sinks []string) []error {
	var errs []error
	for j, s := range sinks {
		if s == "" || strings.TrimSpace(s) != s {
			errs = append(errs, fmt.Errorf("%s::%d: %q is not a sink name (non-empty, no surrounding spaces)", where, j, s))
		}
	}
	return errs
}
