//go:build !linux

package blogexporter

import (
	"errors"
	"os"
)

// syncFS is Linux-only; elsewhere every temporary file is fsynced itself.
func syncFS(*os.File) error { return errors.ErrUnsupported }

const haveSyncFS = false
