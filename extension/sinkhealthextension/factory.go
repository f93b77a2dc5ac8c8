package sinkhealthextension // import "github.com/unitrack/unitrack/extension/sinkhealthextension"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/unitrack/unitrack/extension/sinkhealthextension/internal/metadata"
)

// NewFactory returns the factory of the sinkhealth extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{MaxErrorLength: 1024}
}

func create(_ context.Context, _ extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newRegistry(cfg.(*Config)), nil
}
