package sinkhealthextension // import "github.com/unitrack/unitrack/extension/sinkhealthextension"

import (
	"fmt"

	"go.opentelemetry.io/collector/component"
)

// Config is the sinkhealth extension's configuration.
type Config struct {
	// MaxErrorLength cuts the error texts kept (a response body quoted in an
	// error can be long); 0 keeps them whole.
	MaxErrorLength int `mapstructure:"max_error_length"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the settings; it is pure.
func (c *Config) Validate() error {
	if c.MaxErrorLength < 0 {
		return fmt.Errorf("max_error_length: must be 0 (no limit) or positive, got %d", c.MaxErrorLength)
	}
	return nil
}
