package httpguard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// CSRFHeader carries the token on every write request.
const CSRFHeader = "X-CSRF-Token"

// CSRF protects write requests (every method but GET, HEAD and OPTIONS) of
// a listener whose login the browser sends by itself (basic auth): a write
// must carry the token of its own credentials in CSRFHeader. The token is
// read from a same-origin GET the Guard keeps other sites from reading, and
// a custom header cannot be set on a cross-site form or simple request.
type CSRF struct {
	key [32]byte
}

// NewCSRF draws a key for this process: tokens end with a restart.
func NewCSRF() *CSRF {
	c := &CSRF{}
	if _, err := rand.Read(c.key[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return c
}

// Token is the token of r's session: its Authorization header (one token
// for every anonymous client when the listener has no auth).
func (c *CSRF) Token(r *http.Request) string {
	m := hmac.New(sha256.New, c.key[:])
	m.Write([]byte(r.Header.Get("Authorization")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// Protect refuses a write without the right token with 403 before next.
func (c *CSRF) Protect(next http.Handler, refuse RefuseFunc) http.Handler {
	if refuse == nil {
		refuse = WriteJSONError
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !safeMethod(r.Method) {
			got := r.Header.Get(CSRFHeader)
			if got == "" {
				refuse(w, r, http.StatusForbidden, "missing "+CSRFHeader+" header: a write needs the token from GET /api/csrf")
				return
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(c.Token(r))) != 1 {
				refuse(w, r, http.StatusForbidden, "wrong "+CSRFHeader+" header: fetch a new token from GET /api/csrf")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
