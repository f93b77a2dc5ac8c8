// Package metadata holds the type and stability of the kafka_storage
// extension (the shape mdatagen writes; written by hand, mdatagen is not
// served here).
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("kafka_storage")
	ScopeName = "github.com/unitrack/unitrack/extension/kafkastorageextension"
)

const (
	ExtensionStability = component.StabilityLevelAlpha
)
