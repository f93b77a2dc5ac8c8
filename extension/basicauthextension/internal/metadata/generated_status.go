// Hand-written in mdatagen's generated shape (mdatagen is not served here).

// Package metadata contains the build information of the basicauth extension.
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("basicauth")
	ScopeName = "github.com/unitrack/unitrack/extension/basicauthextension"
)

const (
	ExtensionStability = component.StabilityLevelAlpha
)
