// Package browserguardextension is an HTTP server middleware (type
// "browserguard") that gives listeners we do not own, such as the stock OTLP
// receiver's, the Host and Origin checks of internal/httpguard.
package browserguardextension // import "github.com/unitrack/unitrack/extension/browserguardextension"
