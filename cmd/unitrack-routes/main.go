// Command unitrack-routes is the routing table's dry run, as Alertmanager has
// `amtool config routes test`: it decodes one event the way the receivers do,
// evaluates the route processor's table from a collector config, and prints
// the routes that matched, the sinks the event reaches and the incident it
// would fold into.
//
//	unitrack-routes test [--config otelcol.yaml] [--processor route] [--format track_event] EVENT.json|-
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
