package kafkastorageextension

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config is the kafka_storage extension's configuration.
type Config struct {
	// Brokers are the bootstrap brokers (host:port).
	Brokers []string `mapstructure:"brokers"`
	// Topic is the compacted topic holding the state; created (one
	// partition, cleanup.policy=compact) when missing.
	Topic string `mapstructure:"topic"`
	// ClientID names the extension's Kafka client.
	ClientID string `mapstructure:"client_id"`
	// Timeout bounds one operation (a read catching up with the topic, a
	// write waiting for its acknowledgement) and the catch-up on start.
	Timeout time.Duration `mapstructure:"timeout"`
}

var _ component.Config = (*Config)(nil)

// Kafka's rule for topic names.
var topicName = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)

// Validate checks every field and reports all problems together.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("brokers: must name at least one broker (host:port)"))
	}
	for i, b := range c.Brokers {
		if b == "" {
			errs = append(errs, fmt.Errorf("brokers::%d: must not be empty", i))
		}
	}
	if !topicName.MatchString(c.Topic) {
		errs = append(errs, fmt.Errorf("topic: %q is not a Kafka topic name (1-249 of [a-zA-Z0-9._-])", c.Topic))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout: must be positive, got %v", c.Timeout))
	}
	return errors.Join(errs...)
}
