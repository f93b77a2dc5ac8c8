package incidentsextension

import (
	"testing"

	"go.opentelemetry.io/collector/component"

	"github.com/unitrack/unitrack/extension/incidentsextension/internal/metadata"
	"github.com/unitrack/unitrack/internal/metadatacheck"
)

// TestMetadataMatchesYAML keeps the hand-written internal/metadata package in
// step with metadata.yaml (mdatagen is not served here).
func TestMetadataMatchesYAML(t *testing.T) {
	metadatacheck.Check(t, metadatacheck.Component{
		Type:      metadata.Type,
		Stability: map[string]component.StabilityLevel{"extension": metadata.ExtensionStability},
	})
}
