package routeprocessor // import "github.com/unitrack/unitrack/processor/routeprocessor"

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/metric/noop"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/internal/routing"
)

func nopTelemetry() component.TelemetrySettings {
	return component.TelemetrySettings{Logger: zap.NewNop(), MeterProvider: noop.NewMeterProvider()}
}

// routingRoutes is the table as internal/routing compiles it.
func routingRoutes(routes []RouteConfig) []routing.Route {
	out := make([]routing.Route, len(routes))
	for i := range routes {
		r := &routes[i]
		out[i] = routing.NewRoute(i, r.Name, r.Condition, r.Conditions, r.Sinks)
	}
	return out
}

// newTable compiles the configuration's routing table.
func newTable(cfg *Config, set component.TelemetrySettings) (*routing.Table, error) {
	return routing.Compile(routingRoutes(cfg.Routes), cfg.DefaultSinks, set)
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
				has, routed := routing.Holds(lr.Attributes(), sink)
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
