package web

import (
	"testing"
	"time"
)

// FuzzParseSilence: any body either fails with an error or gives a silence
// that a ledger takes (it validates, it ends after it starts, within the
// longest duration). Seeds in testdata/fuzz/FuzzParseSilence.
func FuzzParseSilence(f *testing.F) {
	for _, seed := range []string{
		`{"matcher":{"subject":"filesystem"},"duration":"2h","author":"ops","comment":"restart"}`,
		`{"matcher":{"service":"batch","event_name":"task.failed"},"ends_at":"2026-11-28T14:00:00Z","author":"ops"}`,
		`{"matcher":{},"duration":"1h","author":"ops"}`,
		`{"matcher":{"category":"mcp"},"duration":"-1h","author":"ops"}`,
		`{"matcher":{"group_key":"mcp|a|fs"},"duration":"1h","ends_at":"2026-11-28T14:00:00Z","author":"x"}`,
		`{"matcher":{"subject":"x"},"starts_at":"2026-11-28T13:00:00Z","duration":"1h","author":"x"} trailing`,
		`[]`, `null`, `{"matcher":{"subject":"x"},"duration":"9999999h","author":"x"}`,
	} {
		f.Add([]byte(seed), "")
	}
	f.Add([]byte(`{"matcher":{"subject":"x"},"duration":"1h"}`), "alice")
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, user string) {
		s, err := parseSilence(body, user, now)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if verr := s.Validate(); verr != nil {
			t.Fatalf("accepted a silence that does not validate: %v", verr)
		}
		if !s.EndsAt.After(s.StartsAt) || s.EndsAt.Sub(now) > maxSilenceDuration {
			t.Fatalf("accepted %s .. %s", s.StartsAt, s.EndsAt)
		}
		if user != "" && s.Author != user {
			t.Fatalf("author %q, want the login %q", s.Author, user)
		}
	})
}
