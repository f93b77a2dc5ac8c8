package e2e

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unitrack/unitrack/internal/testbin"
)

// TestSecureBrowserLogin: on the secure profile, chromium answers the
// dashboard's basic-auth challenge (as a user typing the login would), sees
// the live tail (the EventSource re-sends the login by itself), and a page
// on another https origin reports an error through /tracker.js to the
// tracker's listener, which appears live.
func TestSecureBrowserLogin(t *testing.T) {
	ctx := testbin.Browser(t, chromedp.Flag("ignore-certificate-errors", true))
	s := startSecure(t)
	dash := s.url(s.dashboard)

	// The login dialog: Fetch.authRequired is what chromium asks its user.
	var challenges atomic.Int32
	var mu sync.Mutex
	var authErr error
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *fetch.EventAuthRequired:
			challenges.Add(1)
			go func() {
				_, err := chromedp.Call(ctx, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{RequestID: e.RequestID,
					AuthChallengeResponse: &fetch.AuthChallengeResponse{
						Response: fetch.AuthChallengeResponseResponseProvideCredentials, Username: s.user, Password: s.pass}})
				if err != nil {
					mu.Lock()
					authErr = err
					mu.Unlock()
				}
			}()
		case *fetch.EventRequestPaused:
			go func() {
				_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
			}()
		}
	}))
	handleAuth := true
	_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{HandleAuthRequests: &handleAuth})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(dash+"/")))
	testbin.WaitJS(t, ctx, `document.getElementById('live-state').textContent === 'live'`, 20*time.Second)
	mu.Lock()
	require.NoError(t, authErr)
	mu.Unlock()
	asked := challenges.Load()
	assert.Equal(t, int32(1), asked, "the login is asked once; the API and the live stream re-send it")

	// A sender's event arrives live.
	r := send(t, s.client, http.MethodPost, s.url(s.track)+"/v1/track",
		map[string]string{"Authorization": "Bearer " + s.token, "Content-Type": "application/json"},
		`{"event_type":"secure_live","message":"live over tls behind the login","severity":"warning"}`)
	require.Equal(t, 200, r.status, r.body)
	testbin.WaitJS(t, ctx, rowWith("live over tls behind the login"), 30*time.Second)

	// A page of another https origin that includes the tracker and throws.
	page := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><script src="%s/tracker.js"></script></head><body>
<script>setTimeout(function () { throw new Error('secure tracker boom'); }, 50);</script></body></html>`, dash)
	}))
	page.TLS = &tls.Config{Certificates: []tls.Certificate{s.cert.TLS}}
	page.StartTLS()
	t.Cleanup(page.Close)
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(page.URL+"/")))
	testbin.WaitJS(t, ctx, rowWith("secure tracker boom"), 30*time.Second)
	assert.Equal(t, asked, challenges.Load(), "the tracker page asked for no login")
	testbin.Screenshot(t, ctx, "e2e-secure-live.png")
}
