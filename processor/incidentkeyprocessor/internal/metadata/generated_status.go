// Package metadata holds the type and stability of the incidentkey processor
// (the shape mdatagen writes; written by hand, mdatagen is not served here).
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("incidentkey")
	ScopeName = "github.com/unitrack/unitrack/processor/incidentkeyprocessor"
)

const (
	LogsStability = component.StabilityLevelAlpha
)
