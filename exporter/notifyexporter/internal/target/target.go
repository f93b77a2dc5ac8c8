// Package target is what every notify target shares: the Target interface a
// type implements, the Factory a type registers, the notification model and
// the rendered Message a target sees, the HTTP post with its status,
// Retry-After and URL-stripping rules, and the priority helpers. Each type
// lives in its own folder below (webhook, slack, discord, ntfy, file), the
// way Alertmanager's notify/ keeps one package per integration.
package target // import "github.com/unitrack/unitrack/exporter/notifyexporter/internal/target"

import (
	"context"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
)

// Target delivers messages to one place. Deliver returns nil when the
// message arrived, a consumererror.Permanent error when it never will
// (dropped), and any other error when the sending queue should try again
// (exporterhelper.NewThrottleRetry when the place asked for a pause).
// Errors name the target, never its URL or headers.
type Target interface {
	// Start opens what delivery needs (an HTTP client, a file).
	Start(ctx context.Context, host component.Host, tel component.TelemetrySettings) error
	// Deliver sends one message; it never retries by itself.
	Deliver(ctx context.Context, m Message) error
	// Shutdown releases what Start opened.
	Shutdown(ctx context.Context) error
}

// Settings are what a target type reads of its target's configuration.
type Settings struct {
	// Name identifies the target in errors and logs.
	Name string
	// Client is the HTTP client of the HTTP types (its endpoint is where they post).
	Client confighttp.ClientConfig
	// Path is the file of a file target.
	Path string
}

// Message is what a target delivers: the notification and its title and
// text, rendered by the target's templates.
type Message struct {
	Notification
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Payload is one rendered request body (or file line) with its headers.
type Payload struct {
	Body        []byte
	ContentType string
	Headers     map[string]string
}

// Encoder renders a message into what a target sends; it does no I/O.
type Encoder func(m Message) (Payload, error)

// Factory is one target type: the word users write in `type:`, the checks
// of the settings that type needs or refuses, its payload and its constructor.
type Factory struct {
	// Type is the word of `type:`.
	Type string
	// Check lists what is wrong with s for this type, without I/O; each error
	// starts with the key it is about ("endpoint: must be set for type slack").
	Check func(s Settings) []error
	// Encode renders a message into the payload the type sends.
	Encode Encoder
	// New builds a target of this type; nothing is opened before Start.
	New func(s Settings) Target
}

// Registry holds the target types, in the order errors list them.
type Registry struct {
	byType map[string]Factory
	names  []string
}

// NewRegistry registers factories; a type name given twice panics (a
// programming error, caught by any test).
func NewRegistry(factories ...Factory) *Registry {
	r := &Registry{byType: make(map[string]Factory, len(factories))}
	for _, f := range factories {
		if _, dup := r.byType[f.Type]; dup || f.Type == "" {
			panic("target: type " + f.Type + " registered twice or empty")
		}
		r.byType[f.Type] = f
		r.names = append(r.names, f.Type)
	}
	return r
}

// Lookup returns the factory of a type word.
func (r *Registry) Lookup(typ string) (Factory, bool) {
	f, ok := r.byType[typ]
	return f, ok
}

// Types lists the registered type words, in registration order.
func (r *Registry) Types() []string { return append([]string(nil), r.names...) }

// List is the type words for an error message: "webhook, slack, ...".
func (r *Registry) List() string { return strings.Join(r.names, ", ") }
