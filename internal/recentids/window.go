package recentids

import "hash/maphash"

// Window is a Set that keeps a 128-bit hash of each id instead of the id:
// about 40 bytes an id and nothing for the garbage collector to scan, for
// the large windows of a hot path. Two different ids are taken for one with
// probability 2^-128 per pair. Its ids cannot be listed; it is not safe for
// concurrent use.
type Window struct {
	seeds [2]maphash.Seed
	set   map[digest]struct{}
	ring  []digest
	next  int
	n     int
}

type digest [2]uint64

// NewWindow returns a Window of capacity n (at least 1).
func NewWindow(n int) *Window {
	n = max(n, 1)
	return &Window{
		seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		set:   make(map[digest]struct{}, min(n, 1<<12)),
		ring:  make([]digest, n),
	}
}

func (w *Window) digest(id string) digest {
	return digest{maphash.String(w.seeds[0], id), maphash.String(w.seeds[1], id)}
}

// Has reports whether id is one of the ids remembered.
func (w *Window) Has(id string) bool {
	_, ok := w.set[w.digest(id)]
	return ok
}

// Add remembers id and reports whether it was new.
func (w *Window) Add(id string) bool {
	d := w.digest(id)
	if _, ok := w.set[d]; ok {
		return false
	}
	if w.n == len(w.ring) {
		delete(w.set, w.ring[w.next])
	} else {
		w.n++
	}
	w.ring[w.next] = d
	w.set[d] = struct{}{}
	w.next = (w.next + 1) % len(w.ring)
	return true
}

// Len is how many ids are remembered.
func (w *Window) Len() int { return w.n }

// Cap is how many ids the window remembers at most.
func (w *Window) Cap() int { return len(w.ring) }
