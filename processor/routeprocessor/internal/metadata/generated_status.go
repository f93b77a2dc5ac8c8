// Hand-written in the shape mdatagen generates (mdatagen is not served here).
// metadata_test.go in the component checks it against metadata.yaml: change both together.

// Package metadata contains the telemetry and build information for the
// processor/route component.
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("route")
	ScopeName = "github.com/unitrack/unitrack/processor/routeprocessor"
)

const (
	LogsStability = component.StabilityLevelAlpha
)
