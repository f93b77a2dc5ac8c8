package incidentsextension // import "github.com/unitrack/unitrack/extension/incidentsextension"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/unitrack/unitrack/extension/incidentsextension/internal/metadata"
)

// NewFactory returns the factory of the incidents extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{
		Directory:      "./var/incidents",
		MaxAge:         30 * 24 * time.Hour,
		MaxIncidents:   10000,
		MaxDeliveries:  200,
		MaxEventLinks:  1000000,
		SampleEventIDs: 20,
		ResolveTimeout: time.Hour,
	}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newLedger(cfg.(*Config), set.Logger), nil
}
