package kit_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
)

// TestHTTP_PolicyInheritance walks policy inheritance through HTTP on every
// store: the main account turns on and enforces 2FA after a sub-sub-account
// exists; the sub-sub-account's settings show it as inherited from the main
// account; its manager's weaker value is refused naming the main account;
// its user must enroll a second factor; lifting the enforcement restores the
// sub-sub-account's own value.
func TestHTTP_PolicyInheritance(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			sub := env.SubAccount(t, main, "acme-eu")
			subsub := env.SubAccount(t, sub, "acme-eu-de")
			env.ActiveUser(t, main, "boss", security.RoleAccountManager)
			env.ActiveUser(t, subsub, "dora", security.RoleAccountManager)
			admin := env.Login(t, "boss", kittest.Password)
			local := env.Login(t, "dora", kittest.Password)
			mainSec, leafSec := "/api/v1/accounts/"+main.ID+"/security", "/api/v1/accounts/"+subsub.ID+"/security"

			r := env.Do(t, "PATCH", mainSec, admin, map[string]any{"two_factor_required": true})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			r = env.Do(t, "PUT", mainSec+"/enforced/two_factor", admin, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			var out map[string]any
			r.JSON(t, &out)
			assert.Equal(t, []any{"two_factor"}, out["enforced"])

			r = env.Do(t, "GET", leafSec, local, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			out = nil
			r.JSON(t, &out)
			assert.Equal(t, true, out["two_factor_required"], "the effective value")
			assert.Equal(t, false, out["own"].(map[string]any)["two_factor_required"])
			from := out["inherited_from"].(map[string]any)["two_factor_required"].(map[string]any)
			assert.Equal(t, main.ID, from["id"])
			assert.Equal(t, main.Name, from["name"])
			var twoFactor map[string]any
			for _, p := range out["policies"].([]any) {
				if p := p.(map[string]any); p["group"] == "two_factor" {
					twoFactor = p
				}
			}
			require.NotNil(t, twoFactor)
			assert.Equal(t, true, twoFactor["inherited"])
			assert.Equal(t, false, twoFactor["enforced"])
			assert.Equal(t, main.ID, twoFactor["enforced_by"].(map[string]any)["id"])

			r = env.Do(t, "PATCH", leafSec, local, map[string]any{"two_factor_required": false})
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			assert.Contains(t, string(r.Body), "two_factor_required")
			assert.Contains(t, string(r.Body), main.ID)
			r = env.Do(t, "DELETE", mainSec+"/enforced/two_factor", local, nil)
			assert.Equal(t, http.StatusNotFound, r.Status, "a sub-account manager cannot lift it")

			r = env.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "dora", "password": kittest.Password})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			out = nil
			r.JSON(t, &out)
			assert.Equal(t, "two_factor_enrollment_required", out["status"])
			assert.Empty(t, out["token"])

			r = env.Do(t, "DELETE", mainSec+"/enforced/two_factor", admin, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			r = env.Do(t, "GET", leafSec, admin, nil)
			out = nil
			r.JSON(t, &out)
			assert.Equal(t, false, out["two_factor_required"], "back to its own")
			assert.Empty(t, out["inherited_from"])
		})
	}
}
