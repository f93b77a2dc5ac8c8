package trackreceiver // import "github.com/unitrack/unitrack/receiver/trackreceiver"

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"

	"github.com/unitrack/unitrack/internal/httpguard"
	"github.com/unitrack/unitrack/internal/legacy"
)

// Config is the track receiver's configuration.
type Config struct {
	// ServerConfig is the HTTP listener: endpoint, tls, auth, cors,
	// max_request_body_size, timeouts, compression_algorithms.
	confighttp.ServerConfig `mapstructure:",squash"`

	// PathPrefix is put in front of every legacy path ("/track" serves
	// /track/v1/track). Empty serves the paths exactly as in the contract.
	PathPrefix string `mapstructure:"path_prefix"`

	// AllowedHosts are more names than localhost, loopback addresses and the
	// endpoint's host that the Host header may carry (DNS-rebinding guard):
	// "name", "*.domain" or "*" (no check). See internal/httpguard.
	AllowedHosts []string `mapstructure:"allowed_hosts"`

	// Formats limits the served paths to these legacy formats (track.source
	// values: track_event, dashboard, ...); empty serves all eight.
	Formats []string `mapstructure:"formats"`

	// RequireOrigin refuses requests without an allowed Origin (403): for a
	// listener that serves only web pages (the browser tracker), authorised
	// by the page's origin instead of a token the page cannot keep secret.
	RequireOrigin bool `mapstructure:"require_origin"`

	// RetryAfter is the Retry-After sent with a 503 when the pipeline refuses
	// data (rounded up to whole seconds).
	RetryAfter time.Duration `mapstructure:"retry_after"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the receiver's own keys; confighttp validates its own.
func (cfg *Config) Validate() error {
	var errs []error
	if p := cfg.PathPrefix; p != "" {
		switch {
		case !strings.HasPrefix(p, "/"):
			errs = append(errs, fmt.Errorf("path_prefix: %q must start with \"/\"", p))
		case strings.HasSuffix(p, "/"):
			errs = append(errs, fmt.Errorf("path_prefix: %q must not end with \"/\"", p))
		case strings.ContainsAny(p, "?#% \t"):
			errs = append(errs, fmt.Errorf("path_prefix: %q must be a plain path (no ?, #, %%, spaces)", p))
		}
	}
	if err := httpguard.ValidateHosts("allowed_hosts", cfg.AllowedHosts); err != nil {
		errs = append(errs, err)
	}
	known := make([]string, 0, len(legacy.Formats))
	for _, fi := range legacy.Formats {
		known = append(known, string(fi.Format))
	}
	for i, f := range cfg.Formats {
		if !slices.Contains(known, f) {
			errs = append(errs, fmt.Errorf("formats::%d: expected one of %s, got %q", i, strings.Join(known, ", "), f))
		}
	}
	if cfg.RequireOrigin && (!cfg.CORS.HasValue() || len(cfg.CORS.Get().AllowedOrigins) == 0) {
		errs = append(errs, errors.New("require_origin: needs cors::allowed_origins (the pages allowed to send)"))
	}
	if cfg.RetryAfter < 0 {
		errs = append(errs, fmt.Errorf("retry_after: must not be negative, got %s", cfg.RetryAfter))
	}
	if cfg.MaxRequestBodySize < 0 {
		errs = append(errs, fmt.Errorf("max_request_body_size: must not be negative, got %d", cfg.MaxRequestBodySize))
	}
	if cfg.NetAddr.Endpoint == "" {
		errs = append(errs, errors.New("endpoint: must not be empty (e.g. localhost:4320)"))
	}
	return errors.Join(errs...)
}
