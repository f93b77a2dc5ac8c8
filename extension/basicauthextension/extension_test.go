package basicauthextension

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"golang.org/x/crypto/bcrypt"
)

func start(t *testing.T, cfg *Config) *basicAuth {
	t.Helper()
	require.NoError(t, cfg.Validate())
	f := NewFactory()
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return ext.(*basicAuth)
}

func basic(user, pass string) map[string][]string {
	return map[string][]string{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
}

func TestAuthenticate(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("b-secret"), bcrypt.MinCost)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "htpasswd")
	require.NoError(t, os.WriteFile(file, []byte("bob:"+string(hash)+"\n"), 0o600))
	b := start(t, &Config{Htpasswd: HtpasswdSettings{File: file, Inline: "alice:a-secret"}})

	tests := []struct {
		name    string
		sources map[string][]string
		wantErr error
		user    string
	}{
		{"plain inline user", basic("alice", "a-secret"), nil, "alice"},
		{"bcrypt file user", basic("bob", "b-secret"), nil, "bob"},
		{"bcrypt again (cached)", basic("bob", "b-secret"), nil, "bob"},
		{"gRPC metadata key", map[string][]string{"authorization": basic("alice", "a-secret")["Authorization"]}, nil, "alice"},
		{"lower-case scheme", map[string][]string{"Authorization": {"basic " + base64.StdEncoding.EncodeToString([]byte("alice:a-secret"))}}, nil, "alice"},
		{"wrong password", basic("alice", "b-secret"), errInvalidCredentials, ""},
		{"another user's password", basic("bob", "a-secret"), errInvalidCredentials, ""},
		{"unknown user", basic("mallory", "a-secret"), errInvalidCredentials, ""},
		{"password with colon is not split twice", basic("alice", "a-secret:x"), errInvalidCredentials, ""},
		{"nothing", map[string][]string{}, errNoAuth, ""},
		{"bearer", map[string][]string{"Authorization": {"Bearer a-secret"}}, errInvalidSchemePrefix, ""},
		{"not base64", map[string][]string{"Authorization": {"Basic !!!"}}, errInvalidFormat, ""},
		{"no colon", map[string][]string{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("alice"))}}, errInvalidFormat, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, err := b.Authenticate(context.Background(), tt.sources)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.NotContains(t, err.Error(), "secret", "an error repeats the password")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.user, client.FromContext(ctx).Auth.GetAttribute("username"))
		})
	}
}

func TestStartErrorsKeepSecretsOut(t *testing.T) {
	f := NewFactory()
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), &Config{Htpasswd: HtpasswdSettings{Inline: "alice:ok\nthe-secret-line-without-colon"}})
	require.NoError(t, err)
	err = ext.Start(context.Background(), componenttest.NewNopHost())
	require.EqualError(t, err, "htpasswd: 1 malformed entries (expected user:hash or user:password a line)")
	assert.NotContains(t, err.Error(), "secret")

	ext, err = f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), &Config{Htpasswd: HtpasswdSettings{File: "/nonexistent/htpasswd"}})
	require.NoError(t, err)
	err = ext.Start(context.Background(), componenttest.NewNopHost())
	require.ErrorContains(t, err, "htpasswd::file: open /nonexistent/htpasswd")
}

func TestValidate(t *testing.T) {
	assert.EqualError(t, (&Config{}).Validate(), "htpasswd: set file or inline (or both); without users nobody could log in")
	assert.NoError(t, (&Config{Htpasswd: HtpasswdSettings{Inline: strings.TrimSpace(" a:b ")}}).Validate())
}
