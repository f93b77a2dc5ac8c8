// Hand-written in the mdatagen shape: mdatagen is not served here.
// ../../metadata_test.go checks it against ../../metadata.yaml.

// Package metadata contains the build information for the extension/incidents component.
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("incidents")
	ScopeName = "github.com/unitrack/unitrack/extension/incidentsextension"
)

const (
	ExtensionStability = component.StabilityLevelAlpha
)
