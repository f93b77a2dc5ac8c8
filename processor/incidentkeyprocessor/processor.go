package incidentkeyprocessor

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
)

// incidentKeyProcessor is not built on processorhelper: it calls the next
// consumer once per incident key, each time with another context.
type incidentKeyProcessor struct {
	key    string
	logger *zap.Logger
	next   consumer.Logs
}

func newProcessor(cfg *Config, logger *zap.Logger, next consumer.Logs) *incidentKeyProcessor {
	return &incidentKeyProcessor{key: cfg.MetadataKey, logger: logger, next: next}
}

func (p *incidentKeyProcessor) Start(context.Context, component.Host) error {
	p.logger.Info("Incident key processor keying requests by incident", zap.String("metadata_key", p.key))
	return nil
}

func (p *incidentKeyProcessor) Shutdown(context.Context) error { return nil }

// The copies split makes for mixed batches are new; a single-key batch is
// passed on as it came, with its records untouched.
func (p *incidentKeyProcessor) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// ConsumeLogs passes on one request per incident key. A failed part fails
// the call (the caller retries it whole: parts already passed on may then be
// sent twice, which the gateways' sinks absorb by event id).
func (p *incidentKeyProcessor) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	var errs []error
	for _, pt := range split(ld) {
		if err := p.next.ConsumeLogs(withKey(ctx, p.key, pt.key), pt.logs); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// withKey returns ctx whose client metadata has key set to value, keeping
// the caller's address, auth and other metadata.
func withKey(ctx context.Context, key, value string) context.Context {
	info := client.FromContext(ctx)
	md := map[string][]string{}
	for k := range info.Metadata.Keys() {
		md[k] = info.Metadata.Get(k)
	}
	md[key] = []string{value}
	info.Metadata = client.NewMetadata(md)
	return client.NewContext(ctx, info)
}
