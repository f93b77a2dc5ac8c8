package basicauthextension

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/tg123/go-htpasswd"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensionauth"
	"go.uber.org/zap"
)

var (
	errNoAuth              = errors.New("no basic auth provided")
	errInvalidSchemePrefix = errors.New("invalid authorization scheme: expected Basic")
	errInvalidFormat       = errors.New("invalid authorization format: expected base64 of user:password")
	errInvalidCredentials  = errors.New("invalid credentials")
)

// maxCached bounds the verified-credentials cache; it is emptied when full.
const maxCached = 1024

type basicAuth struct {
	cfg    *Config
	logger *zap.Logger
	users  *htpasswd.File

	// A browser sends its credentials with every request; a bcrypt check
	// each time would cost tens of milliseconds of CPU per request. Verified
	// pairs are kept as keyed hashes, never in the clear.
	key    [32]byte
	mu     sync.Mutex
	cached map[[32]byte]struct{}
}

var _ extensionauth.Server = (*basicAuth)(nil)

func newBasicAuth(cfg *Config, logger *zap.Logger) *basicAuth {
	return &basicAuth{cfg: cfg, logger: logger, cached: map[[32]byte]struct{}{}}
}

func (b *basicAuth) Start(context.Context, component.Host) error {
	if _, err := rand.Read(b.key[:]); err != nil {
		return err
	}
	// go-htpasswd's bad-line errors quote the line (and so the hash or the
	// password): count them instead.
	bad := 0
	count := func(error) { bad++ }
	var lines strings.Builder
	if f := b.cfg.Htpasswd.File; f != "" {
		content, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("htpasswd::file: %w", err)
		}
		lines.Write(content)
		lines.WriteByte('\n')
	}
	lines.WriteString(b.cfg.Htpasswd.Inline)
	users, err := htpasswd.NewFromReader(strings.NewReader(lines.String()), htpasswd.DefaultSystems, count)
	if err != nil {
		return fmt.Errorf("htpasswd: cannot read the entries: %w", err)
	}
	if bad > 0 {
		return fmt.Errorf("htpasswd: %d malformed entries (expected user:hash or user:password a line)", bad)
	}
	b.users = users
	return nil
}

func (b *basicAuth) Shutdown(context.Context) error { return nil }

// Authenticate checks the Authorization header (HTTP) or metadata (gRPC).
func (b *basicAuth) Authenticate(ctx context.Context, sources map[string][]string) (context.Context, error) {
	auth := firstOf(sources, "Authorization", "authorization")
	if auth == "" {
		return ctx, errNoAuth
	}
	const prefix = "basic "
	if len(auth) < len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return ctx, errInvalidSchemePrefix
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(auth[len(prefix):]))
	if err != nil {
		return ctx, errInvalidFormat
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return ctx, errInvalidFormat
	}
	if !b.match(user, password) {
		return ctx, errInvalidCredentials
	}
	cl := client.FromContext(ctx)
	cl.Auth = authData{user: user}
	return client.NewContext(ctx, cl), nil
}

func (b *basicAuth) match(user, password string) bool {
	if b.users == nil {
		return false
	}
	m := hmac.New(sha256.New, b.key[:])
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var sum [32]byte
	copy(sum[:], m.Sum(nil))
	b.mu.Lock()
	_, hit := b.cached[sum]
	b.mu.Unlock()
	if hit {
		return true
	}
	if !b.users.Match(user, password) {
		return false
	}
	b.mu.Lock()
	if len(b.cached) >= maxCached {
		clear(b.cached)
	}
	b.cached[sum] = struct{}{}
	b.mu.Unlock()
	return true
}

func firstOf(sources map[string][]string, keys ...string) string {
	for _, k := range keys {
		if v := sources[k]; len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// authData is what later components see of the login (client.Info.Auth).
type authData struct{ user string }

func (a authData) GetAttribute(name string) any {
	switch name {
	case "username", "subject":
		return a.user
	}
	return nil
}

func (authData) GetAttributeNames() []string { return []string{"username", "subject"} }
