// Hand-written in the shape mdatagen generates (mdatagen is not served here).
// metadata_test.go in the component checks it against metadata.yaml: change both together.

// Package metadata contains the telemetry and build information for the
// receiver/track component.
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("track")
	ScopeName = "github.com/unitrack/unitrack/receiver/trackreceiver"
)

const (
	LogsStability = component.StabilityLevelAlpha
)
