// Hand-written in the mdatagen shape: mdatagen is not served here.

// Package metadata contains the build information for the extension/sinkhealth component.
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("sinkhealth")
	ScopeName = "github.com/unitrack/unitrack/extension/sinkhealthextension"
)

const (
	ExtensionStability = component.StabilityLevelAlpha
)
