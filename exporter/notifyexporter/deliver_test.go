package notifyexporter

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
)

func TestStatusError(t *testing.T) {
	now := time.Date(2015, 10, 21, 7, 0, 0, 0, time.UTC)
	tests := []struct {
		code       int
		retryAfter string
		wantErr    string
		permanent  bool
	}{
		{code: 200},
		{code: 204},
		{code: 400, wantErr: `Permanent error: target "t" answered 400 Bad Request`, permanent: true},
		{code: 401, wantErr: `Permanent error: target "t" answered 401 Unauthorized`, permanent: true},
		{code: 404, wantErr: `Permanent error: target "t" answered 404 Not Found`, permanent: true},
		{code: 408, wantErr: `target "t" answered 408 Request Timeout`},
		{code: 429, wantErr: `target "t" answered 429 Too Many Requests`},
		{code: 429, retryAfter: "7", wantErr: `Throttle (7s), error: target "t" answered 429 Too Many Requests`},
		{code: 503, retryAfter: "Wed, 21 Oct 2015 07:00:30 GMT", wantErr: `Throttle (30s), error: target "t" answered 503 Service Unavailable`},
		{code: 500, wantErr: `target "t" answered 500 Internal Server Error`},
		{code: 502, retryAfter: "5", wantErr: `target "t" answered 502 Bad Gateway`},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: tt.code, Header: http.Header{}}
		if tt.retryAfter != "" {
			resp.Header.Set("Retry-After", tt.retryAfter)
		}
		err := statusError("t", resp, now)
		if tt.wantErr == "" {
			assert.NoError(t, err, "status %d", tt.code)
			continue
		}
		assert.EqualError(t, err, tt.wantErr, "status %d", tt.code)
		assert.Equal(t, tt.permanent, consumererror.IsPermanent(err), "status %d: permanent", tt.code)
	}
}

func TestHeaderValue(t *testing.T) {
	assert.Equal(t, "plain title", headerValue("plain  title\n"))
	assert.Equal(t, "=?utf-8?q?Ollama_est_en_panne_=E2=80=94_=C3=A7a?=", headerValue("Ollama est en panne — ça"))
	assert.Equal(t, "a Injected: header", headerValue("a\r\nInjected: header"))
}

// An event text holding DEL (a control byte Go's client refuses in a header)
// must still reach an ntfy target: refused locally, it would be retried as if
// the target were down and then dropped.
func TestNtfyTitleWithDELIsDelivered(t *testing.T) {
	var gotTitle string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotTitle = r.Header.Get("Title")
	}))
	defer srv.Close()
	n := notification{Status: statusFiring, EventName: "task.failed", Family: "task\x7f"}
	p, err := buildPayload(typeNtfy, n, "disk\x7f full", "text")
	require.NoError(t, err)
	err = deliverHTTP(context.Background(), srv.Client(), "ntfy", srv.URL, p, time.Now())
	require.NoError(t, err)
	assert.Equal(t, "=?utf-8?q?disk=7F_full?=", gotTitle)
}

func TestStripURL(t *testing.T) {
	inner := errors.New("connection refused")
	assert.Equal(t, inner, stripURL(urlError(inner)))
}

// urlError builds the *url.Error http.Client returns, with a secret URL.
func urlError(inner error) *url.Error {
	return &url.Error{Op: "Post", URL: "https://hooks.slack.com/services/T/B/SECRET", Err: inner}
}
