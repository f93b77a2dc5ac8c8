// Command metagen writes the internal/metadata package of each component
// directory given (default: every directory below . with a metadata.yaml) from
// its metadata.yaml. It stands in for the collector's mdatagen, which is not
// served here; see internal/metagen.
package main

import (
	"fmt"
	"os"

	"github.com/unitrack/unitrack/internal/metagen"
)

func main() {
	dirs := os.Args[1:]
	if len(dirs) == 0 {
		var err error
		if dirs, err = metagen.Components("."); err != nil {
			fmt.Fprintln(os.Stderr, "metagen:", err)
			os.Exit(1)
		}
	}
	for _, dir := range dirs {
		if err := metagen.Write(dir); err != nil {
			fmt.Fprintln(os.Stderr, "metagen:", err)
			os.Exit(1)
		}
	}
}
