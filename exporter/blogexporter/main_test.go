package blogexporter

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		// Re-executed by TestKillMidWrite: write posts until killed.
		runKillChild(dir)
		return
	}
	goleak.VerifyTestMain(m)
}
