// Package startretry is how a component starts a part that may only work
// later (a port another process still holds, a directory not writable yet)
// without failing the collector's start: it reports componentstatus
// RecoverableError and retries on a backoff until the part is up (OK), gives
// up on an error no retry can pass (PermanentError), or the component shuts
// down. The dashboard and the blog's server both start their listener so.
package startretry

import (
	"context"
	"errors"
	"net"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.uber.org/zap"
)

// recoverable marks what a later attempt may get past.
type recoverable struct{ err error }

func (r recoverable) Error() string { return r.err.Error() }
func (r recoverable) Unwrap() error { return r.err }

// Recoverable marks err as one a later attempt may get past.
func Recoverable(err error) error {
	if err == nil {
		return nil
	}
	return recoverable{err}
}

// IsRecoverable reports whether err (or one it wraps) was marked Recoverable.
func IsRecoverable(err error) bool {
	var r recoverable
	return errors.As(err, &r)
}

// Listen opens cfg's listener. A socket error (the port is taken, the
// address not yet assigned) is Recoverable; a config that cannot work (TLS
// files) is not.
func Listen(ctx context.Context, cfg *confighttp.ServerConfig) (net.Listener, error) {
	ln, err := cfg.ToListener(ctx)
	if err != nil {
		var opErr *net.OpError
		if errors.As(err, &opErr) {
			return nil, Recoverable(err)
		}
		return nil, err
	}
	return ln, nil
}

// Backoff is the wait before each attempt: First, doubled after each
// failure up to Max.
type Backoff struct {
	First, Max time.Duration
}

// Run calls try after First, then on the backoff, until it returns nil
// (done), an error that is not Recoverable (given up), or stop is closed.
// report sees the outcome of every attempt: nil when done, else the error
// (permanent when Run gives up).
func (b Backoff) Run(stop <-chan struct{}, try func(context.Context) error, report func(err error, permanent bool)) {
	wait := b.First
	for {
		t := time.NewTimer(wait)
		select {
		case <-stop:
			t.Stop()
			return
		case <-t.C:
		}
		err := try(context.Background())
		if err == nil {
			report(nil, false)
			return
		}
		if !IsRecoverable(err) {
			report(err, true)
			return
		}
		report(err, false)
		wait = min(2*wait, b.Max)
	}
}

// Reporter is the usual report for Run: the status to the host, a failed
// attempt at Debug (the first one was logged by the start that began the
// retries), giving up at Error. what names the part ("Dashboard").
func Reporter(host component.Host, logger *zap.Logger, what string) func(err error, permanent bool) {
	return func(err error, permanent bool) {
		switch {
		case err == nil:
			componentstatus.ReportStatus(host, componentstatus.NewEvent(componentstatus.StatusOK))
			logger.Info(what + " started after retrying")
		case permanent:
			componentstatus.ReportStatus(host, componentstatus.NewPermanentErrorEvent(err))
			logger.Error(what+" cannot start", zap.Error(err))
		default:
			componentstatus.ReportStatus(host, componentstatus.NewRecoverableErrorEvent(err))
			logger.Debug(what+" start retry failed", zap.Error(err))
		}
	}
}
