package eventlogexporter // import "github.com/unitrack/unitrack/exporter/eventlogexporter"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Durability policies for the fsync setting.
const (
	// FsyncBatch syncs the file after every exported batch, before success is returned.
	FsyncBatch = "batch"
	// FsyncInterval syncs the file every fsync_interval when something was written.
	FsyncInterval = "interval"
	// FsyncNever leaves flushing to the operating system.
	FsyncNever = "never"
)

// Config is the eventlog exporter's configuration.
type Config struct {
	// Path is the JSON event log file the json_events lines are appended to.
	// Its directory is created when missing.
	Path string `mapstructure:"path"`

	// MaxMegabytes is the size at which the file is rotated: it is renamed to
	// <path>.1 (older backups shift to .2, .3, ...) and a new file is started.
	// 0 turns rotation off.
	MaxMegabytes int `mapstructure:"max_megabytes"`

	// MaxBackups is how many rotated files (<path>.1 .. <path>.N) are kept; the
	// oldest is deleted at rotation. Must be at least 1 when rotation is on.
	MaxBackups int `mapstructure:"max_backups"`

	// Fsync is the durability policy: "batch" (sync after each exported batch,
	// before success is returned), "interval" (sync every fsync_interval), or
	// "never" (the OS decides).
	Fsync string `mapstructure:"fsync"`

	// FsyncInterval is the period of syncs when fsync is "interval".
	FsyncInterval time.Duration `mapstructure:"fsync_interval"`

	// DedupWindow is how many event ids (of the lines last written) are
	// remembered so that a record whose id is among them is not written
	// again (a replayed queue, a resent request). It is read back from the
	// end of the file at start. 0 writes every record.
	DedupWindow int `mapstructure:"dedup_window"`

	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// QueueConfig is exporterhelper's sending_queue (off by default, see README).
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	// RetryConfig is exporterhelper's retry_on_failure, for write errors such as a full disk.
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// maxDedupWindow bounds the memory of the window (about 50 bytes an id).
const maxDedupWindow = 10_000_000

// Validate checks the settings; it is pure.
func (c *Config) Validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, errors.New("path: must not be empty"))
	}
	if c.MaxMegabytes < 0 {
		errs = append(errs, fmt.Errorf("max_megabytes: must be 0 (no rotation) or positive, got %d", c.MaxMegabytes))
	}
	if c.MaxMegabytes > 0 && c.MaxBackups < 1 {
		errs = append(errs, fmt.Errorf("max_backups: must be at least 1 when max_megabytes is set, got %d", c.MaxBackups))
	}
	if c.MaxBackups < 0 {
		errs = append(errs, fmt.Errorf("max_backups: must not be negative, got %d", c.MaxBackups))
	}
	if c.DedupWindow < 0 || c.DedupWindow > maxDedupWindow {
		errs = append(errs, fmt.Errorf("dedup_window: must be between 0 (off) and %d, got %d", maxDedupWindow, c.DedupWindow))
	}
	switch c.Fsync {
	case FsyncBatch, FsyncNever:
	case FsyncInterval:
		if c.FsyncInterval <= 0 {
			errs = append(errs, fmt.Errorf("fsync_interval: must be positive when fsync is %q, got %v", FsyncInterval, c.FsyncInterval))
		}
	default:
		errs = append(errs, fmt.Errorf("fsync: must be one of batch, interval, never, got %q", c.Fsync))
	}
	return errors.Join(errs...)
}
