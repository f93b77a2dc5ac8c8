package target

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/unitrack/unitrack/internal/track"
)

// HTTPFactory is the factory of a type that posts each message, rendered by
// encode, to the target's endpoint (webhook, slack, discord, ntfy).
func HTTPFactory(typ string, encode Encoder) Factory {
	return Factory{
		Type:   typ,
		Check:  func(s Settings) []error { return checkHTTP(typ, s) },
		Encode: encode,
		New:    func(s Settings) Target { return &httpTarget{s: s, encode: encode} },
	}
}

// checkHTTP is what every HTTP type needs: an absolute http(s) endpoint, no path.
func checkHTTP(typ string, s Settings) []error {
	var errs []error
	if s.Client.Endpoint == "" {
		errs = append(errs, fmt.Errorf("endpoint: must be set for type %s", typ))
	} else if !track.IsHTTPURL(s.Client.Endpoint) {
		// The endpoint may hold a secret (Slack and Discord webhook URLs do): never echo it.
		errs = append(errs, errors.New("endpoint: must be an absolute http(s) URL"))
	}
	if s.Path != "" {
		errs = append(errs, errors.New("path: only valid for type file"))
	}
	return errs
}

// httpTarget posts every message to one endpoint with the confighttp client.
type httpTarget struct {
	s      Settings
	encode Encoder
	client *http.Client
}

func (h *httpTarget) Start(ctx context.Context, host component.Host, tel component.TelemetrySettings) error {
	client, err := h.s.Client.ToClient(ctx, host.GetExtensions(), tel)
	if err != nil {
		return fmt.Errorf("http client: %w", err)
	}
	h.client = client
	return nil
}

func (h *httpTarget) Deliver(ctx context.Context, m Message) error {
	p, err := h.encode(m)
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	if h.client == nil {
		return fmt.Errorf("target %q: not started", h.s.Name)
	}
	return post(ctx, h.client, h.s.Name, h.s.Client.Endpoint, p, time.Now())
}

func (h *httpTarget) Shutdown(context.Context) error {
	if h.client != nil {
		h.client.CloseIdleConnections()
	}
	return nil
}

// maxDrain bounds how much of a response body is read before closing it, so
// the connection can be reused without trusting the target's body size.
const maxDrain = 64 << 10

// post sends one payload. Errors never contain the endpoint (webhook URLs
// carry their token in the path): url.Error is unwrapped and only the
// target name and status are reported.
func post(ctx context.Context, client *http.Client, name, endpoint string, p Payload, now time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(p.Body))
	if err != nil {
		// Only a malformed endpoint gets here, and Validate rejects those.
		return consumererror.NewPermanent(fmt.Errorf("target %q: cannot build request", name))
	}
	req.Header.Set("Content-Type", p.ContentType)
	req.Header.Set("User-Agent", "unitrack-notify")
	for k, v := range p.Headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("target %q: POST failed: %w", name, stripURL(err))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	_ = resp.Body.Close()
	return statusError(name, resp, now)
}

// errTimeout is what a request that timed out reports (its url.Error,
// which holds the URL, is dropped).
var errTimeout = errors.New("request timed out")

// stripURL removes the URL that *url.Error carries in its message.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("timeout: %w", errTimeout)
		}
		return ue.Err
	}
	return err
}

// statusError maps a response status to nil (2xx), a retryable error (408,
// 429, 5xx; throttled by Retry-After when the target sends one) or a
// permanent one (any other status).
func statusError(name string, resp *http.Response, now time.Time) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	err := fmt.Errorf("target %q answered %d %s", name, code, http.StatusText(code))
	switch {
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			return exporterhelper.NewThrottleRetry(err, d)
		}
		return err
	case code == http.StatusRequestTimeout || code >= 500:
		return err
	default:
		return consumererror.NewPermanent(err)
	}
}

// maxRetryAfter caps what a target can ask for, so a bogus header cannot
// park a notification for days.
const maxRetryAfter = time.Hour

// parseRetryAfter reads delay-seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int(maxRetryAfter/time.Second) {
			// Capped before multiplying: a huge value would overflow.
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}
