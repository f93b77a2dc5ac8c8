// Package httpguard holds the browser-facing checks every HTTP listener of
// unitrack applies before it reads a request: the Host must be one of the
// listener's own names (against DNS rebinding) and a present Origin must be
// allowed (against cross-site "simple" requests, which CORS lets through).
package httpguard // import "github.com/unitrack/unitrack/internal/httpguard"

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/rs/cors"
)

// Options configure a Guard from a component's config.
type Options struct {
	// Endpoint is the listener's host:port; its host is one of its names.
	Endpoint string
	// AllowedHosts are more names the listener answers to (allowed_hosts):
	// "name", "*.domain" (any subdomain) or "*" (no Host check).
	AllowedHosts []string
	// AllowedOrigins are confighttp's cors.allowed_origins, matched as
	// confighttp's CORS layer matches them (rs/cors, one "*" wildcard).
	AllowedOrigins []string
	// RequireOrigin refuses requests without an Origin: a listener that
	// serves only browsers (the tracker's), authorised by the page's origin.
	RequireOrigin bool
	// PublicPaths skip the Origin check: resources other sites embed on
	// purpose (the dashboard's /tracker.js). The Host check still applies.
	PublicPaths []string
}

// Guard checks the Host and Origin of requests.
type Guard struct {
	anyHost    bool
	anyIP      bool // the listener binds every address: IP-literal Hosts are its own
	hosts      map[string]bool
	suffixes   []string // from "*.domain": ".domain"
	origins    *cors.Cors
	anyOrigin  bool
	reqOrigin  bool
	publicPath map[string]bool
}

// ValidateHosts checks allowed_hosts entries; key names the config key.
func ValidateHosts(key string, hosts []string) error {
	var errs []error
	for i, h := range hosts {
		switch {
		case h == "*":
		case h == "" || strings.TrimSpace(h) != h:
			errs = append(errs, fmt.Errorf("%s::%d: expected a host name, got %q", key, i, h))
		case strings.Contains(h, "://") || strings.ContainsAny(h, "/?#@ []") || (strings.Contains(h, ":") && net.ParseIP(h) == nil):
			errs = append(errs, fmt.Errorf("%s::%d: expected a bare host name without scheme, port or path, got %q", key, i, h))
		case strings.Contains(strings.TrimPrefix(h, "*."), "*"):
			errs = append(errs, fmt.Errorf("%s::%d: a wildcard is only allowed as a leading \"*.\", got %q", key, i, h))
		}
	}
	return errors.Join(errs...)
}

// New builds a Guard.
func New(o Options) *Guard {
	g := &Guard{hosts: map[string]bool{"localhost": true}, publicPath: map[string]bool{}}
	host := o.Endpoint
	if h, _, err := net.SplitHostPort(o.Endpoint); err == nil {
		host = h
	}
	host = normalizeHost(host)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		g.anyIP = true
	} else {
		g.hosts[host] = true
	}
	for _, h := range o.AllowedHosts {
		switch {
		case h == "*":
			g.anyHost = true
		case strings.HasPrefix(h, "*."):
			g.suffixes = append(g.suffixes, normalizeHost(h[1:]))
		default:
			g.hosts[normalizeHost(h)] = true
		}
	}
	for _, o := range o.AllowedOrigins {
		if o == "*" {
			g.anyOrigin = true
		}
	}
	if len(o.AllowedOrigins) > 0 {
		g.origins = cors.New(cors.Options{AllowedOrigins: o.AllowedOrigins})
	}
	g.reqOrigin = o.RequireOrigin
	for _, p := range o.PublicPaths {
		g.publicPath[p] = true
	}
	return g
}

// normalizeHost lower-cases a host and drops a trailing dot and brackets.
func normalizeHost(h string) string {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}

// hostName is the name part of a Host header ("[::1]:80" -> "::1").
func hostName(hostport string) string {
	if strings.HasPrefix(hostport, "[") {
		if i := strings.IndexByte(hostport, ']'); i > 0 {
			return normalizeHost(hostport[1:i])
		}
		return normalizeHost(hostport)
	}
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && strings.IndexByte(hostport, ':') == i {
		hostport = hostport[:i]
	}
	return normalizeHost(hostport)
}

func (g *Guard) hostAllowed(name string) bool {
	if g.anyHost || g.hosts[name] || strings.HasSuffix(name, ".localhost") {
		return true
	}
	if ip := net.ParseIP(name); ip != nil {
		// A DNS-rebinding page always sends a DNS name, never an IP literal.
		return ip.IsLoopback() || g.anyIP
	}
	for _, s := range g.suffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// Refusal says why a request is refused; Status is 421 or 403.
type Refusal struct {
	Status  int
	Message string
}

// maxQuoted bounds how much of a hostile header a message repeats.
const maxQuoted = 100

func quote(s string) string {
	if len(s) > maxQuoted {
		s = s[:maxQuoted] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// Check returns why r is refused, or nil. It reads only r's headers, URL
// and TLS state, never its body.
func (g *Guard) Check(r *http.Request) *Refusal {
	name := hostName(r.Host)
	if name == "" || !g.hostAllowed(name) {
		return &Refusal{http.StatusMisdirectedRequest, fmt.Sprintf(
			"Host %s is not a name of this listener: expected localhost, a loopback address, the endpoint's host or one of allowed_hosts", quote(r.Host))}
	}
	origins := r.Header.Values("Origin")
	if g.publicPath[r.URL.Path] {
		return nil
	}
	if len(origins) == 0 {
		if g.reqOrigin {
			return &Refusal{http.StatusForbidden, "this listener serves web pages only: the Origin header of an allowed page (cors.allowed_origins) is required"}
		}
		return nil
	}
	if len(origins) > 1 {
		return &Refusal{http.StatusForbidden, "more than one Origin header"}
	}
	origin := origins[0]
	if g.sameOrigin(r, origin) || g.anyOrigin || (g.origins != nil && g.origins.OriginAllowed(r)) {
		return nil
	}
	return &Refusal{http.StatusForbidden, fmt.Sprintf(
		"Origin %s is not allowed to send requests here: add it to cors.allowed_origins", quote(origin))}
}

// sameOrigin: the page was served by this listener under the (already
// checked) Host it names.
func (g *Guard) sameOrigin(r *http.Request, origin string) bool {
	if g.anyHost {
		return false // an unchecked Host may be a rebinding page's own name
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return strings.EqualFold(origin, scheme+r.Host)
}

// RefuseFunc writes a refusal in the component's own error shape.
type RefuseFunc func(w http.ResponseWriter, r *http.Request, status int, msg string)

// WriteJSONError is the default RefuseFunc: {"error": msg}.
func WriteJSONError(w http.ResponseWriter, _ *http.Request, status int, msg string) {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	// A refused client is not trusted to send a next request on this connection.
	h.Set("Connection", "close")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Wrap refuses what Check refuses before next (and so before the body is
// read); refuse writes the answer (WriteJSONError when nil).
func (g *Guard) Wrap(next http.Handler, refuse RefuseFunc) http.Handler {
	if refuse == nil {
		refuse = WriteJSONError
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rf := g.Check(r); rf != nil {
			refuse(w, r, rf.Status, rf.Message)
			return
		}
		next.ServeHTTP(w, r)
	})
}
