package notifyexporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// maxDrain bounds how much of a response body is read before closing it, so
// the connection can be reused without trusting the target's body size.
const maxDrain = 64 << 10

// deliverHTTP posts one payload. Errors never contain the endpoint (webhook
// URLs carry their token in the path): url.Error is unwrapped and only the
// target name and status are reported.
func deliverHTTP(ctx context.Context, client *http.Client, name, endpoint string, p payload, now time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(p.body))
	if err != nil {
		// Only a malformed endpoint gets here, and Validate rejects those.
		return consumererror.NewPermanent(fmt.Errorf("target %q: cannot build request", name))
	}
	req.Header.Set("Content-Type", p.contentType)
	req.Header.Set("User-Agent", "unitrack-notify")
	for k, v := range p.headers {
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

var errTimeout = errors.New("request timed out")

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

// maxRetryAfter caps what a target can ask for, so a bogus header cannot park
// a notification for days.
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

// inboxFile is a file target: one JSON line per notification.
type inboxFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func (fi *inboxFile) open() error {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(fi.path), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(fi.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	fi.f = f
	return nil
}

func (fi *inboxFile) write(line []byte) error {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if fi.f == nil {
		return errors.New("inbox file is closed")
	}
	buf := make([]byte, 0, len(line)+1)
	buf = append(append(buf, line...), '\n')
	_, err := fi.f.Write(buf)
	return err
}

func (fi *inboxFile) close() error {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if fi.f == nil {
		return nil
	}
	err := fi.f.Close()
	fi.f = nil
	return err
}
