package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/storage"
)

func testCustomization(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "NotFound", run: testCustomizationNotFound},
		{name: "PutGet", run: testCustomizationPutGet},
		{name: "Overwrite", run: testCustomizationOverwrite},
		{name: "HostnameUnique", run: testCustomizationHostnameUnique},
		{name: "ReturnsCopies", run: testCustomizationReturnsCopies},
		{name: "Rollback", run: testCustomizationRollback},
		{name: "Logo", run: testLogo},
		{name: "LogoRollback", run: testLogoRollback},
	})
}

// fullCustomization returns a customization of the account with every
// field set, not yet stored.
func fullCustomization(accountID, host string) *account.Customization {
	return &account.Customization{AccountID: accountID, Hostname: host, HostnameStatus: account.HostnameVerified,
		HostnameToken: "accountkit-verification=abc", HostnameError: "was: ünïcode 'quoted'",
		HostnameCheckedAt: ptr(at(5)), HostnameVerifiedAt: ptr(at(6)), Theme: account.ThemeCustom,
		Colors: map[string]string{"primary": "#112233", "text": "#ffffff"}, Language: "pt-BR",
		LogoSHA256: "ab12", LogoContentType: "image/png", UpdatedAt: at(7)}
}

func requireCustomization(t testing.TB, want, got *account.Customization) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.UpdatedAt.UTC().Truncate(time.Microsecond), got.UpdatedAt, "UpdatedAt")
	requireTimePtr(t, want.HostnameCheckedAt, got.HostnameCheckedAt, "HostnameCheckedAt")
	requireTimePtr(t, want.HostnameVerifiedAt, got.HostnameVerifiedAt, "HostnameVerifiedAt")
	w, g := *want, *got
	w.UpdatedAt, g.UpdatedAt, w.HostnameCheckedAt, g.HostnameCheckedAt, w.HostnameVerifiedAt, g.HostnameVerifiedAt = base, base, nil, nil, nil, nil
	require.Equal(t, w, g)
}

func testCustomizationNotFound(t *testing.T, s storage.Store) {
	a := newMain("custom-nf")
	mustCreate(t, s, a)
	_, err := s.GetCustomization(ctx(), a.ID)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetCustomizationByHostname(ctx(), "nobody.example.com")
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetCustomizationByHostname(ctx(), "")
	requireCode(t, accountkit.NotFound, err, "an empty hostname matches nobody")
	_, err = s.GetLogo(ctx(), a.ID)
	requireCode(t, accountkit.NotFound, err)
	requireCode(t, accountkit.NotFound, s.DeleteLogo(ctx(), a.ID))
	inTx(t, s, func(ctx context.Context) error {
		_, err := s.GetCustomization(ctx, a.ID)
		requireCode(t, accountkit.NotFound, err)
		return s.PutCustomization(ctx, fullCustomization(a.ID, "")) // the transaction goes on
	})
	_, err = s.GetCustomizationByHostname(ctx(), "")
	requireCode(t, accountkit.NotFound, err, "accounts without a hostname are not found by an empty one")
}

func testCustomizationPutGet(t *testing.T, s storage.Store) {
	a, b := newMain("custom-a"), newMain("custom-b")
	mustCreate(t, s, a, b)
	full := fullCustomization(a.ID, "login.example.com")
	full.UpdatedAt = at(7).In(time.FixedZone("X", 3600)).Add(9 * time.Nanosecond)
	minimal := &account.Customization{AccountID: b.ID, Theme: account.ThemeLight, Language: "en", UpdatedAt: at(1)}
	require.NoError(t, s.PutCustomization(ctx(), full))
	require.NoError(t, s.PutCustomization(ctx(), minimal))
	got, err := s.GetCustomization(ctx(), a.ID)
	require.NoError(t, err)
	requireCustomization(t, full, got)
	got, err = s.GetCustomizationByHostname(ctx(), "login.example.com")
	require.NoError(t, err)
	requireCustomization(t, full, got)
	got, err = s.GetCustomization(ctx(), b.ID)
	require.NoError(t, err)
	requireCustomization(t, minimal, got)
	assert.Nil(t, got.Colors, "no colours come back as nil")
	_, err = s.GetCustomizationByHostname(ctx(), "LOGIN.example.com")
	requireCode(t, accountkit.NotFound, err, "hostnames match exactly")
}

func testCustomizationOverwrite(t *testing.T, s storage.Store) {
	a := newMain("custom-ow")
	mustCreate(t, s, a)
	require.NoError(t, s.PutCustomization(ctx(), fullCustomization(a.ID, "old.example.com")))
	next := &account.Customization{AccountID: a.ID, Hostname: "new.example.com", HostnameStatus: account.HostnamePending,
		HostnameToken: "t2", Theme: account.ThemeDark, Language: "de", UpdatedAt: at(9)}
	require.NoError(t, s.PutCustomization(ctx(), next))
	got, err := s.GetCustomization(ctx(), a.ID)
	require.NoError(t, err)
	requireCustomization(t, next, got)
	_, err = s.GetCustomizationByHostname(ctx(), "old.example.com")
	requireCode(t, accountkit.NotFound, err, "the old hostname is released")
	got, err = s.GetCustomizationByHostname(ctx(), "new.example.com")
	require.NoError(t, err)
	assert.Equal(t, a.ID, got.AccountID)
}

func testCustomizationHostnameUnique(t *testing.T, s storage.Store) {
	a, b := newMain("custom-u1"), newMain("custom-u2")
	mustCreate(t, s, a, b)
	require.NoError(t, s.PutCustomization(ctx(), fullCustomization(a.ID, "taken.example.com")))
	err := s.PutCustomization(ctx(), fullCustomization(b.ID, "taken.example.com"))
	requireCode(t, accountkit.Conflict, err)
	_, err = s.GetCustomization(ctx(), b.ID)
	requireCode(t, accountkit.NotFound, err, "nothing was stored")
	// Any number of accounts may have no hostname.
	require.NoError(t, s.PutCustomization(ctx(), fullCustomization(b.ID, "")))
	c := newMain("custom-u3")
	mustCreate(t, s, c)
	require.NoError(t, s.PutCustomization(ctx(), fullCustomization(c.ID, "")))
	// Releasing a hostname frees it for another account.
	require.NoError(t, s.PutCustomization(ctx(), fullCustomization(a.ID, "")))
	require.NoError(t, s.PutCustomization(ctx(), fullCustomization(b.ID, "taken.example.com")))
}

func testCustomizationReturnsCopies(t *testing.T, s storage.Store) {
	a := newMain("custom-copy")
	mustCreate(t, s, a)
	c := fullCustomization(a.ID, "copy.example.com")
	require.NoError(t, s.PutCustomization(ctx(), c))
	c.Colors["primary"] = "#000000"
	got, err := s.GetCustomization(ctx(), a.ID)
	require.NoError(t, err)
	got.Colors["primary"] = "#999999"
	again, err := s.GetCustomization(ctx(), a.ID)
	require.NoError(t, err)
	assert.Equal(t, "#112233", again.Colors["primary"])
}

func testCustomizationRollback(t *testing.T, s storage.Store) {
	a := newMain("custom-rb")
	mustCreate(t, s, a)
	require.NoError(t, s.PutCustomization(ctx(), fullCustomization(a.ID, "kept.example.com")))
	boom := errors.New("boom")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		require.NoError(t, s.PutCustomization(ctx, fullCustomization(a.ID, "dropped.example.com")))
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, err := s.GetCustomizationByHostname(ctx(), "kept.example.com")
	require.NoError(t, err)
	assert.Equal(t, a.ID, got.AccountID)
	_, err = s.GetCustomizationByHostname(ctx(), "dropped.example.com")
	requireCode(t, accountkit.NotFound, err)
}

func newLogo(accountID string, n int) *account.Logo {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i * 31)
	}
	return &account.Logo{AccountID: accountID, ContentType: "image/png", Data: data, SHA256: "sha-" + accountID[:8], UpdatedAt: at(3)}
}

func requireLogo(t testing.TB, want, got *account.Logo) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.UpdatedAt.UTC().Truncate(time.Microsecond), got.UpdatedAt, "UpdatedAt")
	w, g := *want, *got
	w.UpdatedAt, g.UpdatedAt = base, base
	require.Equal(t, w, g)
}

func testLogo(t *testing.T, s storage.Store) {
	a, b := newMain("logo-a"), newMain("logo-b")
	mustCreate(t, s, a, b)
	big := newLogo(a.ID, 5<<20) // the largest logo accepted
	require.NoError(t, s.PutLogo(ctx(), big))
	got, err := s.GetLogo(ctx(), a.ID)
	require.NoError(t, err)
	requireLogo(t, big, got)
	got.Data[0] ^= 0xff
	again, err := s.GetLogo(ctx(), a.ID)
	require.NoError(t, err)
	assert.Equal(t, big.Data[0], again.Data[0], "callers get copies")

	small := newLogo(a.ID, 10)
	small.ContentType, small.UpdatedAt = "image/webp", at(4)
	require.NoError(t, s.PutLogo(ctx(), small))
	got, err = s.GetLogo(ctx(), a.ID)
	require.NoError(t, err)
	requireLogo(t, small, got)

	_, err = s.GetLogo(ctx(), b.ID)
	requireCode(t, accountkit.NotFound, err, "another account sees nothing")
	requireCode(t, accountkit.NotFound, s.DeleteLogo(ctx(), b.ID))
	require.NoError(t, s.DeleteLogo(ctx(), a.ID))
	_, err = s.GetLogo(ctx(), a.ID)
	requireCode(t, accountkit.NotFound, err)
}

func testLogoRollback(t *testing.T, s storage.Store) {
	a := newMain("logo-rb")
	mustCreate(t, s, a)
	kept := newLogo(a.ID, 100)
	require.NoError(t, s.PutLogo(ctx(), kept))
	boom := errors.New("boom")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		require.NoError(t, s.PutLogo(ctx, newLogo(a.ID, 7)))
		require.NoError(t, s.DeleteLogo(ctx, a.ID))
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, err := s.GetLogo(ctx(), a.ID)
	require.NoError(t, err)
	requireLogo(t, kept, got)
}
