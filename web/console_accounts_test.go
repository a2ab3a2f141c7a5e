package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
)

// TestConsoleAccounts_Attacks: the Accounts page's forms without a CSRF
// token, a member's valid token, another tenant's account IDs (answered
// like random IDs, on GET and POST), a sub-account manager reaching above
// or beside their subtree, and bad names — each refused, nothing changed.
// The happy path (create, tree, search, disable/enable, rename, New user
// here) is checked through the services.
func TestConsoleAccounts_Attacks(t *testing.T) {
	s := newSite(t, memory.New())
	acme := s.MainAccount(t, "acme")
	eu := s.SubAccount(t, acme, "acme-eu")
	us := s.SubAccount(t, acme, "acme-us")
	s.ActiveUser(t, acme, "boss", security.RoleAccountManager)
	s.ActiveUser(t, acme, "mia", security.RoleMember)
	s.ActiveUser(t, eu, "eva", security.RoleAccountManager)
	globex := s.MainAccount(t, "globex")
	gsub := s.SubAccount(t, globex, "globex-sub")
	admin := s.signedInClient(t, "boss")
	token := func(c *client, path string) string {
		m := csrfField.FindStringSubmatch(c.get(path).Body)
		require.NotNil(t, m)
		return m[1]
	}
	status := func(id string) account.Status {
		a, err := s.Kit.Accounts.Get(s.System(), id)
		require.NoError(t, err)
		return a.Status
	}
	count := func(id string) int {
		p, err := s.Kit.Accounts.List(s.System(), account.ListInput{ParentID: id, Descendants: true, Limit: 100})
		require.NoError(t, err)
		return len(p.Accounts)
	}

	t.Run("NoCSRF", func(t *testing.T) {
		events := len(s.Events(t, acme.ID))
		for path, form := range map[string]url.Values{
			"/account/console/accounts/new":                   {"csrf": {""}, "parent": {acme.ID}, "name": {"Evil"}, "slug": {"evil"}},
			"/account/console/accounts/" + eu.ID:              {"csrf": {"AAAA"}, "name": {"Evil"}},
			"/account/console/accounts/" + eu.ID + "/disable": {"csrf": {""}},
			"/account/console/accounts/" + eu.ID + "/enable":  {"csrf": {""}},
			"/account/console/users/new":                      {"csrf": {""}, "account": {eu.ID}, "username": {"evil"}, "email": {"evil@example.com"}},
		} {
			r := admin.post(path, form)
			assert.Equal(t, http.StatusForbidden, r.Status, path)
			assert.Contains(t, r.Body, "could not be verified", path)
		}
		assert.Len(t, s.Events(t, acme.ID), events, "nothing reached a service")
		assert.Equal(t, account.StatusEnabled, status(eu.ID))
		assert.Equal(t, 2, count(acme.ID))
	})
	t.Run("Member", func(t *testing.T) {
		m := s.signedInClient(t, "mia")
		tok := token(m, "/account/profile")
		assert.Equal(t, http.StatusForbidden, m.get("/account/console/accounts").Status)
		assert.Equal(t, http.StatusForbidden, m.get("/account/console/accounts/new").Status)
		for path, form := range map[string]url.Values{
			"/account/console/accounts/new":                   {"csrf": {tok}, "parent": {acme.ID}, "name": {"Mine"}, "slug": {"mine"}},
			"/account/console/accounts/" + eu.ID:              {"csrf": {tok}, "name": {"Mine"}},
			"/account/console/accounts/" + eu.ID + "/disable": {"csrf": {tok}},
		} {
			r := m.post(path, form)
			assert.Equal(t, http.StatusForbidden, r.Status, path)
			assert.Contains(t, r.Body, "You do not have access to this page", path)
		}
		assert.Equal(t, account.StatusEnabled, status(eu.ID))
		assert.Equal(t, 2, count(acme.ID))
	})
	t.Run("OtherTenant", func(t *testing.T) {
		tok := token(admin, "/account/console/accounts")
		random := uuid.NewString()
		for _, id := range []string{gsub.ID, globex.ID} {
			for _, path := range []string{"/account/console/accounts/", "/account/console/users/new?account="} {
				path += id
				foreign := admin.get(path)
				assert.Equal(t, http.StatusNotFound, foreign.Status, path)
				assert.NotContains(t, foreign.Body, "lobex", path)
			}
			for path, form := range map[string]url.Values{
				"/account/console/accounts/" + id:              {"csrf": {tok}, "name": {"Taken"}},
				"/account/console/accounts/" + id + "/disable": {"csrf": {tok}},
				"/account/console/accounts/new":                {"csrf": {tok}, "parent": {id}, "name": {"Inside"}, "slug": {"inside-globex"}},
				"/account/console/users/new":                   {"csrf": {tok}, "account": {id}, "username": {"spy"}, "email": {"spy@example.com"}},
			} {
				r := admin.post(path, form)
				assert.Equal(t, http.StatusNotFound, r.Status, path)
				assert.Contains(t, r.Body, "Page not found", path)
			}
		}
		a := admin.get("/account/console/accounts/" + gsub.ID)
		b := admin.get("/account/console/accounts/" + random)
		assert.Equal(t, b.Status, a.Status)
		nonce := regexp.MustCompile(`nonce="[^"]*"`)
		assert.Equal(t, nonce.ReplaceAllString(b.Body, ""), nonce.ReplaceAllString(a.Body, ""), "another tenant's ID answers like a random one")
		g, err := s.Kit.Accounts.Get(s.System(), gsub.ID)
		require.NoError(t, err)
		assert.Equal(t, "Sub globex-sub", g.Name)
		assert.Equal(t, account.StatusEnabled, g.Status)
		assert.Equal(t, 1, count(globex.ID))
		assert.Nil(t, findUser(t, s, globex.ID, "spy"), "no user created")
		assert.Nil(t, findUser(t, s, acme.ID, "spy"), "no user created")
	})
	t.Run("SubAccountManager", func(t *testing.T) {
		c := s.signedInClient(t, "eva")
		list := c.get("/account/console/accounts")
		require.Equal(t, http.StatusOK, list.Status)
		assert.Contains(t, list.Body, "Sub acme-eu")
		assert.NotContains(t, list.Body, "Sub acme-us", "beside")
		assert.NotContains(t, list.Body, `id="acc-`+acme.ID+`"`, "above")
		tok := token(c, "/account/console/accounts")
		for _, id := range []string{acme.ID, us.ID} {
			assert.Equal(t, http.StatusNotFound, c.get("/account/console/accounts/"+id).Status)
			assert.Equal(t, http.StatusNotFound, c.get("/account/console/users/new?account="+id).Status)
			r := c.post("/account/console/accounts/"+id+"/disable", url.Values{"csrf": {tok}})
			assert.Equal(t, http.StatusNotFound, r.Status)
		}
		assert.Equal(t, account.StatusEnabled, status(us.ID), "nothing changed")
		// Their own account: the service refuses, the page says why.
		r := c.post("/account/console/accounts/"+eu.ID+"/disable", url.Values{"csrf": {tok}})
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.Contains(t, r.Body, "An account&#39;s status is changed from an account above it.")
		assert.Equal(t, account.StatusEnabled, status(eu.ID))
	})
	t.Run("BadNames", func(t *testing.T) {
		tok := token(admin, "/account/console/accounts")
		r := admin.post("/account/console/accounts/new", url.Values{"csrf": {tok}, "parent": {acme.ID}, "name": {"  "}, "slug": {"Bad Slug"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="f-name-error"`)
		assert.Contains(t, r.Body, `id="f-slug-error"`)
		assert.Contains(t, r.Body, `aria-invalid="true"`)
		assert.Equal(t, 2, count(acme.ID), "nothing created")
		r = admin.post("/account/console/accounts/"+eu.ID, url.Values{"csrf": {tok}, "name": {""}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
		assert.Contains(t, r.Body, `id="f-name-error"`)
		a, err := s.Kit.Accounts.Get(s.System(), eu.ID)
		require.NoError(t, err)
		assert.Equal(t, "Sub acme-eu", a.Name)
	})
	t.Run("Works", func(t *testing.T) {
		tok := token(admin, "/account/console/accounts")
		r := admin.post("/account/console/accounts/new", url.Values{"csrf": {tok}, "parent": {eu.ID}, "name": {"Paris office"}, "slug": {"acme-paris"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		paris, err := s.Kit.Accounts.GetBySlug(s.System(), "acme-paris")
		require.NoError(t, err)
		assert.Equal(t, eu.ID, paris.ParentID)
		body := admin.get("/account/console/accounts").Body
		assert.Contains(t, body, `aria-level="3" id="acc-`+paris.ID+`"`, "two levels below")
		found := admin.get("/account/console/accounts?q=paris").Body
		assert.Contains(t, found, "Paris office")
		assert.Contains(t, found, "In: Acme › Sub acme-eu", "the path stays readable")
		assert.NotContains(t, found, `id="acc-`+us.ID+`"`)
		r = admin.post("/account/console/accounts/"+paris.ID+"/disable", url.Values{"csrf": {tok}, "return_to": {"/account/console/accounts"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, account.StatusDisabled, status(paris.ID))
		assert.Contains(t, admin.get("/account/console/accounts?status=disabled").Body, "Paris office")
		r = admin.post("/account/console/accounts/"+paris.ID+"/enable", url.Values{"csrf": {tok}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		assert.Equal(t, account.StatusEnabled, status(paris.ID))
		r = admin.post("/account/console/accounts/"+paris.ID, url.Values{"csrf": {tok}, "name": {"Paris"}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		p, err := s.Kit.Accounts.Get(s.System(), paris.ID)
		require.NoError(t, err)
		assert.Equal(t, "Paris", p.Name)
		form := admin.get("/account/console/users/new?account=" + paris.ID)
		require.Equal(t, http.StatusOK, form.Status)
		assert.Contains(t, form.Body, "Account: Paris")
		assert.Contains(t, form.Body, `name="account" value="`+paris.ID+`"`)
		r = admin.post("/account/console/users/new", url.Values{"csrf": {tok}, "account": {paris.ID}, "username": {"pia"},
			"email": {"pia@example.com"}, "roles": {security.RoleMember}})
		require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
		u := findUser(t, s, acme.ID, "pia")
		require.NotNil(t, u)
		assert.Equal(t, paris.ID, u.AccountID, "created in the sub-sub-account")
	})
}

// findUser finds a user by username in an account's tree (nil: none).
func findUser(t *testing.T, s *site, accountID, username string) *users.User {
	t.Helper()
	p, err := s.Kit.Users.List(s.System(), users.ListInput{AccountID: accountID, IncludeSubaccounts: true, Search: username, Limit: 100})
	require.NoError(t, err)
	for _, u := range p.Users {
		if u.Username == username {
			return u
		}
	}
	return nil
}
