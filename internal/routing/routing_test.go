package routing

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottllog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestRouteReportsMatchedRoutes(t *testing.T) {
	routes := []Route{
		NewRoute(0, "errors", "severity_number >= SEVERITY_NUMBER_ERROR", nil, []string{"notify"}),
		NewRoute(1, "", "", []string{`event_name == "a"`, `event_name == "b"`}, []string{"blog", "notify"}),
	}
	tbl, err := Compile(routes, []string{"eventlog"}, componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	assert.Equal(t, []string{"blog", "eventlog", "notify"}, tbl.SinkNames)
	assert.Equal(t, "routes::1", tbl.RouteName(1))

	tests := []struct {
		name      string
		event     string
		sev       plog.SeverityNumber
		matched   []int
		sinks     []string
		unmatched bool
	}{
		{"both", "b", plog.SeverityNumberError, []int{0, 1}, []string{"blog", "notify"}, false},
		{"second condition of a list", "b", plog.SeverityNumberInfo, []int{1}, []string{"blog", "notify"}, false},
		{"none: default sinks", "c", plog.SeverityNumberInfo, nil, []string{"eventlog"}, true},
	}
	out := tbl.NewSinkSet()
	var res Result
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ld := plog.NewLogs()
			rl := ld.ResourceLogs().AppendEmpty()
			sl := rl.ScopeLogs().AppendEmpty()
			lr := sl.LogRecords().AppendEmpty()
			lr.SetEventName(tt.event)
			lr.SetSeverityNumber(tt.sev)
			tCtx := ottllog.NewTransformContext(rl, sl, lr)
			defer tCtx.Close()
			require.NoError(t, tbl.Route(context.Background(), tCtx, ottl.PropagateError, out, &res))
			assert.Equal(t, tt.matched, nilIfEmpty(res.Matched))
			assert.Equal(t, tt.sinks, tbl.Names(out))
			assert.Equal(t, tt.unmatched, res.Unmatched)
			tbl.Annotate(lr.Attributes(), out)
			v, _ := lr.Attributes().Get("track.routes")
			assert.Equal(t, len(tt.sinks), v.Slice().Len())
		})
	}
}

func nilIfEmpty(s []int) []int {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestCompileNamesTheRow(t *testing.T) {
	_, err := Compile([]Route{
		NewRoute(0, "ok", "true", nil, []string{"a"}),
		NewRoute(1, "bad", "", []string{"true", "severity_number >="}, []string{"b"}),
	}, []string{"a"}, componenttest.NewNopTelemetrySettings())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `routes::1 ("bad"): conditions::1 "severity_number >="`)
}
