package storagetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage"
)

func testSSOOIDC(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "PutGet", run: testOIDCConfigPutGet},
		{name: "Rollback", run: testOIDCConfigRollback},
		{name: "OtherAccountSeesNothing", run: testOIDCConfigOtherAccount},
	})
}

func newOIDCConfig(accountID string) *sso.OIDCConfig {
	return &sso.OIDCConfig{AccountID: accountID, Enabled: true, IssuerURL: "https://idp.example.org/" + accountID,
		ClientID: "client-" + accountID, ClientSecretSealed: []byte{1, 0, 0xff, 0x80, 7},
		Scopes: []string{"openid", "email", "profile"}, EmailClaim: "email", GivenNameClaim: "given_name",
		FamilyNameClaim: "family_name", GroupsClaim: "groups", AutoCreateUsers: true, AutoCreateGroups: true,
		LocalTwoFactor: true, CreatedAt: at(0), UpdatedAt: at(1)}
}

func requireOIDCConfig(t testing.TB, want, got *sso.OIDCConfig) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.CreatedAt, got.CreatedAt, "CreatedAt")
	requireUTC(t, want.UpdatedAt, got.UpdatedAt, "UpdatedAt")
	w, g := *want, *got
	w.CreatedAt, g.CreatedAt, w.UpdatedAt, g.UpdatedAt = base, base, base, base
	if w.Scopes == nil {
		w.Scopes = []string{}
	}
	if w.ClientSecretSealed == nil {
		w.ClientSecretSealed = []byte{}
	}
	require.Equal(t, w, g)
}

func testOIDCConfigPutGet(t *testing.T, s storage.Store) {
	id := newID()
	_, err := s.GetOIDCConfig(ctx(), id)
	requireCode(t, accountkit.NotFound, err)

	c := newOIDCConfig(id)
	require.NoError(t, s.PutOIDCConfig(ctx(), c))
	got, err := s.GetOIDCConfig(ctx(), id)
	require.NoError(t, err)
	requireOIDCConfig(t, c, got)

	got.Scopes[0], got.ClientSecretSealed[0] = "changed", 9 // a returned copy
	again, err := s.GetOIDCConfig(ctx(), id)
	require.NoError(t, err)
	requireOIDCConfig(t, c, again)

	// Overwrite with the zero values: every field is saved.
	z := &sso.OIDCConfig{AccountID: id, CreatedAt: at(0), UpdatedAt: at(5)}
	require.NoError(t, s.PutOIDCConfig(ctx(), z))
	got, err = s.GetOIDCConfig(ctx(), id)
	require.NoError(t, err)
	requireOIDCConfig(t, z, got)
	require.NotNil(t, got.Scopes, "an empty list, not nil")
}

func testOIDCConfigRollback(t *testing.T, s storage.Store) {
	c := newOIDCConfig(newID())
	boom := errors.New("boom")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		if err := s.PutOIDCConfig(ctx, c); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.GetOIDCConfig(ctx(), c.AccountID)
	requireCode(t, accountkit.NotFound, err)
}

func testOIDCConfigOtherAccount(t *testing.T, s storage.Store) {
	a, b := newID(), newID()
	require.NoError(t, s.PutOIDCConfig(ctx(), newOIDCConfig(a)))
	_, err := s.GetOIDCConfig(ctx(), b)
	requireCode(t, accountkit.NotFound, err)
}
