// Package e2e holds the end-to-end tests: they build the real otelcol-unitrack
// binary with ocb (through internal/testbin), run it on temporary configs and
// talk to it over loopback as users and legacy senders do.
package e2e
