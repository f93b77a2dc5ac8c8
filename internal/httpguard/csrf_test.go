package httpguard

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCSRFProtect(t *testing.T) {
	c := NewCSRF()
	h := c.Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}), nil)
	alice := "Basic YWxpY2U6c2VjcmV0"
	bob := "Basic Ym9iOnNlY3JldA=="
	aliceReq := httptest.NewRequest(http.MethodGet, "/api/csrf", nil)
	aliceReq.Header.Set("Authorization", alice)
	aliceToken := c.Token(aliceReq)

	tests := []struct {
		name, method, auth, token string
		want                      int
	}{
		{"GET needs no token", http.MethodGet, alice, "", http.StatusNoContent},
		{"HEAD needs no token", http.MethodHead, "", "", http.StatusNoContent},
		{"OPTIONS needs no token", http.MethodOptions, "", "", http.StatusNoContent},
		{"POST without token", http.MethodPost, alice, "", http.StatusForbidden},
		{"POST with its token", http.MethodPost, alice, aliceToken, http.StatusNoContent},
		{"DELETE with its token", http.MethodDelete, alice, aliceToken, http.StatusNoContent},
		{"POST with another session's token", http.MethodPost, bob, aliceToken, http.StatusForbidden},
		{"POST with a made-up token", http.MethodPost, alice, "x", http.StatusForbidden},
		{"PUT anonymous, anonymous token", http.MethodPut, "", c.Token(httptest.NewRequest(http.MethodGet, "/", nil)), http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/api/silences", nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			if tt.token != "" {
				r.Header.Set(CSRFHeader, tt.token)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, tt.want, w.Code, w.Body.String())
		})
	}
	// Another process (a restart) has another key.
	assert.NotEqual(t, aliceToken, NewCSRF().Token(aliceReq))
}
