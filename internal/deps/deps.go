//go:build tools

// Package deps pins the modules the components build against, so one
// `go mod tidy` fetches them all before the components exist.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/gorilla/feeds"
	_ "github.com/mmcdole/gofeed"
	_ "github.com/oklog/ulid/v2"
	_ "github.com/open-telemetry/opentelemetry-collector-contrib/extension/bearertokenauthextension"
	_ "github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	_ "github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	_ "github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	_ "github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	_ "github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/fileconsumer"
	_ "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver"
	_ "github.com/stretchr/testify/require"
	_ "github.com/yuin/goldmark"
	_ "go.opentelemetry.io/collector/component/componenttest"
	_ "go.opentelemetry.io/collector/config/confighttp"
	_ "go.opentelemetry.io/collector/config/configretry"
	_ "go.opentelemetry.io/collector/confmap/confmaptest"
	_ "go.opentelemetry.io/collector/connector/forwardconnector"
	_ "go.opentelemetry.io/collector/consumer/consumererror"
	_ "go.opentelemetry.io/collector/consumer/consumertest"
	_ "go.opentelemetry.io/collector/exporter/debugexporter"
	_ "go.opentelemetry.io/collector/exporter/exporterhelper"
	_ "go.opentelemetry.io/collector/exporter/exportertest"
	_ "go.opentelemetry.io/collector/exporter/otlphttpexporter"
	_ "go.opentelemetry.io/collector/otelcol"
	_ "go.opentelemetry.io/collector/processor/memorylimiterprocessor"
	_ "go.opentelemetry.io/collector/processor/processorhelper"
	_ "go.opentelemetry.io/collector/processor/processortest"
	_ "go.opentelemetry.io/collector/receiver/otlpreceiver"
	_ "go.opentelemetry.io/collector/receiver/receiverhelper"
	_ "go.opentelemetry.io/collector/receiver/receivertest"
	_ "go.uber.org/goleak"
	_ "golang.org/x/time/rate"
	_ "modernc.org/sqlite"
)
