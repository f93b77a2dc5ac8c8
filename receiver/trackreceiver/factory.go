package trackreceiver // import "github.com/unitrack/unitrack/receiver/trackreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/unitrack/unitrack/receiver/trackreceiver/internal/metadata"
)

const (
	defaultEndpoint           = "localhost:4320"
	defaultMaxRequestBodySize = 5 << 20 // 5 MiB
	defaultRetryAfter         = 5 * time.Second
	// A client that has not sent its headers within this is a slowloris,
	// not a legacy sender (confighttp's default is a minute).
	defaultReadHeaderTimeout = 10 * time.Second
	// Bounds a body that trickles in; 5 MiB take well under a second.
	defaultReadTimeout = time.Minute
)

// NewFactory returns the factory of the track receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	srv := confighttp.NewDefaultServerConfig()
	srv.NetAddr.Endpoint = defaultEndpoint
	srv.MaxRequestBodySize = defaultMaxRequestBodySize
	srv.ReadHeaderTimeout = defaultReadHeaderTimeout
	srv.ReadTimeout = defaultReadTimeout
	return &Config{
		ServerConfig: srv,
		RetryAfter:   defaultRetryAfter,
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newTrackReceiver(set, cfg.(*Config), next)
}
