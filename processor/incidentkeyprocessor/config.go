package incidentkeyprocessor

import (
	"errors"
	"strings"

	"go.opentelemetry.io/collector/component"
)

// DefaultMetadataKey is the client metadata key the processor sets unless
// configured otherwise; kafkaexporter reads it with
// logs::message_key_from_metadata_key.
const DefaultMetadataKey = "unitrack.incident_key"

// Config is the incidentkey processor's configuration.
type Config struct {
	// MetadataKey is the client metadata key that carries the incident key of
	// every record of the request passed on.
	MetadataKey string `mapstructure:"metadata_key"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the metadata key.
func (c *Config) Validate() error {
	switch {
	case c.MetadataKey == "":
		return errors.New("metadata_key: must not be empty (kafkaexporter reads the record key from it)")
	case strings.TrimSpace(c.MetadataKey) != c.MetadataKey || strings.ContainsAny(c.MetadataKey, " \t\r\n"):
		return errors.New("metadata_key: must not contain white space")
	}
	return nil
}
