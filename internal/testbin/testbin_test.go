package testbin

import "testing"

// The ports of one collector (and of collectors started by parallel tests of
// one package) are picked before any is bound, so FreePort must not hand out
// the same port twice in a process: the kernel picks bind(0) ports at random
// and returns a just-closed one again often enough to fail CI now and then.
func TestFreePortNeverRepeatsInAProcess(t *testing.T) {
	seen := map[int]bool{}
	for i := 0; i < 300; i++ {
		p := FreePort(t)
		if seen[p] {
			t.Fatalf("FreePort returned %d twice (call %d)", p, i+1)
		}
		seen[p] = true
	}
}
