package browserguardextension

import (
	"context"
	"net/http"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensionmiddleware"

	"github.com/unitrack/unitrack/internal/httpguard"
)

type browserGuard struct {
	component.StartFunc
	component.ShutdownFunc
	guard *httpguard.Guard
}

var _ extensionmiddleware.HTTPServer = (*browserGuard)(nil)

func newBrowserGuard(cfg *Config) *browserGuard {
	return &browserGuard{guard: httpguard.New(httpguard.Options{
		// A middleware does not see its listener's endpoint: only loopback
		// names and allowed_hosts are its names.
		Endpoint:       "localhost",
		AllowedHosts:   cfg.AllowedHosts,
		AllowedOrigins: cfg.AllowedOrigins,
	})}
}

// GetHTTPHandler wraps the listener's handler. confighttp runs middlewares
// after CORS, auth and decompression but before the receiver reads the body.
func (b *browserGuard) GetHTTPHandler(context.Context) (extensionmiddleware.WrapHTTPHandlerFunc, error) {
	return func(_ context.Context, next http.Handler) (http.Handler, error) {
		return b.guard.Wrap(next, nil), nil
	}, nil
}
