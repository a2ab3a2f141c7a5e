package kit_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage/memory"
)

// TestNew_DevelopmentAllowsLocalOIDCIssuers: on a developer's machine an
// OpenID provider on localhost may be configured; otherwise the address
// guard refuses it.
func TestNew_DevelopmentAllowsLocalOIDCIssuers(t *testing.T) {
	for _, dev := range []bool{false, true} {
		env := kittest.NewWithStore(t, memory.New(), func(o *kit.Options) {
			o.Development = dev
			o.SSO.OIDCAllowLocalIssuers = false
		})
		acc := env.MainAccount(t, "acme")
		issuer := "http://localhost:8080/realms/dev"
		_, err := env.Kit.SSO.UpdateOIDC(env.System(), acc.ID, sso.OIDCUpdate{IssuerURL: &issuer})
		if dev {
			require.NoError(t, err)
		} else {
			require.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
		}
	}
}
