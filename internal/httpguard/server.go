package httpguard

import "go.opentelemetry.io/collector/config/confighttp"

// ForServer is the guard's options for a confighttp listener: the
// endpoint's host and allowedHosts are its names, and the Origins its CORS
// layer allows (cors.allowed_origins) are the ones the guard lets through.
// Callers add RequireOrigin or PublicPaths where their listener needs them.
func ForServer(sc confighttp.ServerConfig, allowedHosts []string) Options {
	var origins []string
	if c := sc.CORS.Get(); c != nil {
		origins = c.AllowedOrigins
	}
	return Options{Endpoint: sc.NetAddr.Endpoint, AllowedHosts: allowedHosts, AllowedOrigins: origins}
}
