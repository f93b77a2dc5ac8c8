package blogexporter

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFS flushes the file system holding f (syncfs(2)): one journal commit
// for every file a flush wrote, instead of one fsync a file.
func syncFS(f *os.File) error {
	return unix.Syncfs(int(f.Fd()))
}

const haveSyncFS = true
