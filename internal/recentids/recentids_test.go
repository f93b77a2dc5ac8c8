package recentids

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSetForgetsTheOldest(t *testing.T) {
	s := New(3)
	assert.True(t, s.Add("a"))
	assert.True(t, s.Add("b"))
	assert.False(t, s.Add("a"), "an id held is not new")
	assert.Equal(t, []string{"a", "b"}, s.IDs())
	assert.True(t, s.Add("c"))
	assert.True(t, s.Add("d"))
	assert.False(t, s.Has("a"), "the oldest is forgotten")
	assert.True(t, s.Has("b") && s.Has("c") && s.Has("d"))
	assert.Equal(t, []string{"b", "c", "d"}, s.IDs())
	assert.Equal(t, 3, s.Len())
	assert.Equal(t, 3, s.Cap())
	assert.True(t, s.Add("a"), "a forgotten id is new again")
}

func TestIDsRebuildTheSameSet(t *testing.T) {
	s := New(100)
	for i := range 250 {
		s.Add(fmt.Sprint(i % 180))
	}
	r := New(100)
	for _, id := range s.IDs() {
		r.Add(id)
	}
	assert.Equal(t, s.IDs(), r.IDs())
	for i := range 250 {
		id := fmt.Sprint(i)
		assert.Equal(t, s.Has(id), r.Has(id), id)
	}
}

func TestZeroCapacityHoldsOne(t *testing.T) {
	s := New(0)
	s.Add("a")
	assert.True(t, s.Has("a"))
	s.Add("b")
	assert.False(t, s.Has("a"))
}

func BenchmarkAdd(b *testing.B) {
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = fmt.Sprintf("01JDX3K9Q8ZJ5V7M2N4P%06d", i)
	}
	s := New(100_000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Add(ids[i&(len(ids)-1)])
	}
}

// Window behaves as Set does for every sequence of adds.
func TestWindowMatchesSet(t *testing.T) {
	s, w := New(64), NewWindow(64)
	for i := range 1000 {
		id := fmt.Sprint((i * 7919) % 150)
		assert.Equal(t, s.Add(id), w.Add(id), "add %s", id)
		probe := fmt.Sprint(i % 200)
		assert.Equal(t, s.Has(probe), w.Has(probe), "has %s", probe)
	}
	assert.Equal(t, s.Len(), w.Len())
	assert.Equal(t, 64, w.Cap())
}

func BenchmarkWindowAdd(b *testing.B) {
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = fmt.Sprintf("01JDX3K9Q8ZJ5V7M2N4P%06d", i)
	}
	w := NewWindow(100_000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w.Add(ids[i&(len(ids)-1)])
	}
}
