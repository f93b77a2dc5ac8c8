// Hand-written in mdatagen's generated shape (mdatagen is not served here).

// Package metadata contains the build information of the browserguard extension.
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("browserguard")
	ScopeName = "github.com/unitrack/unitrack/extension/browserguardextension"
)

const (
	ExtensionStability = component.StabilityLevelAlpha
)
