package sinksconnector // import "github.com/unitrack/unitrack/connector/sinksconnector"

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/pipeline"

	"github.com/unitrack/unitrack/internal/sinkhealth"
)

// Config is the sinks connector's configuration.
type Config struct {
	// Pipelines maps every pipeline this connector feeds (e.g. logs/dashboard)
	// to its policy. Every pipeline that lists the connector as a receiver must
	// appear here, and nothing else.
	Pipelines map[string]SinkPolicy `mapstructure:"pipelines"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// SinkPolicy is what the connector does when a sink pipeline refuses data
// (its sending queue is full, or its exporter failed without a queue).
type SinkPolicy struct {
	// WhenFull is "block" (must not drop: retry for up to max_block, then
	// refuse the request with a retryable error) or "drop_newest" (never
	// refuse the sender: drop this request for this sink, count it, log it).
	WhenFull string `mapstructure:"when_full"`
	// MaxBlock bounds how long a request waits for a "block" sink.
	MaxBlock time.Duration `mapstructure:"max_block"`
	// Sink is the sink name the pipeline's route select keeps (track.routes),
	// for an optional sink whose pipeline takes only some events: its drops
	// count only the records routed to it (and those without track.routes).
	// Empty: the pipeline takes every record, and a drop counts them all.
	Sink string `mapstructure:"sink"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the settings; it is pure. Whether the pipelines exist is
// checked when the connector is created, where the collector tells it.
func (c *Config) Validate() error {
	if len(c.Pipelines) == 0 {
		return errors.New("pipelines: must list at least one sink pipeline")
	}
	var errs []error
	for _, name := range sortedKeys(c.Pipelines) {
		p := c.Pipelines[name]
		var id pipeline.ID
		if err := id.UnmarshalText([]byte(name)); err != nil {
			errs = append(errs, fmt.Errorf("pipelines: %q is not a pipeline ID (expected logs/<name>): %w", name, err))
		} else if id.Signal() != pipeline.SignalLogs {
			errs = append(errs, fmt.Errorf("pipelines: %q is a %s pipeline, expected a logs pipeline", name, id.Signal()))
		}
		switch p.WhenFull {
		case sinkhealth.WhenFullBlock:
			if p.MaxBlock <= 0 {
				errs = append(errs, fmt.Errorf("pipelines::%s::max_block: must be positive when when_full is %q, got %s", name, sinkhealth.WhenFullBlock, p.MaxBlock))
			}
		case sinkhealth.WhenFullDropNewest:
		default:
			errs = append(errs, fmt.Errorf("pipelines::%s::when_full: must be %q or %q, got %q", name, sinkhealth.WhenFullBlock, sinkhealth.WhenFullDropNewest, p.WhenFull))
		}
	}
	return errors.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// defaultMaxBlock keeps a request of a blocked sender well under the usual
// client timeouts (trackreceiver answers 503 + Retry-After after it).
const defaultMaxBlock = 5 * time.Second

// Unmarshal fills max_block in each pipeline entry that does not set it: a map
// entry has no defaults of its own.
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	if err := conf.Unmarshal(c); err != nil {
		return err
	}
	for name, p := range c.Pipelines {
		if !conf.IsSet("pipelines::" + name + "::max_block") {
			p.MaxBlock = defaultMaxBlock
			c.Pipelines[name] = p
		}
	}
	return nil
}
