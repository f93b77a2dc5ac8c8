package dashboardexporter

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/exporter/dashboardexporter/sinkview"
	"github.com/unitrack/unitrack/exporter/dashboardexporter/store"
	"github.com/unitrack/unitrack/exporter/dashboardexporter/web"
	"github.com/unitrack/unitrack/internal/httpguard"
	"github.com/unitrack/unitrack/internal/incidents"
	"github.com/unitrack/unitrack/internal/sinkhealth"
	"github.com/unitrack/unitrack/internal/startretry"
)

type dashboardExporter struct {
	cfg    *Config
	set    exporter.Settings
	logger *zap.Logger
	host   component.Host

	// mu guards the parts that open late: a store or listener that fails at
	// start is retried on a backoff while the sending queue holds the data.
	mu     sync.Mutex
	store  *store.Store
	web    *web.Server
	server *http.Server
	addr   net.Addr

	stop chan struct{}
	wg   sync.WaitGroup

	sinks    *sinkview.Collector
	registry atomic.Value // sinkhealth.Source, found at start
	ledger   atomic.Value // incidents.Source, found at start
}

// errNotOpen is retryable: exporterhelper keeps the batch until the store opens.
var errNotOpen = errors.New("the dashboard's store is not open yet (retrying its start)")

// Backoff of the start retries.
const (
	firstStartRetry = time.Second
	maxStartRetry   = 30 * time.Second
)

// testHookCreated, when set by a test, sees each exporter created.
var testHookCreated func(*dashboardExporter)

func newDashboardExporter(cfg *Config, set exporter.Settings) (*dashboardExporter, error) {
	e := &dashboardExporter{cfg: cfg, set: set, logger: set.Logger}
	e.sinks = sinkview.New(cfg.Sinks.MetricsURL, cfg.Sinks.ScrapeTimeout, func() sinkhealth.Source {
		src, _ := e.registry.Load().(sinkhealth.Source)
		return src
	})
	if testHookCreated != nil {
		testHookCreated(e)
	}
	return e, nil
}

// start opens the store and the listener. Either may fail for reasons that
// pass (the port is taken, the directory is not writable yet): then the
// collector starts anyway, the exporter reports a recoverable error and
// retries on a backoff; a push meanwhile returns errNotOpen. A server config
// that cannot work (TLS files) still fails start-up.
func (e *dashboardExporter) start(ctx context.Context, host component.Host) error {
	e.host = host
	e.stop = make(chan struct{})
	if reg, ok := sinkhealth.Find(host); ok {
		e.registry.Store(sinkhealth.Source(reg))
	}
	if led, ok := incidents.Find(host); ok {
		e.ledger.Store(incidents.Source(led))
	}
	done, err := e.tryStart(ctx)
	if err != nil && !startretry.IsRecoverable(err) {
		e.closeOpened()
		return err
	}
	if done {
		return nil
	}
	componentstatus.ReportStatus(host, componentstatus.NewRecoverableErrorEvent(err))
	e.logger.Warn("Dashboard could not start; the other sinks run, this one's queue buffers and its start is retried",
		zap.Error(err), zap.Duration("first_retry", firstStartRetry))
	e.wg.Add(1)
	go e.retryStart()
	return nil
}

// guard refuses foreign Hosts and Origins before confighttp's layers see
// the request; /tracker.js is embedded by other sites on purpose.
func (e *dashboardExporter) guard() *httpguard.Guard {
	opts := httpguard.ForServer(e.cfg.ServerConfig, e.cfg.AllowedHosts)
	opts.PublicPaths = []string{"/tracker.js"}
	return httpguard.New(opts)
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

func (e *dashboardExporter) retryStart() {
	defer e.wg.Done()
	startretry.Backoff{First: firstStartRetry, Max: maxStartRetry}.Run(e.stop, func(ctx context.Context) error {
		_, err := e.tryStart(ctx)
		return err
	}, startretry.Reporter(e.host, e.logger, "Dashboard"))
}

// tryStart opens what is not open yet: the store (with the live hub and
// retention) first, then the listener. done is true when both are up.
func (e *dashboardExporter) tryStart(ctx context.Context) (done bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-e.stop:
		return false, startretry.Recoverable(errors.New("shutting down"))
	default:
	}
	if e.store == nil {
		st, err := store.Open(ctx, e.cfg.Directory)
		if err != nil {
			return false, startretry.Recoverable(err)
		}
		e.store = st
		e.web = web.New(web.Options{
			Store:               st,
			Logger:              e.logger,
			TrackerEndpoint:     e.cfg.Tracker.Endpoint,
			TrackerMaxPerMinute: e.cfg.Tracker.MaxReportsPerMinute,
			BlogDirectory:       e.cfg.Links.BlogDirectory,
			BlogURL:             e.cfg.Links.BlogURL,
			Incidents: func() incidents.Source {
				src, _ := e.ledger.Load().(incidents.Source)
				return src
			},
			Sinks: func(ctx context.Context) any { return e.sinks.Report(ctx) },
		})
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.retentionLoop(st)
		}()
	}
	if e.server == nil {
		ln, err := startretry.Listen(ctx, &e.cfg.ServerConfig)
		if err != nil {
			return false, err
		}
		handler := e.web.Handler()
		srv, err := e.cfg.ServerConfig.ToServer(ctx, e.host.GetExtensions(), e.set.TelemetrySettings, handler,
			confighttp.WithErrorHandler(e.writeServerError))
		if err != nil {
			ln.Close()
			return false, err
		}
		srv.Handler = e.guard().Wrap(publicTracker(srv.Handler, handler), nil)
		e.server = srv
		e.addr = ln.Addr()
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				componentstatus.ReportStatus(e.host, componentstatus.NewFatalErrorEvent(err))
			}
		}()
		e.logger.Info("Dashboard started",
			zap.String("url", dashboardURL(e.addr, e.cfg.ServerConfig.TLS.HasValue())),
			zap.String("database", e.store.Path()))
	}
	return true, nil
}

// closeOpened undoes a start that failed for good.
func (e *dashboardExporter) closeOpened() {
	close(e.stop)
	e.wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.web != nil {
		e.web.Close()
	}
	if e.store != nil {
		_ = e.store.Close()
	}
	e.store, e.web, e.stop = nil, nil, nil
}

func dashboardURL(addr net.Addr, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + addr.String() + "/"
}

func (e *dashboardExporter) retentionLoop(st *store.Store) {
	r := store.Retention{
		MaxAge:          e.cfg.Retention.MaxAge,
		MaxEvents:       e.cfg.Retention.MaxEvents,
		MaxSizeBytes:    e.cfg.Retention.MaxSizeMiB << 20,
		AnalyticsMaxAge: e.cfg.Retention.AnalyticsMaxAge,
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
			n, err := st.Prune(ctx, r, time.Now())
			if err != nil && ctx.Err() == nil {
				e.logger.Warn("Retention failed", zap.Error(err))
			} else if n > 0 {
				e.logger.Debug("Retention removed events", zap.Int64("events", n))
			}
		}
		if err := st.Optimize(ctx); err != nil && ctx.Err() == nil {
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
	e.mu.Lock()
	st, w := e.store, e.web
	e.mu.Unlock()
	if st == nil {
		return errNotOpen
	}
	events := store.FromLogs(ld, time.Now())
	_, err := st.InsertThen(ctx, events, w.Publish)
	if errors.Is(err, store.ErrClosed) {
		return consumererror.NewPermanent(err)
	}
	return err
}

func (e *dashboardExporter) shutdown(ctx context.Context) error {
	if e.stop == nil {
		return nil
	}
	close(e.stop)
	e.mu.Lock()
	srv, w, st := e.server, e.web, e.store
	e.mu.Unlock()
	var err error
	// Live streams never end by themselves: end them before Shutdown waits
	// for connections to go idle.
	if w != nil {
		w.Close()
	}
	if srv != nil {
		if err = srv.Shutdown(ctx); err != nil {
			err = errors.Join(err, srv.Close())
		}
	}
	e.wg.Wait()
	if st != nil {
		err = errors.Join(err, st.Close())
	}
	e.logger.Info("Dashboard stopped")
	return err
}
