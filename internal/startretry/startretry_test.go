package startretry

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configtls"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestListen(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()

	cfg := confighttp.NewDefaultServerConfig()
	cfg.NetAddr.Endpoint = taken.Addr().String()
	_, err = Listen(t.Context(), &cfg)
	require.ErrorContains(t, err, "address already in use")
	assert.True(t, IsRecoverable(err), "a taken port may come free: %v", err)

	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	tls := configtls.NewDefaultServerConfig()
	tls.CertFile, tls.KeyFile = "/nonexistent/cert.pem", "/nonexistent/key.pem"
	cfg.TLS = configoptional.Some(tls)
	_, err = Listen(t.Context(), &cfg)
	require.Error(t, err)
	assert.False(t, IsRecoverable(err), "missing TLS files do not appear by retrying: %v", err)

	cfg.TLS = configoptional.None[configtls.ServerConfig]()
	ln, err := Listen(t.Context(), &cfg)
	require.NoError(t, err)
	require.NoError(t, ln.Close())
}

func TestRecoverable(t *testing.T) {
	assert.NoError(t, Recoverable(nil))
	base := errors.New("port taken")
	err := Recoverable(base)
	assert.ErrorIs(t, err, base)
	assert.True(t, IsRecoverable(err))
	assert.True(t, IsRecoverable(errAround(err)), "still recoverable when wrapped")
	assert.False(t, IsRecoverable(base))
}

func errAround(err error) error { return errors.Join(errors.New("start"), err) }

type outcome struct {
	err       error
	permanent bool
}

// run runs b with try and collects every report until Run returns.
func run(t *testing.T, stop chan struct{}, try func(context.Context) error) (chan outcome, <-chan struct{}) {
	t.Helper()
	reports := make(chan outcome, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Backoff{First: time.Millisecond, Max: 4 * time.Millisecond}.Run(stop, try,
			func(err error, permanent bool) { reports <- outcome{err, permanent} })
	}()
	return reports, done
}

func TestRunRetriesUntilDone(t *testing.T) {
	attempts := 0
	reports, done := run(t, make(chan struct{}), func(context.Context) error {
		attempts++
		if attempts < 4 {
			return Recoverable(errors.New("port taken"))
		}
		return nil
	})
	<-done
	close(reports)
	var got []outcome
	for o := range reports {
		got = append(got, o)
	}
	require.Len(t, got, 4)
	for _, o := range got[:3] {
		assert.EqualError(t, o.err, "port taken")
		assert.False(t, o.permanent)
	}
	assert.Equal(t, outcome{}, got[3], "the last report is done")
}

func TestRunGivesUpOnPermanent(t *testing.T) {
	reports, done := run(t, make(chan struct{}), func(context.Context) error { return errors.New("bad TLS files") })
	<-done
	o := <-reports
	assert.EqualError(t, o.err, "bad TLS files")
	assert.True(t, o.permanent)
	assert.Empty(t, reports, "nothing after giving up")
}

func TestRunStops(t *testing.T) {
	stop := make(chan struct{})
	tried := make(chan struct{}, 100)
	reports, done := run(t, stop, func(context.Context) error {
		tried <- struct{}{}
		return Recoverable(errors.New("still taken"))
	})
	<-tried // it is retrying
	close(stop)
	<-done
	close(reports)
	for o := range reports {
		assert.False(t, o.permanent)
		assert.Error(t, o.err, "no OK after a stop")
	}
}
