// Package recentids remembers the most recent event ids, a bounded number of
// them, so that a sink can ignore an event it already holds (a retried
// batch, a replayed queue, a re-read line) without an unbounded index.
package recentids

// Set holds the last Cap() distinct ids added; adding one more forgets the
// oldest. It is not safe for concurrent use.
type Set struct {
	set  map[string]struct{}
	ring []string
	next int
	n    int
}

// New returns a Set of capacity n (at least 1).
func New(n int) *Set {
	n = max(n, 1)
	return &Set{set: make(map[string]struct{}, min(n, 1<<12)), ring: make([]string, n)}
}

// Has reports whether id is one of the ids remembered.
func (s *Set) Has(id string) bool {
	_, ok := s.set[id]
	return ok
}

// Add remembers id and reports whether it was new; an id already held stays
// where it is in the order.
func (s *Set) Add(id string) bool {
	if s.Has(id) {
		return false
	}
	if s.n == len(s.ring) {
		delete(s.set, s.ring[s.next])
	} else {
		s.n++
	}
	s.ring[s.next] = id
	s.set[id] = struct{}{}
	s.next = (s.next + 1) % len(s.ring)
	return true
}

// Len is how many ids are remembered.
func (s *Set) Len() int { return s.n }

// Cap is how many ids the set remembers at most.
func (s *Set) Cap() int { return len(s.ring) }

// IDs returns the ids remembered, oldest first (to persist them; adding them
// in this order to a new Set gives the same Set).
func (s *Set) IDs() []string {
	out := make([]string, 0, s.n)
	if s.n < len(s.ring) {
		return append(out, s.ring[:s.n]...)
	}
	out = append(out, s.ring[s.next:]...)
	return append(out, s.ring[:s.next]...)
}
