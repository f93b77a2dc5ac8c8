package routeprocessor // import "github.com/unitrack/unitrack/processor/routeprocessor"

import (
	"context"
	"sync"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottllog"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processorhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/internal/routing"
	"github.com/unitrack/unitrack/internal/track"
	"github.com/unitrack/unitrack/processor/routeprocessor/internal/metadata"
)

// tableProcessor evaluates the routing table once per record and writes the
// chosen sinks on it as track.routes.
type tableProcessor struct {
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	table     *routing.Table
	errorMode ottl.ErrorMode
	now       func() time.Time

	// sinkAttrs and routeAttrs are the metric attribute sets, built once so
	// that counting allocates nothing.
	sinkAttrs  []metric.AddOption
	routeAttrs []metric.AddOption
}

func newTableProcessor(cfg *Config, logger *zap.Logger, tb *metadata.TelemetryBuilder, t *routing.Table) *tableProcessor {
	p := &tableProcessor{
		logger:    logger,
		telemetry: tb,
		table:     t,
		errorMode: cfg.ErrorMode,
		now:       time.Now,
	}
	for _, s := range t.SinkNames {
		p.sinkAttrs = append(p.sinkAttrs, metric.WithAttributeSet(attribute.NewSet(attribute.String("sink", s))))
	}
	for i := 0; i < t.Len(); i++ {
		p.routeAttrs = append(p.routeAttrs, metric.WithAttributeSet(attribute.NewSet(attribute.String("route", t.RouteName(i)))))
	}
	return p
}

func (p *tableProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	now := p.now()
	out := p.table.NewSinkSet()
	perSink := make([]int64, len(p.table.SinkNames))
	var unmatched int64
	var res routing.Result
	var routeErr error

	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len() && routeErr == nil; i++ {
		rl := rls.At(i)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len() && routeErr == nil; j++ {
			sl := sls.At(j)
			scopeName := sl.Scope().Name()
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				track.Normalize(lr, scopeName, now)
				tCtx := ottllog.NewTransformContext(rl, sl, lr)
				err := p.table.Route(ctx, tCtx, p.errorMode, out, &res)
				tCtx.Close()
				p.reportFailures(ctx, &res)
				if err != nil {
					routeErr = err
					break
				}
				if res.Unmatched {
					unmatched++
				}
				p.table.Annotate(lr.Attributes(), out)
				for s := range perSink {
					if out.Has(s) {
						perSink[s]++
					}
				}
			}
		}
	}

	if routeErr != nil {
		// The same record fails the same way every time: retrying cannot help.
		// Nothing of a refused batch counts as routed.
		return ld, consumererror.NewPermanent(routeErr)
	}
	for s, n := range perSink {
		if n > 0 {
			p.telemetry.ProcessorRouteRecordsRouted.Add(ctx, n, p.sinkAttrs[s])
		}
	}
	if unmatched > 0 {
		p.telemetry.ProcessorRouteRecordsUnmatched.Add(ctx, unmatched)
	}
	return ld, nil
}

func (p *tableProcessor) reportFailures(ctx context.Context, res *routing.Result) {
	for _, f := range res.Failures {
		p.telemetry.ProcessorRouteConditionErrors.Add(ctx, 1, p.routeAttrs[f.Route])
		switch p.errorMode {
		case ottl.IgnoreError:
			p.logger.Warn("Route condition failed; the route counts as not matching", zap.Error(f.Err))
		case ottl.PropagateError:
			p.logger.Warn("Route condition failed; refusing the batch", zap.Error(f.Err))
		}
	}
}

// selectProcessor keeps only the records routed to one sink.
type selectProcessor struct {
	sink      string
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	attrs     metric.AddOption
	// warnUnrouted makes the first record without track.routes log a
	// warning: it means the sink pipeline is fed by something other than a
	// pipeline with the table instance, and everything it gets is dropped.
	warnUnrouted sync.Once
}

func newSelectProcessor(sink string, logger *zap.Logger, tb *metadata.TelemetryBuilder) *selectProcessor {
	return &selectProcessor{
		sink:      sink,
		logger:    logger,
		telemetry: tb,
		attrs:     metric.WithAttributeSet(attribute.NewSet(attribute.String("sink", sink))),
	}
}

func (p *selectProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	res := selectSink(ld, p.sink)
	if res.kept > 0 {
		p.telemetry.ProcessorRouteRecordsKept.Add(ctx, int64(res.kept), p.attrs)
	}
	if res.dropped > 0 {
		p.telemetry.ProcessorRouteRecordsDropped.Add(ctx, int64(res.dropped), p.attrs)
	}
	if res.unrouted > 0 {
		p.warnUnrouted.Do(func() {
			p.logger.Warn("Records without track.routes reached a select instance and were dropped; "+
				"is the route processor (table mode) in the pipeline that feeds this one? (logged once)",
				zap.String("sink", p.sink), zap.Int("records", res.unrouted))
		})
	}
	if ld.ResourceLogs().Len() == 0 {
		return ld, processorhelper.ErrSkipProcessingData
	}
	return ld, nil
}
