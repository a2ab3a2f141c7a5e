package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
)

// TestConsole_UsersSignInFilterAndOrder: the users list's "Sign-in"
// filter and the email and last-login orders reach the service: the
// Account Manager who signed in and the member who never did are told
// apart, and the orders put them the right way round.
func TestConsole_UsersSignInFilterAndOrder(t *testing.T) {
	s := newSite(t, memory.New())
	acme := s.MainAccount(t, "acme")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	s.ActiveUser(t, acme, "zoe", security.RoleMember) // never signs in
	c := s.signedInClient(t, "boss")

	list := func(query string) string {
		t.Helper()
		r := c.get("/account/console/users?" + query)
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		i := strings.Index(r.Body, "<main")
		require.GreaterOrEqual(t, i, 0)
		return r.Body[i:]
	}
	row := func(user string) string { return `<span class="cell-meta">` + user + " · " }
	has := func(body, user string) bool { return strings.Contains(body, row(user)) }

	never := list("signin=never")
	assert.True(t, has(never, "zoe"), "zoe never signed in")
	assert.False(t, has(never, "boss"), "boss signed in")
	assert.Contains(t, never, `<option value="never" selected>`, "the filter stays chosen")
	ever := list("signin=ever")
	assert.True(t, has(ever, "boss"))
	assert.False(t, has(ever, "zoe"))
	all := list("signin=bogus") // an unknown value is no filter
	assert.True(t, has(all, "boss") && has(all, "zoe"))

	before := func(body, a, b string) bool {
		i, j := strings.Index(body, row(a)), strings.Index(body, row(b))
		return i >= 0 && j >= 0 && i < j
	}
	// Signed-in users first, never-signed-in last, both directions.
	assert.True(t, before(list("sort=-last_login"), "boss", "zoe"))
	assert.True(t, before(list("sort=last_login"), "boss", "zoe"))
	assert.True(t, before(list("sort=-email"), "zoe", "boss"))
	assert.True(t, before(list("sort=email"), "boss", "zoe"))
}
