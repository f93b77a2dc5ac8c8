// Hand-written in mdatagen's shape (mdatagen is not available here); keep it
// in step with ../../metadata.yaml.

// Package metadata holds the anomaly connector's type, stability and
// telemetry builder.
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("anomaly")
	ScopeName = "github.com/unitrack/unitrack/connector/anomalyconnector"
)

const (
	LogsToLogsStability = component.StabilityLevelAlpha
)
