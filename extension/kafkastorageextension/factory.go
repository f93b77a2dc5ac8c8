package kafkastorageextension

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/unitrack/unitrack/extension/kafkastorageextension/internal/metadata"
)

// NewFactory returns the factory of the kafka_storage extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, createExtension, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{
		Brokers:  []string{"localhost:9092"},
		Topic:    "unitrack-state",
		ClientID: "unitrack-state",
		Timeout:  10 * time.Second,
	}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newStore(cfg.(*Config), set.Logger), nil
}
