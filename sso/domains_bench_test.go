package sso_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage/memory"
)

// BenchmarkDiscover measures GET /api/v1/sso/discover on the memory store
// for each kind of answer: an SSO domain, a verified domain of an account
// without SSO, and an unknown domain. The last two answer alike and should
// take alike (see docs/domains.md).
func BenchmarkDiscover(b *testing.B) {
	dns := &txtDNS{}
	env := kittest.NewWithStore(b, memory.New(), func(o *kit.Options) {
		o.Account.Customization.Resolver = dns
		o.SSO.DiscoverPerIP = security.RateLimit{Burst: -1}
	})
	withSSO := env.MainAccount(b, "contoso")
	plain := env.MainAccount(b, "plain")
	ctx := kittest.As(kittest.Manager(withSSO.ID, "boss"))
	idp := newIdP(b, idpEntityID, 0, time.Time{})
	on, entity, login, certs := true, idpEntityID, "https://idp.contoso.example/sso", []string{idp.PEM()}
	if _, err := env.Kit.SSO.Update(ctx, withSSO.ID, sso.Update{Enabled: &on, IdPEntityID: &entity,
		IdPLoginURL: &login, IdPCertificates: &certs}); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		id     string
		domain string
	}{{withSSO.ID, "contoso.example"}, {plain.ID, "plain.example"}} {
		mctx := kittest.As(kittest.Manager(c.id, "boss"))
		d, err := env.Kit.SSO.AddDomain(mctx, c.id, c.domain)
		if err != nil {
			b.Fatal(err)
		}
		dns.set("_accountkit-domain."+c.domain, d.Token)
		if d, err = env.Kit.SSO.VerifyDomain(mctx, c.id, d.ID); err != nil || d.Status != "verified" {
			b.Fatal(err, d.Status)
		}
	}
	h := env.Kit.Handler()
	for _, c := range []struct{ name, email, want string }{
		{"SSO", "ada@contoso.example", `"sso"`},
		{"VerifiedNoSSO", "ada@plain.example", `"password"`},
		{"Unknown", "ada@unknown.example", `"password"`},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/sso/discover?email="+c.email, nil))
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code, rec.Body.String())
				}
			}
		})
	}
}
