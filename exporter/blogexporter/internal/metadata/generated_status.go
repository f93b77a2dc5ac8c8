// Hand-written in the shape mdatagen generates (mdatagen is not served here).
// metadata_test.go in the component checks it against metadata.yaml: change both together.

package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	Type      = component.MustNewType("blog")
	ScopeName = "github.com/unitrack/unitrack/exporter/blogexporter"
)

const (
	LogsStability = component.StabilityLevelAlpha
)
