package httpguard

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzCheck: any Host and Origin give an answer without panicking, and an
// allowed request has a Host that is one of the listener's names.
func FuzzCheck(f *testing.F) {
	for _, s := range [][2]string{
		{"localhost:4320", ""},
		{"localhost:4320", "http://evil.example"},
		{"evil.example:8790", "http://evil.example:8790"},
		{"[::1]:4320", "http://[::1]:5005"},
		{"[::1", "null"},
		{"127.0.0.1:", "http://127.0.0.1:*"},
		{"LOCALHOST.", "HTTP://LOCALHOST:1"},
		{"a.localhost:1:2", "http://a.localhost"},
		{"\x00", "\xff\xfe"},
	} {
		f.Add(s[0], s[1])
	}
	g := New(Options{Endpoint: "localhost:4320", AllowedOrigins: trackOrigins, AllowedHosts: []string{"box1.lan"}})
	f.Fuzz(func(t *testing.T, host, origin string) {
		r := httptest.NewRequest(http.MethodPost, "/v1/track", nil)
		r.Host = host
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		rf := g.Check(r)
		if rf != nil {
			if rf.Status != http.StatusForbidden && rf.Status != http.StatusMisdirectedRequest {
				t.Fatalf("status %d for Host %q Origin %q", rf.Status, host, origin)
			}
			if len(rf.Message) > 600 {
				t.Fatalf("message of %d bytes repeats too much of the request", len(rf.Message))
			}
			return
		}
		name := hostName(host)
		ip := net.ParseIP(name)
		if !(name == "localhost" || strings.HasSuffix(name, ".localhost") || name == "box1.lan" || (ip != nil && ip.IsLoopback())) {
			t.Fatalf("Host %q (name %q) allowed", host, name)
		}
	})
}
