package target

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
	"go.opentelemetry.io/collector/component/componenttest"
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

func TestStripURL(t *testing.T) {
	inner := errors.New("connection refused")
	secret := &url.Error{Op: "Post", URL: "https://hooks.slack.com/services/T/B/SECRET", Err: inner}
	assert.Equal(t, inner, stripURL(secret))
}

func TestNetworkErrorHasNoURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	endpoint := srv.URL + "/services/T000/B000/SECRETTOKEN"
	srv.Close()
	err := post(context.Background(), http.DefaultClient, "ops", endpoint, Payload{Body: []byte("{}"), ContentType: "application/json"}, time.Now())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRETTOKEN")
	assert.NotContains(t, err.Error(), "/services/")
	assert.Contains(t, err.Error(), `target "ops": POST failed: `)
}

func TestCheckHTTP(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		path     string
		want     []string
	}{
		{name: "ok", endpoint: "https://hooks.example.com/x"},
		{name: "no endpoint", want: []string{"endpoint: must be set for type demo"}},
		// The endpoint may carry a token: the error never echoes it.
		{name: "not http", endpoint: "ftp://secret-token@example.com/x", want: []string{"endpoint: must be an absolute http(s) URL"}},
		{name: "path", endpoint: "http://localhost:1/x", path: "inbox.jsonl", want: []string{"path: only valid for type file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Settings{Name: "t", Path: tt.path}
			s.Client.Endpoint = tt.endpoint
			var got []string
			for _, err := range HTTPFactory("demo", encodeDemo).Check(s) {
				got = append(got, err.Error())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func encodeDemo(m Message) (Payload, error) {
	return Payload{Body: []byte(m.Title), ContentType: "text/plain", Headers: map[string]string{"X-Kind": m.Kind}}, nil
}

// TestHTTPTargetPosts: over real HTTP, the target posts the encoder's
// payload with its headers and the notify User-Agent, and maps the answer.
func TestHTTPTargetPosts(t *testing.T) {
	got := make(chan *http.Request, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Clone(context.Background())
		if r.URL.Path == "/gone" {
			w.WriteHeader(http.StatusGone)
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		path    string
		wantErr string
	}{{path: "/ok"}, {path: "/gone", wantErr: `Permanent error: target "hook" answered 410 Gone`}} {
		s := Settings{Name: "hook"}
		s.Client.Endpoint = srv.URL + tc.path
		tg := HTTPFactory("demo", encodeDemo).New(s)
		require.NoError(t, tg.Start(context.Background(), componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings()))
		err := tg.Deliver(context.Background(), Message{Notification: Notification{Kind: KindOneShot}, Title: "hello"})
		require.NoError(t, tg.Shutdown(context.Background()))
		if tc.wantErr == "" {
			require.NoError(t, err)
		} else {
			require.EqualError(t, err, tc.wantErr)
		}
		r := <-got
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "text/plain", r.Header.Get("Content-Type"))
		assert.Equal(t, "unitrack-notify", r.Header.Get("User-Agent"))
		assert.Equal(t, KindOneShot, r.Header.Get("X-Kind"))
	}
}

func TestHTTPTargetNotStarted(t *testing.T) {
	s := Settings{Name: "hook"}
	s.Client.Endpoint = "http://127.0.0.1:1/x"
	err := HTTPFactory("demo", encodeDemo).New(s).Deliver(context.Background(), Message{})
	assert.EqualError(t, err, `target "hook": not started`)
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "1", "120", "-5", "99999999999999999999", "Wed, 21 Oct 2015 07:28:00 GMT", "soon"} {
		f.Add(s)
	}
	now := time.Date(2015, 10, 21, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetryAfter(s, now)
		if !ok {
			return
		}
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("parseRetryAfter(%q) = %s, want within [0, %s]", s, d, maxRetryAfter)
		}
	})
}
