package dashboardexporter

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
	"github.com/unitrack/unitrack/exporter/dashboardexporter/web"
	"github.com/unitrack/unitrack/internal/httpguard"
)

type dashboardExporter struct {
	cfg    *Config
	set    exporter.Settings
	logger *zap.Logger

	store  *store.Store
	web    *web.Server
	server *http.Server
	addr   net.Addr

	stop chan struct{}
	wg   sync.WaitGroup
}

// testHookCreated, when set by a test, sees each exporter created.
var testHookCreated func(*dashboardExporter)

func newDashboardExporter(cfg *Config, set exporter.Settings) (*dashboardExporter, error) {
	e := &dashboardExporter{cfg: cfg, set: set, logger: set.Logger}
	if testHookCreated != nil {
		testHookCreated(e)
	}
	return e, nil
}

func (e *dashboardExporter) start(ctx context.Context, host component.Host) error {
	st, err := store.Open(ctx, e.cfg.Directory)
	if err != nil {
		return err
	}
	e.store = st
	e.web = web.New(web.Options{
		Store:               st,
		Logger:              e.logger,
		TrackerEndpoint:     e.cfg.Tracker.Endpoint,
		TrackerMaxPerMinute: e.cfg.Tracker.MaxReportsPerMinute,
		BlogDirectory:       e.cfg.Links.BlogDirectory,
		BlogURL:             e.cfg.Links.BlogURL,
		NotifyInbox:         e.cfg.Links.NotifyInbox,
	})
	ln, err := e.cfg.ServerConfig.ToListener(ctx)
	if err != nil {
		e.web.Close()
		st.Close()
		return err
	}
	handler := e.web.Handler()
	srv, err := e.cfg.ServerConfig.ToServer(ctx, host.GetExtensions(), e.set.TelemetrySettings, handler,
		confighttp.WithErrorHandler(e.writeServerError))
	if err != nil {
		ln.Close()
		e.web.Close()
		st.Close()
		return err
	}
	srv.Handler = e.guard().Wrap(publicTracker(srv.Handler, handler), nil)
	e.server = srv
	e.addr = ln.Addr()
	e.stop = make(chan struct{})
	e.wg.Add(2)
	go func() {
		defer e.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	}()
	go func() {
		defer e.wg.Done()
		e.retentionLoop()
	}()
	e.logger.Info("Dashboard started",
		zap.String("url", dashboardURL(e.addr, e.cfg.ServerConfig.TLS.HasValue())),
		zap.String("database", st.Path()))
	return nil
}

// guard refuses foreign Hosts and Origins before confighttp's layers see
// the request; /tracker.js is embedded by other sites on purpose.
func (e *dashboardExporter) guard() *httpguard.Guard {
	var origins []string
	if c := e.cfg.CORS.Get(); c != nil {
		origins = c.AllowedOrigins
	}
	return httpguard.New(httpguard.Options{
		Endpoint:       e.cfg.NetAddr.Endpoint,
		AllowedHosts:   e.cfg.AllowedHosts,
		AllowedOrigins: origins,
		PublicPaths:    []string{"/tracker.js"},
	})
}

// publicTracker serves /tracker.js past confighttp's auth: pages of other
// origins load it without the dashboard's login, and it holds no secret
// (the tracker's listener authorises reports by their page's Origin).
func publicTracker(server, web http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/tracker.js" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			web.ServeHTTP(w, r)
			return
		}
		server.ServeHTTP(w, r)
	})
}

// writeServerError answers what confighttp refuses before the handler. A
// failed basic login carries the challenge that makes a browser ask for
// (and then keep sending) credentials, also for the live stream.
func (e *dashboardExporter) writeServerError(w http.ResponseWriter, r *http.Request, msg string, status int) {
	if status == http.StatusUnauthorized {
		if a := e.cfg.Auth.Get(); a != nil && a.Config.AuthenticatorID.Type().String() == "basicauth" {
			w.Header().Set("WWW-Authenticate", `Basic realm="unitrack dashboard", charset="UTF-8"`)
		}
		msg = "authentication failed: " + msg
	}
	httpguard.WriteJSONError(w, r, status, msg)
}

func dashboardURL(addr net.Addr, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + addr.String() + "/"
}

func (e *dashboardExporter) retentionLoop() {
	r := store.Retention{
		MaxAge:       e.cfg.Retention.MaxAge,
		MaxEvents:    e.cfg.Retention.MaxEvents,
		MaxSizeBytes: e.cfg.Retention.MaxSizeMiB << 20,
	}
	interval := e.cfg.Retention.Interval
	if interval <= 0 {
		interval = time.Hour
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-e.stop
		cancel()
	}()
	for {
		if r != (store.Retention{}) {
			n, err := e.store.Prune(ctx, r, time.Now())
			if err != nil && ctx.Err() == nil {
				e.logger.Warn("Retention failed", zap.Error(err))
			} else if n > 0 {
				e.logger.Debug("Retention removed events", zap.Int64("events", n))
			}
		}
		if err := e.store.Optimize(ctx); err != nil && ctx.Err() == nil {
			e.logger.Debug("Optimize failed", zap.Error(err))
		}
		select {
		case <-e.stop:
			return
		case <-t.C:
		}
	}
}

func (e *dashboardExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	events := store.FromLogs(ld, time.Now())
	_, err := e.store.InsertThen(ctx, events, e.web.Publish)
	if errors.Is(err, store.ErrClosed) {
		return consumererror.NewPermanent(err)
	}
	return err
}

func (e *dashboardExporter) shutdown(ctx context.Context) error {
	if e.server == nil {
		return nil
	}
	// Live streams never end by themselves: end them before Shutdown waits
	// for connections to go idle.
	e.web.Close()
	err := e.server.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, e.server.Close())
	}
	close(e.stop)
	e.wg.Wait()
	err = errors.Join(err, e.store.Close())
	e.logger.Info("Dashboard stopped")
	return err
}
