// Hand-written in the shape mdatagen generates (mdatagen is not served here).
// metadata_test.go in the component checks it against metadata.yaml: change both together.

// Package metadata contains the telemetry and build information for the
// exporter/eventlog component.
package metadata

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

var (
	Type      = component.MustNewType("eventlog")
	ScopeName = "github.com/unitrack/unitrack/exporter/eventlogexporter"
)

const (
	LogsStability = component.StabilityLevelAlpha
)

// NewDefaultSendingQueueConfig returns the sending queue default declared in metadata.yaml.
func NewDefaultSendingQueueConfig() configoptional.Optional[exporterhelper.QueueBatchConfig] {
	return configoptional.Default(exporterhelper.NewDefaultQueueConfig())
}
