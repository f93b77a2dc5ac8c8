package trackreceiver // import "github.com/unitrack/unitrack/receiver/trackreceiver"

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/unitrack/unitrack/internal/httpguard"
	"github.com/unitrack/unitrack/internal/legacy"
	"github.com/unitrack/unitrack/receiver/trackreceiver/internal/metadata"
)

// trackReceiver serves one POST path per legacy format.
type trackReceiver struct {
	cfg        *Config
	set        receiver.Settings
	next       consumer.Logs
	obsrep     *receiverhelper.ObsReport
	tb         *metadata.TelemetryBuilder
	routes     map[string]route
	paths      string // the served paths, for 404 messages
	retryAfter string

	server *http.Server
	addr   string // the listener's address, known after Start
	wg     sync.WaitGroup
}

type route struct {
	format  legacy.Format
	invalid metric.MeasurementOption // the format attribute of the invalid-events counter
}

func newTrackReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*trackReceiver, error) {
	obsrep, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "http",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	r := &trackReceiver{
		cfg:        cfg,
		set:        set,
		next:       next,
		obsrep:     obsrep,
		tb:         tb,
		routes:     make(map[string]route, len(legacy.Formats)),
		retryAfter: strconv.FormatInt(int64(math.Ceil(cfg.RetryAfter.Seconds())), 10),
	}
	paths := make([]string, 0, len(legacy.Formats))
	for _, fi := range legacy.Formats {
		if len(cfg.Formats) > 0 && !slices.Contains(cfg.Formats, string(fi.Format)) {
			continue
		}
		p := cfg.PathPrefix + fi.Path
		r.routes[p] = route{
			format:  fi.Format,
			invalid: metric.WithAttributeSet(attribute.NewSet(attribute.String("format", string(fi.Format)))),
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	r.paths = strings.Join(paths, ", ")
	return r, nil
}

func (r *trackReceiver) Start(ctx context.Context, host component.Host) error {
	srv, err := r.cfg.ServerConfig.ToServer(ctx, host.GetExtensions(), r.set.TelemetrySettings, r,
		confighttp.WithErrorHandler(writeHandlerError))
	if err != nil {
		return fmt.Errorf("track receiver: %w", err)
	}
	ln, err := r.cfg.ServerConfig.ToListener(ctx)
	if err != nil {
		return fmt.Errorf("track receiver: listen on %s: %w", r.cfg.NetAddr.Endpoint, err)
	}
	srv.Handler = r.guard().Wrap(srv.Handler, writeGuardError)
	r.server = srv
	r.addr = ln.Addr().String()
	r.set.Logger.Info("Track receiver listening for legacy events",
		zap.String("endpoint", ln.Addr().String()),
		zap.String("path_prefix", r.cfg.PathPrefix),
		zap.Int("paths", len(r.routes)))
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	}()
	return nil
}

// guard refuses foreign Hosts and Origins before confighttp's layers (and
// so before the body) see the request.
func (r *trackReceiver) guard() *httpguard.Guard {
	opts := httpguard.ForServer(r.cfg.ServerConfig, r.cfg.AllowedHosts)
	opts.RequireOrigin = r.cfg.RequireOrigin
	return httpguard.New(opts)
}

func (r *trackReceiver) Shutdown(ctx context.Context) error {
	var err error
	if r.server != nil {
		err = r.server.Shutdown(ctx)
		r.wg.Wait()
		r.set.Logger.Info("Track receiver stopped")
	}
	r.tb.Shutdown()
	return err
}

// response is the body of every answer, success or error.
type response struct {
	// Error says what went wrong with the request as a whole.
	Error    string       `json:"error,omitempty"`
	Accepted int          `json:"accepted"`
	Rejected int          `json:"rejected"`
	Errors   []eventError `json:"errors"`
}

type eventError struct {
	Index int    `json:"index"`
	Error string `json:"error"`
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps one huge request from pinning its buffer forever.
const maxPooledBuffer = 1 << 20

// ServeHTTP answers one POST of legacy events: it admits the request, reads
// the body, decodes it, and hands the valid events to the pipeline before
// it answers.
func (r *trackReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rt, idemKey, ok := r.admit(w, req)
	if !ok {
		return
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			bufPool.Put(buf)
		}
	}()
	if !r.readBody(w, req, buf) {
		return
	}

	logs, evErrs, err := legacy.DecodeWithIDs(rt.format, buf.Bytes(), time.Now(), requestIDs(rt.format, idemKey))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(evErrs) > 0 {
		r.tb.ReceiverTrackInvalidEvents.Add(req.Context(), int64(len(evErrs)), rt.invalid)
	}
	resp := newResponse(logs.LogRecordCount(), evErrs)
	if resp.Accepted == 0 {
		writeJSON(w, http.StatusBadRequest, &resp)
		return
	}
	r.consume(w, req, rt, logs, &resp)
}

// admit checks what can be refused before the body is read: the path, the
// method, the Content-Type and the Idempotency-Key. It has answered when ok
// is false.
func (r *trackReceiver) admit(w http.ResponseWriter, req *http.Request) (rt route, idemKey string, ok bool) {
	rt, ok = r.routes[req.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown path %q: the legacy paths are %s", req.URL.Path, r.paths))
		return route{}, "", false
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s: send events with POST", req.Method, req.URL.Path))
		return route{}, "", false
	}
	if msg := checkContentType(req.Header.Get("Content-Type")); msg != "" {
		writeError(w, http.StatusUnsupportedMediaType, msg)
		return route{}, "", false
	}
	idemKey, err := idempotencyKey(req.Header)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return route{}, "", false
	}
	return rt, idemKey, true
}

// readBody reads the (decompressed) body into buf, bounded by
// max_request_body_size. It has answered when it returns false.
func (r *trackReceiver) readBody(w http.ResponseWriter, req *http.Request, buf *bytes.Buffer) bool {
	limit := r.cfg.MaxRequestBodySize
	if req.ContentLength > 0 && (limit <= 0 || req.ContentLength <= limit) {
		buf.Grow(int(req.ContentLength) + bytes.MinRead)
	}
	body := req.Body
	if limit > 0 {
		body = http.MaxBytesReader(w, body, limit)
	}
	_, err := buf.ReadFrom(body)
	if err == nil {
		return true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("request body is larger than max_request_body_size (%d bytes)", tooLarge.Limit))
		return false
	}
	writeError(w, http.StatusBadRequest, "cannot read the request body: "+err.Error())
	return false
}

// newResponse is the answer to a decoded body: the counts, each rejected
// event's reason, and, when no event is valid, why as a whole.
func newResponse(accepted int, evErrs []legacy.EventError) response {
	resp := response{Accepted: accepted, Rejected: len(evErrs)}
	if len(evErrs) > 0 {
		resp.Errors = make([]eventError, len(evErrs))
		for i, e := range evErrs {
			resp.Errors[i] = eventError{Index: e.Index, Error: e.Err.Error()}
		}
	}
	if accepted > 0 {
		return resp
	}
	switch len(evErrs) {
	case 0:
		resp.Error = "the body holds no events: expected a JSON object, an array of objects or NDJSON"
	case 1:
		resp.Error = "no valid event: " + evErrs[0].Error()
	default:
		resp.Error = fmt.Sprintf("no valid event (%d rejected); the first: %s", len(evErrs), evErrs[0].Error())
	}
	return resp
}

// consume hands the valid events to the pipeline and answers with what it
// did: 200, 400 for a permanent refusal, 503 with Retry-After otherwise.
func (r *trackReceiver) consume(w http.ResponseWriter, req *http.Request, rt route, logs plog.Logs, resp *response) {
	ctx := r.obsrep.StartLogsOp(req.Context())
	err := r.next.ConsumeLogs(ctx, logs)
	r.obsrep.EndLogsOp(ctx, string(rt.format), resp.Accepted, err)
	if err == nil {
		if resp.Rejected == 0 {
			writeAccepted(w, resp.Accepted)
			return
		}
		writeJSON(w, http.StatusOK, resp)
		return
	}
	refused := resp.Accepted
	resp.Accepted = 0
	resp.Rejected += refused
	if consumererror.IsPermanent(err) {
		resp.Error = fmt.Sprintf("the pipeline rejected the %d valid events permanently: %v", refused, err)
		writeJSON(w, http.StatusBadRequest, resp)
		return
	}
	resp.Error = fmt.Sprintf("the pipeline refused the %d valid events for now (retry after %ss): %v", refused, r.retryAfter, err)
	w.Header().Set("Retry-After", r.retryAfter)
	writeJSON(w, http.StatusServiceUnavailable, resp)
}

// checkContentType returns why a Content-Type is refused, "" when accepted.
// A missing Content-Type is accepted (sendBeacon of a typeless Blob).
func checkContentType(ct string) string {
	switch ct {
	case "", "application/json", "text/plain;charset=UTF-8", "application/x-ndjson":
		return ""
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Sprintf("unsupported Content-Type %q: expected application/json, application/x-ndjson or text/plain", ct)
	}
	switch mt {
	case "application/json", "application/x-ndjson", "text/plain":
	default:
		return fmt.Sprintf("unsupported Content-Type %q: expected application/json, application/x-ndjson or text/plain", mt)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") && !strings.EqualFold(cs, "us-ascii") {
		return fmt.Sprintf("unsupported charset %q in Content-Type: expected utf-8", cs)
	}
	return ""
}

func writeAccepted(w http.ResponseWriter, n int) {
	var b [64]byte
	out := append(b[:0], `{"accepted":`...)
	out = strconv.AppendInt(out, int64(n), 10)
	out = append(out, `,"rejected":0,"errors":[]}`...)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, &response{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, resp *response) {
	if resp.Errors == nil {
		resp.Errors = []eventError{}
	}
	b, err := json.Marshal(resp)
	if err != nil {
		b = []byte(`{"error":"cannot encode the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeGuardError answers a refused Host or Origin; the unread body makes
// the connection unusable for a next request.
func writeGuardError(w http.ResponseWriter, _ *http.Request, status int, msg string) {
	w.Header().Set("Connection", "close")
	writeError(w, status, msg)
}

// writeHandlerError answers the failures confighttp detects before the
// handler runs (authentication 401, undecodable Content-Encoding 400) in the
// same JSON shape.
func writeHandlerError(w http.ResponseWriter, _ *http.Request, msg string, status int) {
	if status == http.StatusUnauthorized {
		msg = "authentication failed: " + msg
	}
	writeError(w, status, msg)
}
