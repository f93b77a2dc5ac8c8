package blogexporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/exporter/blogexporter/internal/metadata"

	"github.com/unitrack/unitrack/internal/blogfiles"
	"github.com/unitrack/unitrack/internal/httpguard"
	"github.com/unitrack/unitrack/internal/incidents"
	"github.com/unitrack/unitrack/internal/startretry"
	"github.com/unitrack/unitrack/internal/track"
)

// errNotOpen is retryable: the queue keeps the batch until the directory opens.
var errNotOpen = errors.New("the blog directory is not open")

const (
	// tickInterval is how often digests and retention are checked.
	tickInterval = time.Second
	// ageCheckInterval is how often retention by age runs.
	ageCheckInterval = time.Minute
	// statsPersistInterval bounds how much digest accounting a crash loses.
	statsPersistInterval = time.Minute
)

type blogExporter struct {
	cfg       *Config
	set       exporter.Settings
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder
	sched     digestSchedule
	now       func() time.Time

	mu             sync.Mutex
	dir            *blogDir
	state          *blogState
	nextDigest     time.Time
	lastAgeCheck   time.Time
	statsDirty     bool
	lastStatsWrite time.Time
	lastLists      time.Time
	// fsyncEach makes a flush fsync every file itself, as this exporter did
	// before writeFiles (kept for the benchmark's baseline).
	fsyncEach bool

	host component.Host
	// incidents is the incident ledger, nil when the extension does not run.
	incidents incidents.Recorder
	// written collects the posts a flush wrote, for the ledger.
	written []*post
	failing atomic.Bool // a recoverable error was reported, no OK since
	// serverDown: the server's listen is being retried.
	serverDown atomic.Bool

	server     *http.Server
	serverDone chan struct{}
	retryDone  chan struct{}
	stop       chan struct{}
	tickerDone chan struct{}
}

func newBlogExporter(cfg *Config, set exporter.Settings) (*blogExporter, error) {
	e := &blogExporter{cfg: cfg, set: set, logger: set.Logger, now: time.Now}
	if cfg.Digest.Enabled {
		loc, err := time.LoadLocation(cfg.Digest.Timezone)
		if err != nil {
			return nil, fmt.Errorf("digest::timezone: unknown zone %q: %w", cfg.Digest.Timezone, err)
		}
		off, err := parseTimeOfDay(cfg.Digest.TimeOfDay)
		if err != nil && cfg.Digest.Interval == 0 {
			return nil, fmt.Errorf("digest::time_of_day: %w", err)
		}
		e.sched = digestSchedule{interval: cfg.Digest.Interval, offset: off, loc: loc}
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	e.telemetry = tb
	return e, nil
}

// start opens the blog directory and starts the server. Neither stops the
// collector when it cannot work yet: a directory that cannot be used is
// reported as a recoverable error and every push tries to open it again,
// failing retryably so exporterhelper's queue keeps the events; a port that
// is taken is reported so too and listened on again on a backoff, as the
// dashboard does (internal/startretry). A server config that cannot work
// (TLS files) still fails start-up.
func (e *blogExporter) start(ctx context.Context, host component.Host) error {
	e.host = host
	if l, ok := incidents.Find(host); ok {
		e.incidents = l
	}
	e.mu.Lock()
	err := e.openLocked(ctx)
	e.mu.Unlock()
	if err != nil {
		e.failing.Store(true)
		componentstatus.ReportStatus(host, componentstatus.NewRecoverableErrorEvent(err))
		e.logger.Warn("The blog directory cannot be used; it is retried on every push while the queue buffers",
			zap.String("directory", e.cfg.Directory), zap.Error(err))
	}

	e.stop = make(chan struct{})
	if srvCfg := e.cfg.Server.Get(); srvCfg != nil {
		if err := e.startServer(ctx, srvCfg); err != nil {
			if !startretry.IsRecoverable(err) {
				e.closeDir()
				return err
			}
			e.retryServer(srvCfg, err)
		}
	}
	e.tickerDone = make(chan struct{})
	go e.tickLoop()
	return nil
}

// Backoff of the server's listen retries (the dashboard's).
const (
	firstListenRetry = time.Second
	maxListenRetry   = 30 * time.Second
)

// startServer listens and serves the directory through blogfiles.Handler
// behind the Host/Origin guard. A taken port is a recoverable error.
func (e *blogExporter) startServer(ctx context.Context, srvCfg *confighttp.ServerConfig) error {
	ln, err := startretry.Listen(ctx, srvCfg)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", srvCfg.NetAddr.Endpoint, err)
	}
	srv, err := srvCfg.ToServer(ctx, e.host.GetExtensions(), e.set.TelemetrySettings, blogfiles.Handler{Open: e.openServed})
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("server: %w", err)
	}
	srv.Handler = httpguard.New(httpguard.ForServer(*srvCfg, e.cfg.AllowedHosts)).Wrap(srv.Handler, nil)
	e.server = srv
	e.serverDone = make(chan struct{})
	go func() {
		defer close(e.serverDone)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(e.host, componentstatus.NewFatalErrorEvent(fmt.Errorf("blog server: %w", err)))
		}
	}()
	e.logger.Info("Blog server listening", zap.String("endpoint", ln.Addr().String()))
	return nil
}

// retryServer reports the failed listen and listens again on a backoff
// until it works or the exporter shuts down. The posts are written
// meanwhile; OK is reported once both the server and the directory work.
func (e *blogExporter) retryServer(srvCfg *confighttp.ServerConfig, err error) {
	e.serverDown.Store(true)
	e.failing.Store(true)
	componentstatus.ReportStatus(e.host, componentstatus.NewRecoverableErrorEvent(err))
	e.logger.Warn("The blog server cannot listen yet; the posts are written and the listen is retried",
		zap.Error(err), zap.Duration("first_retry", firstListenRetry))
	report := startretry.Reporter(e.host, e.logger, "Blog server")
	e.retryDone = make(chan struct{})
	go func() {
		defer close(e.retryDone)
		startretry.Backoff{First: firstListenRetry, Max: maxListenRetry}.Run(e.stop,
			func(ctx context.Context) error { return e.startServer(ctx, srvCfg) },
			func(err error, permanent bool) {
				if err == nil {
					e.serverDown.Store(false)
					e.mu.Lock()
					open := e.dir != nil
					e.mu.Unlock()
					if !open {
						return // the push that opens the directory reports OK
					}
					e.failing.Store(false)
				}
				report(err, permanent)
			})
	}()
}

// openLocked opens the directory and rebuilds the state from it.
func (e *blogExporter) openLocked(ctx context.Context) error {
	dir, err := openBlogDir(e.cfg.Directory)
	if err != nil {
		return err
	}
	e.dir = dir
	e.state = newBlogState(e.cfg.Window, e.cfg.DashboardURL)
	now := e.now()
	loaded, err := e.loadLocked(now)
	if err == nil {
		err = e.flushLocked(ctx, now, true)
	}
	if err != nil {
		_ = dir.close()
		e.dir = nil
		return err
	}
	e.logger.Info("Blog exporter started", zap.String("directory", e.cfg.Directory), zap.Int("posts", loaded))
	return nil
}

func (e *blogExporter) closeDir() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dir != nil {
		_ = e.dir.close()
		e.dir = nil
	}
}

func (e *blogExporter) shutdown(ctx context.Context) error {
	if e.stop != nil {
		close(e.stop)
		if e.tickerDone != nil {
			<-e.tickerDone
		}
		if e.retryDone != nil {
			<-e.retryDone
		}
		e.stop = nil
	}
	var errs []error
	if e.server != nil {
		if err := e.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server shutdown: %w", err))
		}
		<-e.serverDone
		e.server = nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dir == nil {
		// Never opened (or closed by a failed start): nothing to flush.
		e.telemetry.Shutdown()
		return errors.Join(errs...)
	}
	if err := e.flushLocked(ctx, e.now(), true); err != nil {
		errs = append(errs, err)
	}
	if err := e.persistStatsLocked(e.now()); err != nil {
		errs = append(errs, err)
	}
	if err := e.dir.close(); err != nil {
		errs = append(errs, err)
	}
	e.dir = nil
	e.telemetry.Shutdown()
	e.logger.Info("Blog exporter stopped", zap.String("directory", e.cfg.Directory))
	return errors.Join(errs...)
}

// loadLocked rebuilds the state from the directory: every post's front
// matter, the open incident of each key, the digest accounting. Leftover
// temporary files of a crash are removed; HTML pages are rendered again.
func (e *blogExporter) loadLocked(now time.Time) (int, error) {
	names, err := e.dir.names()
	if err != nil {
		return 0, err
	}
	htmls := map[string]bool{}
	for _, name := range names {
		switch {
		case strings.HasPrefix(name, tmpPrefix):
			if err := e.dir.remove(name); err != nil {
				e.logger.Warn("Cannot remove leftover temporary file", zap.String("file", name), zap.Error(err))
			}
		case strings.HasSuffix(name, ".html") && name != indexFile:
			htmls[strings.TrimSuffix(name, ".html")] = true
		case strings.HasSuffix(name, ".md"):
			stem := strings.TrimSuffix(name, ".md")
			if !validSlug(stem) {
				continue
			}
			data, err := e.dir.readFile(name)
			if err == nil {
				var p *post
				if p, err = parsePost(data); err == nil {
					p.slug = stem
					e.state.load(p)
					e.state.dirty[stem] = struct{}{} // render the page again
					continue
				}
			}
			e.state.reserved[stem] = struct{}{}
			e.logger.Warn("Skipping unreadable post; it is left as it is", zap.String("file", name), zap.Error(err))
		}
	}
	for stem := range htmls {
		if _, ok := e.state.posts[stem]; !ok && validSlug(stem) {
			if _, reserved := e.state.reserved[stem]; !reserved {
				// A page whose Markdown was removed (retention interrupted).
				_ = e.dir.remove(stem + ".html")
			}
		}
	}
	e.state.listsDirty = true

	stats := newDigestStats(time.Time{})
	if data, err := e.dir.readFile(digestFile); err == nil {
		if err := json.Unmarshal(data, stats); err != nil {
			e.logger.Warn("Ignoring unreadable digest state", zap.String("file", digestFile), zap.Error(err))
			stats = newDigestStats(time.Time{})
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		e.logger.Warn("Ignoring unreadable digest state", zap.String("file", digestFile), zap.Error(err))
	}
	if stats.Counts == nil {
		stats.Counts = map[string]map[string]int64{}
	}
	if stats.Posts == nil {
		stats.Posts = map[string]int64{}
	}
	if e.cfg.Digest.Enabled {
		if stats.Start.IsZero() || stats.Start.After(now) {
			stats.Start = e.sched.prev(now)
		}
		e.nextDigest = e.sched.next(stats.Start)
	}
	e.state.stats = stats
	return len(e.state.posts), nil
}

func (e *blogExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dir == nil {
		if err := e.openLocked(ctx); err != nil {
			componentstatus.ReportStatus(e.host, componentstatus.NewRecoverableErrorEvent(err))
			return fmt.Errorf("%w: %w", errNotOpen, err)
		}
	}
	if !e.serverDown.Load() && e.failing.Swap(false) {
		componentstatus.ReportStatus(e.host, componentstatus.NewEvent(componentstatus.StatusOK))
	}
	now := e.now()
	var grouped int64
	var ledgerEvents []incidents.Event
	for _, rl := range ld.ResourceLogs().All() {
		res := rl.Resource()
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				joined, _, dup := e.state.apply(lr, res, now)
				if dup {
					continue
				}
				if e.incidents != nil && lr.EventName() != track.EventBlogPost && lr.EventName() != track.EventAnomalyDetected {
					if ev, ok := ledgerEvent(newEvent(lr, res, now)); ok {
						ledgerEvents = append(ledgerEvents, ev)
					}
				}
				e.statsDirty = true
				if joined {
					grouped++
				}
			}
		}
	}
	if grouped > 0 {
		e.telemetry.ExporterBlogEventsGrouped.Add(ctx, grouped)
	}
	if e.incidents != nil {
		e.recordEvents(ctx, ledgerEvents)
	}
	return e.flushLocked(ctx, now, false)
}

func (e *blogExporter) tickLoop() {
	defer close(e.tickerDone)
	t := time.NewTicker(tickInterval)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			if err := e.tick(context.Background()); err != nil {
				e.logger.Warn("Blog maintenance failed; it is retried", zap.Error(err))
			}
		}
	}
}

// tick does the time-driven work: writing a due
// digest, retention by age, and writing what an earlier failure left dirty.
func (e *blogExporter) tick(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dir == nil {
		return nil
	}
	now := e.now()
	if e.cfg.Digest.Enabled && !now.Before(e.nextDigest) {
		if !e.state.stats.empty() {
			p := e.state.newDigest(e.state.stats, e.nextDigest, e.sched, e.cfg.Digest.TopIncidents, now)
			e.logger.Info("Digest written", zap.String("post", p.slug), zap.Int64("events", p.EventCount))
		}
		start := e.sched.prev(now)
		e.state.stats = newDigestStats(start)
		e.nextDigest = e.sched.next(now)
		e.statsDirty = true
		e.lastStatsWrite = time.Time{}
	}
	err := e.flushLocked(ctx, now, false)
	if e.statsDirty && now.Sub(e.lastStatsWrite) >= statsPersistInterval {
		err = errors.Join(err, e.persistStatsLocked(now))
	}
	return err
}

func (e *blogExporter) persistStatsLocked(now time.Time) error {
	if !e.cfg.Digest.Enabled {
		return nil
	}
	data, err := json.Marshal(e.state.stats)
	if err != nil {
		return fmt.Errorf("digest state: %w", err)
	}
	if err := e.dir.writeFile(digestFile, data); err != nil {
		return err
	}
	e.statsDirty = false
	e.lastStatsWrite = now
	return nil
}

// flushLocked applies retention and writes every dirty post (Markdown, then
// its page), then the index and the feed — those at most once per
// lists_interval unless force — each file atomically. What fails stays dirty
// and is written by a later flush.
func (e *blogExporter) flushLocked(ctx context.Context, now time.Time, force bool) error {
	e.expireLocked(ctx, now)
	removed, errs := e.removeExpiredLocked()
	batch, batched, renderErrs := e.renderDirtyLocked()
	errs = append(errs, renderErrs...)
	if err := ctx.Err(); err != nil {
		return errors.Join(append(errs, err)...)
	}
	wrote := removed || len(batch) > 0
	errs = append(errs, e.writePostsLocked(ctx, batch, batched)...)
	if len(e.written) > 0 {
		e.recordPosts(ctx, e.written, now)
		e.written = e.written[:0]
	}
	listsDue := force || e.cfg.ListsInterval == 0 || now.Sub(e.lastLists) >= e.cfg.ListsInterval
	if e.state.listsDirty && listsDue && len(errs) == 0 {
		if err := e.writeLists(e.state.sortedPosts()); err != nil {
			errs = append(errs, err)
		} else {
			e.state.listsDirty = false
			e.lastLists = now
			wrote = true
		}
	}
	if wrote {
		if err := e.dir.syncDir(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// expireLocked marks for removal the posts beyond max_posts and, at most
// once per ageCheckInterval, those older than max_age.
func (e *blogExporter) expireLocked(ctx context.Context, now time.Time) {
	maxPosts := e.cfg.MaxPosts
	if maxPosts > 0 && len(e.state.posts) <= maxPosts {
		maxPosts = 0
	}
	maxAge := time.Duration(0)
	if e.cfg.MaxAge > 0 && now.Sub(e.lastAgeCheck) >= ageCheckInterval {
		maxAge = e.cfg.MaxAge
		e.lastAgeCheck = now
	}
	if maxPosts > 0 || maxAge > 0 {
		if n := e.state.expire(now, maxAge, maxPosts); n > 0 {
			e.telemetry.ExporterBlogPostsRemoved.Add(ctx, int64(n))
		}
	}
}

// removeExpiredLocked deletes the files of removed posts; removed is true
// when any went (the directory then needs a sync).
func (e *blogExporter) removeExpiredLocked() (removed bool, errs []error) {
	s := e.state
	for slug := range s.removed {
		err := errors.Join(e.dir.remove(slug+".md"), e.dir.remove(slug+".html"))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		delete(s.removed, slug)
		delete(s.stats.Posts, slug)
		removed = true
	}
	return removed, errs
}

// renderDirtyLocked renders every dirty post, in slug order, into the files
// of one batch write: batch holds two files (Markdown, page) per post of
// batched.
func (e *blogExporter) renderDirtyLocked() (batch []namedData, batched []*post, errs []error) {
	s := e.state
	slugs := make([]string, 0, len(s.dirty))
	for slug := range s.dirty {
		slugs = append(slugs, slug)
	}
	slices.Sort(slugs)
	for _, slug := range slugs {
		p := s.posts[slug]
		if p == nil {
			delete(s.dirty, slug)
			continue
		}
		md, page, err := renderPost(p, e.cfg.DashboardURL)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		batch = append(batch, namedData{p.slug + ".md", md}, namedData{p.slug + ".html", page})
		batched = append(batched, p)
	}
	return batch, batched, errs
}

// writePostsLocked writes the batch; a post whose two files were written is
// clean again (and counted, and queued for the ledger).
func (e *blogExporter) writePostsLocked(ctx context.Context, batch []namedData, batched []*post) []error {
	if len(batch) == 0 {
		return nil
	}
	var errs []error
	fileErrs := e.dir.writeFiles(batch, e.fsyncEach)
	for i, p := range batched {
		if err := errors.Join(fileErrs[2*i], fileErrs[2*i+1]); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(e.state.dirty, p.slug)
		if e.incidents != nil {
			e.written = append(e.written, p)
		}
		e.telemetry.ExporterBlogPostsWritten.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", p.Kind)))
	}
	return errs
}

// renderPost renders a post's Markdown file and HTML page.
func renderPost(p *post, dashboardURL string) (md, page []byte, err error) {
	renderBody(p, dashboardURL)
	if md, err = marshalPost(p); err != nil {
		return nil, nil, fmt.Errorf("post %s: %w", p.slug, err)
	}
	if page, err = renderPage(p); err != nil {
		return nil, nil, fmt.Errorf("post %s: %w", p.slug, err)
	}
	return md, page, nil
}

func (e *blogExporter) writeLists(sorted []*post) error {
	index, err := renderIndex(sorted)
	if err != nil {
		return err
	}
	feed, err := renderFeed(sorted, e.cfg.FeedEntries)
	if err != nil {
		return err
	}
	return errors.Join(e.dir.writeFile(indexFile, index), e.dir.writeFile(feedFile, feed))
}

// openServed opens a file for the blog server (blogfiles.Handler, which
// only asks for servable names).
func (e *blogExporter) openServed(name string) (*os.File, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dir == nil {
		return nil, blogfiles.ErrNotOpen
	}
	return e.dir.root.Open(name)
}
