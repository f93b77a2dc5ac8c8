package browserguardextension

import (
	"go.opentelemetry.io/collector/component"

	"github.com/unitrack/unitrack/internal/httpguard"
)

// Config is the browserguard extension's configuration.
type Config struct {
	// AllowedHosts are the names the Host header may carry besides
	// localhost, *.localhost and loopback addresses: "name", "*.domain" or
	// "*" (no Host check).
	AllowedHosts []string `mapstructure:"allowed_hosts"`
	// AllowedOrigins are the pages that may send requests (a present Origin
	// must match one), with confighttp's cors.allowed_origins syntax; keep it
	// equal to the listener's own cors.allowed_origins.
	AllowedOrigins []string `mapstructure:"allowed_origins"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks allowed_hosts.
func (cfg *Config) Validate() error {
	return httpguard.ValidateHosts("allowed_hosts", cfg.AllowedHosts)
}
