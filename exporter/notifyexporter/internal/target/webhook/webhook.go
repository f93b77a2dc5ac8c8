// Package webhook is the generic JSON webhook target: a POST of every
// notification field plus the rendered title and text.
package webhook // import "github.com/unitrack/unitrack/exporter/notifyexporter/internal/target/webhook"

import "github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"

// Factory is the webhook target type.
var Factory = target.HTTPFactory("webhook", encode)

func encode(m target.Message) (target.Payload, error) { return target.EncodeJSON("webhook", m) }
