package eventlogreceiver // import "github.com/unitrack/unitrack/receiver/eventlogreceiver"

import (
	"errors"
	"fmt"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer/matcher"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configretry"
)

// minFingerprintSize is fileconsumer's lower bound for fingerprint_size.
const minFingerprintSize = 16

// Config is the eventlog receiver's configuration: every fileconsumer setting
// (include, exclude, start_at, poll_interval, fingerprint_size,
// max_concurrent_files, on_truncate, ...) at the top level, as filelog has them,
// plus the storage extension for checkpoints and the retry policy towards the
// next consumer.
type Config struct {
	fileconsumer.Config `mapstructure:",squash"`

	// Storage is the ID of a storage extension (e.g. file_storage) that keeps
	// the read offset of every file across restarts. Without it a restart
	// starts over as start_at says.
	Storage *component.ID `mapstructure:"storage"`

	// RetryConfig is how long a batch refused by the next consumer with a
	// retryable error is retried before it is dropped. The file is the buffer:
	// while a batch is retried, reading of that file waits, and its offset is
	// not checkpointed. max_elapsed_time 0 retries until shutdown.
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// Validate checks the settings the receiver relies on; it is pure.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Include) == 0 {
		errs = append(errs, errors.New("include: at least one glob is required"))
	} else if _, err := matcher.New(c.Criteria); err != nil {
		errs = append(errs, fmt.Errorf("include/exclude: %w", err))
	}
	switch c.StartAt {
	case "beginning", "end":
	default:
		errs = append(errs, fmt.Errorf("start_at: must be \"beginning\" or \"end\", got %q", c.StartAt))
	}
	if c.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("poll_interval: must be positive, got %v", c.PollInterval))
	}
	if c.MaxConcurrentFiles < 1 {
		errs = append(errs, fmt.Errorf("max_concurrent_files: must be at least 1, got %d", c.MaxConcurrentFiles))
	}
	if c.FingerprintSize < minFingerprintSize {
		errs = append(errs, fmt.Errorf("fingerprint_size: must be at least %d bytes, got %d", minFingerprintSize, c.FingerprintSize))
	}
	if c.MaxLogSize <= 0 {
		errs = append(errs, fmt.Errorf("max_log_size: must be positive, got %d", c.MaxLogSize))
	}
	switch c.OnTruncate {
	case fileconsumer.OnTruncateIgnore, fileconsumer.OnTruncateReadWholeFile, fileconsumer.OnTruncateReadNew:
	default:
		errs = append(errs, fmt.Errorf("on_truncate: must be one of ignore, read_whole_file, read_new, got %q", c.OnTruncate))
	}
	if c.SplitConfig.LineStartPattern != "" || c.SplitConfig.LineEndPattern != "" {
		errs = append(errs, errors.New("multiline: not supported, a JSON event log holds one event per line"))
	}
	if c.Header != nil {
		errs = append(errs, errors.New("header: not supported for JSON event logs"))
	}
	if c.RetryConfig.Enabled {
		if c.RetryConfig.InitialInterval <= 0 {
			errs = append(errs, fmt.Errorf("retry_on_failure::initial_interval: must be positive when enabled, got %v", c.RetryConfig.InitialInterval))
		}
		if c.RetryConfig.MaxInterval < c.RetryConfig.InitialInterval {
			errs = append(errs, fmt.Errorf("retry_on_failure::max_interval: must not be less than initial_interval (%v), got %v", c.RetryConfig.InitialInterval, c.RetryConfig.MaxInterval))
		}
	}
	return errors.Join(errs...)
}

func defaultRetry() configretry.BackOffConfig {
	r := configretry.NewDefaultBackOffConfig()
	r.InitialInterval = time.Second
	r.MaxInterval = 30 * time.Second
	// The file keeps what was not delivered: never give up while running.
	r.MaxElapsedTime = 0
	return r
}
