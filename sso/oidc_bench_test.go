package sso_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/internal/oidctest"
)

// BenchmarkOIDC_VerifyIDToken measures the ID token check of one sign-in
// with the provider discovered and its JWKS cached, as the service keeps
// them: RS256 signature (2048-bit key) and the standard claims.
func BenchmarkOIDC_VerifyIDToken(b *testing.B) {
	now := time.Now()
	idp := oidctest.New(b, "client", "secret", func() time.Time { return now })
	ctx := context.Background()
	p, err := oidc.NewProvider(ctx, idp.Issuer)
	if err != nil {
		b.Fatal(err)
	}
	v := p.Verifier(&oidc.Config{ClientID: "client", Now: func() time.Time { return now }})
	tok, err := idp.IDToken(map[string]any{"sub": "u", "email": "u@example.org", "email_verified": true, "nonce": "n"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := v.Verify(ctx, tok); err != nil { // fills the JWKS cache
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOIDC_SignIn measures a whole sign-in over HTTP on the memory
// store: initiation, the provider's redirect, and the callback (state,
// code exchange, ID token verification with the cached JWKS, completion,
// session). The in-process provider's work (RSA signing) is included.
func BenchmarkOIDC_SignIn(b *testing.B) {
	env := kittest.New(b)
	f := newOIDCFixture(b, env)
	b.ResetTimer()
	for range b.N {
		p := f.signIn(b, newBrowser(env), "")
		if p.Status != http.StatusSeeOther {
			b.Fatalf("status %d: %s", p.Status, p.Body)
		}
	}
}

// BenchmarkSSO_PasswordLoginAllowed measures the SSO question every
// password sign-in asks (Enforcement: both connections read) on the
// memory store, against the baseline of the single configuration read it
// replaced.
func BenchmarkSSO_PasswordLoginAllowed(b *testing.B) {
	env := kittest.New(b)
	f := newOIDCFixture(b, env)
	ctx := context.Background()
	b.Run("Baseline_GetSSOConfig", func(b *testing.B) {
		for range b.N {
			_, _ = env.Store.GetSSOConfig(ctx, f.accID)
		}
	})
	b.Run("Enforcement", func(b *testing.B) {
		for range b.N {
			if e, err := env.Kit.SSO.Enforcement(ctx, f.accID); err != nil || !e.Enforced {
				b.Fatal(e, err)
			}
		}
	})
}
