// Package basicauthextension is a server authenticator (type "basicauth")
// that checks HTTP Basic credentials against htpasswd entries, the one login
// browsers send by themselves, also for EventSource streams and downloads.
package basicauthextension // import "github.com/unitrack/unitrack/extension/basicauthextension"
