// Hand-written in the shape mdatagen generates (mdatagen is not served here).
// metadata_test.go in the component checks it against metadata.yaml: change both together.

package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("dashboard")
	ScopeName = "github.com/unitrack/unitrack/exporter/dashboardexporter"
)

const (
	LogsStability = component.StabilityLevelAlpha
)
