package clip

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestRunes(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"", 5, ""},
		{"short", 5, "short"},
		{"longer", 5, "long…"},
		{"héllo wörld", 6, "héllo…"},
		{"日本語のテキスト", 3, "日本…"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
		{"abc", -1, ""},
	}
	for _, tt := range tests {
		got := Runes(tt.in, tt.n)
		assert.Equal(t, tt.want, got, "Runes(%q, %d)", tt.in, tt.n)
		assert.True(t, utf8.ValidString(got))
		if tt.n > 0 {
			assert.LessOrEqual(t, utf8.RuneCountInString(got), tt.n)
		}
	}
}

func FuzzRunes(f *testing.F) {
	f.Add("héllo wörld", 6)
	f.Fuzz(func(t *testing.T, s string, n int) {
		got := Runes(s, n%10000)
		if n%10000 > 0 && utf8.RuneCountInString(got) > n%10000 {
			t.Fatalf("Runes(%q, %d) = %q: too long", s, n, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Runes(%q, %d) = %q: split a rune", s, n, got)
		}
	})
}
