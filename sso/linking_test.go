package sso_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/users"
)

// verifiedFixture is the SSO fixture of "contoso" with the domain
// contoso.test verified by the account.
func verifiedFixture(t *testing.T) *fixture {
	t.Helper()
	env, dns := newDomainEnv(t)
	f := newFixture(t, env)
	d := addDomain(t, env, f.acc, f.adminToken, "contoso.test")
	dns.set(d.Record.Name, d.Record.Value)
	require.Equal(t, "verified", verifyDomain(t, env, f.acc, f.adminToken, d.ID).Status)
	return f
}

func countEvents(f *fixture, t *testing.T, desc string) int {
	n := 0
	for _, e := range f.env.Events(t, f.acc.ID) {
		if e.Description == desc {
			n++
		}
	}
	return n
}

// TestSSO_LinkByEmailAttribute: linking a sign-in to an existing user by
// the email attribute is off by default; when the account opts in it
// links only addresses in a domain the account verified, audits the link,
// and from then on the link matches.
func TestSSO_LinkByEmailAttribute(t *testing.T) {
	t.Parallel()
	f := verifiedFixture(t)
	const linked = "SSO link created from the email attribute."
	// The IdP's NameID is an opaque-looking address, not the one alice was
	// invited with.
	opts := respOpts{NameID: "u-4711@idp.contoso.example", Attrs: map[string][]string{sso.AttrEmailAddress: {f.alice.Email}}}

	requireRefused(t, f.signIn(t, newBrowser(f.env), opts, ""), http.StatusForbidden, sso.ReasonUserNotFound)

	f.configure(t, map[string]any{"link_by_email_attribute": true}, http.StatusOK)
	b := newBrowser(f.env)
	require.Equal(t, http.StatusSeeOther, f.signIn(t, b, opts, "").Status)
	_, me := f.me(t, b)
	require.Equal(t, f.alice.ID, me["user"].(map[string]any)["id"])
	assert.Equal(t, 1, countEvents(f, t, linked), "the link is audited")

	// The link now matches, even without the attribute.
	b = newBrowser(f.env)
	require.Equal(t, http.StatusSeeOther, f.signIn(t, b, respOpts{NameID: opts.NameID}, "").Status)
	_, me = f.me(t, b)
	require.Equal(t, f.alice.ID, me["user"].(map[string]any)["id"])
	assert.Equal(t, 1, countEvents(f, t, linked), "no second link")

	// An address outside the verified domains never links.
	outsider := f.env.ActiveUser(t, f.acc, "olga")
	email := "olga@partner.example"
	_, err := f.env.Kit.Users.Update(f.env.System(), outsider.ID, usersUpdateEmail(email))
	require.NoError(t, err)
	requireRefused(t, f.signIn(t, newBrowser(f.env), respOpts{NameID: "u-4712@idp.contoso.example",
		Attrs: map[string][]string{sso.AttrEmailAddress: {email}}}, ""), http.StatusForbidden, sso.ReasonUserNotFound)
	assert.Equal(t, 1, countEvents(f, t, linked))
}

// TestSSO_JITOnlyInVerifiedDomains: once the account verified a domain,
// just-in-time users are created only with addresses in its verified
// domains.
func TestSSO_JITOnlyInVerifiedDomains(t *testing.T) {
	t.Parallel()
	f := verifiedFixture(t)
	f.configure(t, map[string]any{"auto_create_users": true}, http.StatusOK)

	p := f.signIn(t, newBrowser(f.env), respOpts{NameID: "newbie@elsewhere.example"}, "")
	requireRefused(t, p, http.StatusForbidden, sso.ReasonDomainNotVerified)
	us, err := f.env.Store.FindUsersByEmail(context.Background(), "newbie@elsewhere.example")
	require.NoError(t, err)
	assert.Empty(t, us, "no user outside the verified domains")

	require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(f.env), respOpts{NameID: "newbie@contoso.test"}, "").Status)
	us, err = f.env.Store.FindUsersByEmail(context.Background(), "newbie@contoso.test")
	require.NoError(t, err)
	assert.Len(t, us, 1)
}

func usersUpdateEmail(email string) users.Update { return users.Update{Email: &email} }
