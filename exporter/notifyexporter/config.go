package notifyexporter

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/unitrack/unitrack/internal/track"
)

// Special group_by keys; any other key is looked up in the record's
// attributes, then in its resource's attributes.
const (
	groupByFamily    = "family"
	groupByService   = "service.name"
	groupBySubject   = "subject"
	groupByEventName = "event.name"
)

// Config is the notify exporter's configuration.
type Config struct {
	// TimeoutConfig is the timeout of one delivery attempt.
	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// QueueConfig is the sending queue of notifications (one queue per target);
	// with `storage` set, pending notifications survive a restart. Batching is
	// not used: every notification is one request.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	// RetryConfig is the retry of failed deliveries.
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// Targets are where notifications go.
	Targets []TargetConfig `mapstructure:"targets"`

	// GroupBy lists what puts events into one group: `family` (the incident
	// family of internal/incident: the subject's domain such as mcp, else the
	// event name without its last segment, so .opened and .closed group together),
	// `event.name`, `service.name`, `subject` (mcp.server.name, health.check,
	// task.name, ...) or any attribute key. An empty list puts every event in
	// one group.
	GroupBy []string `mapstructure:"group_by"`
	// GroupWait is how long a new group collects events before its first
	// notification, so a burst becomes one message.
	GroupWait time.Duration `mapstructure:"group_wait"`
	// GroupInterval is how long to wait before notifying about changes
	// (a new member firing, a resolution) of a group already notified.
	GroupInterval time.Duration `mapstructure:"group_interval"`
	// RepeatInterval is how long to wait before repeating a notification for
	// a group that is still firing and still receiving events.
	RepeatInterval time.Duration `mapstructure:"repeat_interval"`
	// ResolveTimeout closes a group that received no event for this long
	// (sending "resolved" if it fired), so incidents without a recovery event
	// do not stay open forever. 0 disables it.
	ResolveTimeout time.Duration `mapstructure:"resolve_timeout"`
	// DedupeWindow is how long an exact repeat of a one-shot message (the
	// legacy notify() call: same service, title, message and priority) is
	// held back after the copy delivered last; 0 delivers every copy.
	DedupeWindow time.Duration `mapstructure:"dedupe_window"`
	// MaxEventIDs is how many event ids (the most recent) a notification carries.
	MaxEventIDs int `mapstructure:"max_event_ids"`
	// DedupWindow is how many event ids (the most recent) are remembered, and
	// persisted with the grouping state, so that an event seen again (a
	// replayed queue, a resent request) counts once. 0 counts every record.
	DedupWindow int `mapstructure:"dedup_window"`
	// DashboardURL is the dashboard's base URL for event links; empty gives no links.
	DashboardURL string `mapstructure:"dashboard_url"`

	// Storage names a storage extension (e.g. file_storage) that keeps the
	// grouping state (what fired, when it was last sent) across restarts.
	Storage *component.ID `mapstructure:"storage"`
	// StateDirectory is a directory for a grouping state file, used when
	// Storage is not set. Empty with no Storage keeps the state in memory.
	StateDirectory string `mapstructure:"state_directory"`
	// Ledger names a storage extension shared by every collector running
	// this exporter (kafka_storage): a collector that takes over an incident
	// does not page again for what another one already paged.
	Ledger *component.ID `mapstructure:"ledger"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// TargetConfig is one place notifications are sent to.
type TargetConfig struct {
	// Name identifies the target in metrics, logs and errors.
	Name string `mapstructure:"name"`
	// Type is webhook, slack, discord, ntfy or file (targets.go lists them).
	Type string `mapstructure:"type"`
	// ClientConfig is the HTTP client (endpoint, TLS, headers, timeout) of
	// webhook, slack, discord and ntfy targets. For ntfy the endpoint is the
	// topic URL.
	confighttp.ClientConfig `mapstructure:",squash"`
	// Path is the JSONL inbox file of a file target.
	Path string `mapstructure:"path"`
	// MinSeverity is the lowest severity word (trace, debug, info, warn,
	// error, fatal) of the events this target is notified about. Resolving
	// events pass regardless, so a group that fired is always resolved.
	MinSeverity string `mapstructure:"min_severity"`
	// Title is the Go text/template of the notification's title.
	Title string `mapstructure:"title"`
	// Text is the Go text/template of the notification's body text.
	Text string `mapstructure:"text"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

// maxDedupWindow bounds the ids saved with the grouping state at every change.
const maxDedupWindow = 1_000_000

var targetNameRegexp = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Validate checks the configuration without side effects and names every
// offending key.
func (cfg *Config) Validate() error {
	var errs []error
	if len(cfg.Targets) == 0 {
		errs = append(errs, errors.New("targets: at least one target is required"))
	}
	seen := map[string]int{}
	for i := range cfg.Targets {
		errs = append(errs, cfg.Targets[i].validate(i, seen)...)
	}
	errs = append(errs, validateGroupBy(cfg.GroupBy)...)
	if cfg.GroupWait < 0 {
		errs = append(errs, fmt.Errorf("group_wait: must not be negative, got %s", cfg.GroupWait))
	}
	if cfg.GroupInterval <= 0 {
		errs = append(errs, fmt.Errorf("group_interval: must be positive, got %s", cfg.GroupInterval))
	}
	if cfg.RepeatInterval <= 0 {
		errs = append(errs, fmt.Errorf("repeat_interval: must be positive, got %s", cfg.RepeatInterval))
	}
	if cfg.ResolveTimeout < 0 {
		errs = append(errs, fmt.Errorf("resolve_timeout: must not be negative (0 disables it), got %s", cfg.ResolveTimeout))
	}
	if cfg.DedupeWindow < 0 {
		errs = append(errs, fmt.Errorf("dedupe_window: must not be negative (0 delivers every copy), got %s", cfg.DedupeWindow))
	}
	if cfg.MaxEventIDs < 1 || cfg.MaxEventIDs > 1000 {
		errs = append(errs, fmt.Errorf("max_event_ids: must be between 1 and 1000, got %d", cfg.MaxEventIDs))
	}
	if cfg.DedupWindow < 0 || cfg.DedupWindow > maxDedupWindow {
		errs = append(errs, fmt.Errorf("dedup_window: must be between 0 (off) and %d, got %d", maxDedupWindow, cfg.DedupWindow))
	}
	if cfg.DashboardURL != "" {
		if !track.IsHTTPURL(cfg.DashboardURL) {
			errs = append(errs, fmt.Errorf("dashboard_url: must be an absolute http(s) URL such as http://localhost:8790, got %q", cfg.DashboardURL))
		}
	}
	if cfg.Storage != nil && cfg.StateDirectory != "" {
		errs = append(errs, errors.New("state_directory: set either storage or state_directory, not both"))
	}
	return errors.Join(errs...)
}

// validateGroupBy refuses empty and repeated keys.
func validateGroupBy(groupBy []string) []error {
	var errs []error
	keys := map[string]int{}
	for i, k := range groupBy {
		if k == "" {
			errs = append(errs, fmt.Errorf("group_by::%d: must not be empty", i))
			continue
		}
		if j, dup := keys[k]; dup {
			errs = append(errs, fmt.Errorf("group_by::%d: %q is already group_by::%d", i, k, j))
			continue
		}
		keys[k] = i
	}
	return errs
}

// validate checks targets::i; seen maps the names of the targets before it
// to their index. Its type checks the keys it needs or refuses.
func (t *TargetConfig) validate(i int, seen map[string]int) []error {
	var errs []error
	at := fmt.Sprintf("targets::%d", i)
	switch {
	case t.Name == "":
		errs = append(errs, fmt.Errorf("%s::name: must not be empty", at))
	case !targetNameRegexp.MatchString(t.Name):
		errs = append(errs, fmt.Errorf("%s::name: %q must be 1-64 letters, digits, '_' or '-'", at, t.Name))
	default:
		if j, dup := seen[t.Name]; dup {
			errs = append(errs, fmt.Errorf("%s::name: %q is already the name of targets::%d", at, t.Name, j))
		} else {
			seen[t.Name] = i
		}
	}
	if f, ok := targetTypes.Lookup(t.Type); ok {
		for _, err := range f.Check(t.settings()) {
			errs = append(errs, fmt.Errorf("%s::%w", at, err))
		}
	} else if t.Type == "" {
		errs = append(errs, fmt.Errorf("%s::type: must be set to one of %s", at, targetTypes.List()))
	} else {
		errs = append(errs, fmt.Errorf("%s::type: %q is not one of %s", at, t.Type, targetTypes.List()))
	}
	if _, ok := parseSeverity(t.MinSeverity); !ok {
		errs = append(errs, fmt.Errorf("%s::min_severity: %q is not a severity word: expected %s", at, t.MinSeverity, track.SeverityWordsExpected))
	}
	if _, err := compileTemplates(t); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", at, err))
	}
	return errs
}
