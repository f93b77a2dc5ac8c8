// Hand-written in the mdatagen shape: mdatagen is not served here.

// Package metadata contains the telemetry and build information for the
// connector/sinks component.
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("sinks")
	ScopeName = "github.com/unitrack/unitrack/connector/sinksconnector"
)

const (
	LogsToLogsStability = component.StabilityLevelAlpha
)
