package notifyexporter

import (
	"context"
	"encoding/json"
	"strings"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"
	"github.com/unitrack/unitrack/internal/incidents"
)

// This file is each target's sending queue as notify uses it: the record a
// notification becomes in the queue, and on the far side the push that
// decodes it, renders it with the target's templates and hands it to the
// Target of its type.

// notificationLogs encodes a notification as the one log record its queue holds.
func notificationLogs(n target.Notification) plog.Logs {
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(n.Time))
	lr.SetEventName("notify." + n.Status)
	lr.Attributes().PutStr(attrTarget, n.Target)
	b, _ := json.Marshal(n)
	lr.Body().SetEmptyBytes().FromRaw(b)
	return ld
}

// pushFunc delivers queued notifications to one target. It never retries:
// a retryable error goes back to exporterhelper with what is left to send.
func (e *notifyExporter) pushFunc(t *configuredTarget) consumer.ConsumeLogsFunc {
	return func(ctx context.Context, ld plog.Logs) error {
		var (
			failed  error
			pending plog.Logs
			records int
		)
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					records++
					if failed == nil {
						if failed = e.push(ctx, t, lr); failed == nil {
							continue
						}
					}
					lr.CopyTo(appendRecord(&pending))
				}
			}
		}
		if failed == nil {
			return nil
		}
		if records == 1 {
			return failed
		}
		return consumererror.NewLogs(failed, pending)
	}
}

// push delivers one queued record, counts and records the outcome, and
// returns the error only when the queue should try again.
func (e *notifyExporter) push(ctx context.Context, t *configuredTarget, lr plog.LogRecord) error {
	n, err := target.DecodeNotification(lr.Body().Bytes().AsRaw())
	if err != nil {
		e.telemetry.ExporterNotifyNotificationsFailed.Add(ctx, 1, t.attrs.failedPermanent)
		e.logger.Error("Queued notification is unreadable; dropped", zap.String("target", t.cfg.Name), zap.Error(err))
		return nil
	}
	title, text, err := e.deliver(ctx, t, n)
	if e.incidents != nil {
		e.recordDelivery(ctx, n, title, text, deliveryStatus(err), err, 0)
	}
	switch {
	case err == nil:
		if e.ledger != nil {
			e.ledger.record(ctx, n, e.now())
		}
		sent := t.attrs.sentFiring
		if n.Status == target.StatusResolved {
			sent = t.attrs.sentResolved
		}
		e.telemetry.ExporterNotifyNotificationsSent.Add(ctx, 1, sent)
		return nil
	case consumererror.IsPermanent(err):
		e.telemetry.ExporterNotifyNotificationsFailed.Add(ctx, 1, t.attrs.failedPermanent)
		e.logger.Error("Notification rejected by target; dropped",
			zap.String("target", t.cfg.Name), zap.String("status", n.Status), zap.String("group", n.GroupKey), zap.Error(err))
		return nil
	default:
		e.telemetry.ExporterNotifyNotificationsFailed.Add(ctx, 1, t.attrs.failedRetryable)
		return err
	}
}

func appendRecord(ld *plog.Logs) plog.LogRecord {
	if (*ld == plog.Logs{}) {
		*ld = plog.NewLogs()
		ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	}
	return ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().AppendEmpty()
}

// deliver renders one notification with the target's templates and hands
// it to the target. It returns the title and text sent.
func (e *notifyExporter) deliver(ctx context.Context, t *configuredTarget, n target.Notification) (title, text string, err error) {
	upgradeQueued(&n)
	title, text, err = t.templates.render(n)
	if err != nil {
		// A template that ran on the samples can still fail on odd data;
		// the default templates always work.
		e.logger.Warn("Template failed; using the default", zap.String("target", t.cfg.Name), zap.Error(err))
		title, text, _ = defaultTemplates.render(n)
	}
	return title, text, t.target.Deliver(ctx, target.Message{Notification: n, Title: title, Text: text})
}

// deliveryStatus is the ledger's word for the outcome of one attempt.
func deliveryStatus(err error) string {
	switch {
	case err == nil:
		return incidents.DeliveryDelivered
	case consumererror.IsPermanent(err):
		return incidents.DeliveryFailed
	default:
		return incidents.DeliveryRetrying
	}
}

// upgradeQueued fills the fields a notification queued by an older version
// lacks, so its title is never empty.
func upgradeQueued(n *target.Notification) {
	if n.Kind == "" {
		n.Kind = target.KindIncident
	}
	if n.Priority == "" {
		n.Priority = target.SeverityPriority(plog.SeverityNumber(n.SeverityNumber))
	}
	if n.Headline == "" {
		n.Headline = strings.TrimSpace(n.EventName + " " + n.Subject)
	}
	if n.Narrative == "" {
		n.Narrative = summary(n.Body)
	}
}
