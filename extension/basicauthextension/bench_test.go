package basicauthextension

import (
	"context"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// BenchmarkAuthenticate compares a login checked against its bcrypt hash on
// every request (what go-htpasswd alone does) with this extension, which
// remembers a pair that passed. Same hash, same credentials, same run.
func BenchmarkAuthenticate(b *testing.B) {
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	ba := newBasicAuth(&Config{Htpasswd: HtpasswdSettings{Inline: "admin:" + string(hash)}}, nil)
	if err := ba.Start(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	src := basic("admin", "pw")
	b.Run("bcrypt-every-request", func(b *testing.B) {
		for b.Loop() {
			if !ba.users.Match("admin", "pw") {
				b.Fatal("no match")
			}
		}
	})
	b.Run("extension", func(b *testing.B) {
		for b.Loop() {
			if _, err := ba.Authenticate(context.Background(), src); err != nil {
				b.Fatal(err)
			}
		}
	})
}
