package incidentsextension // import "github.com/unitrack/unitrack/extension/incidentsextension"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/unitrack/unitrack/internal/incidents"
)

// Config is the incidents extension's configuration.
type Config struct {
	// Directory holds the ledger's SQLite database (incidents.db).
	Directory string `mapstructure:"directory"`
	// MaxAge removes incidents last seen longer ago than this (with their
	// deliveries, posts and event links), and silences ended longer ago.
	MaxAge time.Duration `mapstructure:"max_age"`
	// MaxIncidents keeps at most this many incidents (the most recently seen).
	MaxIncidents int `mapstructure:"max_incidents"`
	// MaxDeliveries keeps at most this many delivery attempts per incident
	// (the newest).
	MaxDeliveries int `mapstructure:"max_deliveries"`
	// MaxEventLinks keeps at most this many event id -> incident links in all
	// (the newest); older events still count, but no longer link.
	MaxEventLinks int `mapstructure:"max_event_links"`
	// SampleEventIDs is how many of the most recent event ids an incident shows.
	SampleEventIDs int `mapstructure:"sample_event_ids"`
	// ResolveTimeout resolves an open incident that received no event for
	// this long (notify's resolve_timeout does the same for its groups).
	ResolveTimeout time.Duration `mapstructure:"resolve_timeout"`
	// Silences are static silences; they show with the others and cannot be
	// expired through the API.
	Silences []SilenceConfig `mapstructure:"silences"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// SilenceConfig is one static silence.
type SilenceConfig struct {
	// Matcher selects the notifications held back (at least one field).
	Matcher incidents.Matcher `mapstructure:"matcher"`
	// StartsAt is when it begins (RFC 3339); empty begins at once.
	StartsAt time.Time `mapstructure:"starts_at"`
	// EndsAt is when it ends (RFC 3339).
	EndsAt  time.Time `mapstructure:"ends_at"`
	Author  string    `mapstructure:"author"`
	Comment string    `mapstructure:"comment"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the settings; it is pure.
func (c *Config) Validate() error {
	var errs []error
	if c.Directory == "" {
		errs = append(errs, errors.New("directory: must not be empty"))
	}
	for _, f := range []struct {
		key string
		v   int
	}{{"max_incidents", c.MaxIncidents}, {"max_deliveries", c.MaxDeliveries}, {"max_event_links", c.MaxEventLinks}, {"sample_event_ids", c.SampleEventIDs}} {
		if f.v < 1 {
			errs = append(errs, fmt.Errorf("%s: must be positive, got %d", f.key, f.v))
		}
	}
	if c.MaxAge < 0 {
		errs = append(errs, fmt.Errorf("max_age: must be 0 (no limit) or positive, got %s", c.MaxAge))
	}
	if c.ResolveTimeout < 0 {
		errs = append(errs, fmt.Errorf("resolve_timeout: must be 0 (never) or positive, got %s", c.ResolveTimeout))
	}
	for i, s := range c.Silences {
		errs = append(errs, atPath(fmt.Sprintf("silences::%d::", i), s.silence().Validate())...)
	}
	return errors.Join(errs...)
}

// atPath puts the key path before each of the joined errors of err.
func atPath(path string, err error) []error {
	if err == nil {
		return nil
	}
	each := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		each = j.Unwrap()
	}
	out := make([]error, len(each))
	for i, e := range each {
		out[i] = fmt.Errorf("%s%w", path, e)
	}
	return out
}

func (s SilenceConfig) silence() incidents.Silence {
	st := incidents.Silence{Matcher: s.Matcher, StartsAt: s.StartsAt, EndsAt: s.EndsAt, Author: s.Author, Comment: s.Comment, Static: true}
	if st.StartsAt.IsZero() {
		// Validate only compares the two; the real start is set when loaded.
		st.StartsAt = time.Unix(0, 0)
	}
	return st
}
