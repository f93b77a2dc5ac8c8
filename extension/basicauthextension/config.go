package basicauthextension

import (
	"errors"

	"go.opentelemetry.io/collector/component"
)

// Config is the basicauth extension's configuration; its keys are those of
// contrib's basicauthextension server side, so a config moves over as is.
type Config struct {
	// Htpasswd holds the accepted users.
	Htpasswd HtpasswdSettings `mapstructure:"htpasswd"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// HtpasswdSettings are the sources of htpasswd lines (user:hash, with
// bcrypt, SHA, SSHA, MD5-crypt, SHA-crypt or plain passwords); both may be set.
type HtpasswdSettings struct {
	// File is an htpasswd file, read at start.
	File string `mapstructure:"file"`
	// Inline is htpasswd content, typically "user:${env:PASSWORD}" or
	// "${file:/run/secrets/htpasswd}" so that no secret is in the file.
	Inline string `mapstructure:"inline"`
}

var _ component.Config = (*Config)(nil)

// Validate checks that users come from somewhere.
func (cfg *Config) Validate() error {
	if cfg.Htpasswd.File == "" && cfg.Htpasswd.Inline == "" {
		return errors.New("htpasswd: set file or inline (or both); without users nobody could log in")
	}
	return nil
}
