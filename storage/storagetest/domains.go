package storagetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage"
)

func testDomains(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "CreateGet", run: testDomainCreateGet},
		{name: "NotFound", run: testDomainNotFound},
		{name: "OneClaimPerAccount", run: testDomainOneClaimPerAccount},
		{name: "VerifiedUnique", run: testDomainVerifiedUnique},
		{name: "VerifiedConcurrent", run: testDomainVerifiedConcurrent},
		{name: "ListOrdered", run: testDomainListOrdered},
		{name: "Rollback", run: testDomainRollback},
		{name: "Delete", run: testDomainDelete},
		{name: "OtherAccountSeesNothing", run: testDomainOtherAccount},
	})
}

// newDomain returns a pending claim of the domain by the account, not
// stored.
func newDomain(accountID, domain string) *sso.Domain {
	return &sso.Domain{ID: newID(), AccountID: accountID, Domain: domain, Status: sso.DomainPending,
		Token: "accountkit-domain-verification=" + domain, Error: "", CreatedAt: at(0), UpdatedAt: at(0)}
}

// verify marks d verified at n.
func verify(d *sso.Domain, n int) *sso.Domain {
	d.Status, d.Error, d.CheckedAt, d.VerifiedAt, d.UpdatedAt = sso.DomainVerified, "", ptr(at(n)), ptr(at(n)), at(n)
	return d
}

func requireDomain(t testing.TB, want, got *sso.Domain) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.CreatedAt, got.CreatedAt, "CreatedAt")
	requireUTC(t, want.UpdatedAt, got.UpdatedAt, "UpdatedAt")
	requireTimePtr(t, want.CheckedAt, got.CheckedAt, "CheckedAt")
	requireTimePtr(t, want.VerifiedAt, got.VerifiedAt, "VerifiedAt")
	w, g := *want, *got
	w.CreatedAt, g.CreatedAt, w.UpdatedAt, g.UpdatedAt = base, base, base, base
	w.CheckedAt, g.CheckedAt, w.VerifiedAt, g.VerifiedAt = nil, nil, nil, nil
	require.Equal(t, w, g)
}

func testDomainCreateGet(t *testing.T, s storage.Store) {
	d := newDomain(newID(), "acme.example")
	d.Error = "was: ünïcode 'quoted'"
	require.NoError(t, s.CreateSSODomain(ctx(), d))
	got, err := s.GetSSODomain(ctx(), d.ID)
	require.NoError(t, err)
	requireDomain(t, d, got)
	_, err = s.GetVerifiedSSODomain(ctx(), d.Domain)
	requireCode(t, accountkit.NotFound, err, "a pending claim is not verified")

	verify(d, 5)
	require.NoError(t, s.UpdateSSODomain(ctx(), d))
	got, err = s.GetVerifiedSSODomain(ctx(), "acme.example")
	require.NoError(t, err)
	requireDomain(t, d, got)

	d.Status, d.Error, d.VerifiedAt, d.CheckedAt, d.UpdatedAt = sso.DomainFailed, "record gone", nil, ptr(at(9)), at(9)
	require.NoError(t, s.UpdateSSODomain(ctx(), d))
	got, err = s.GetSSODomain(ctx(), d.ID)
	require.NoError(t, err)
	requireDomain(t, d, got)
	_, err = s.GetVerifiedSSODomain(ctx(), "acme.example")
	requireCode(t, accountkit.NotFound, err, "a failed claim is not verified")
}

func testDomainNotFound(t *testing.T, s storage.Store) {
	_, err := s.GetSSODomain(ctx(), newID())
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetVerifiedSSODomain(ctx(), "nobody.example")
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetVerifiedSSODomain(ctx(), "")
	requireCode(t, accountkit.NotFound, err, "an empty domain matches nobody")
	requireCode(t, accountkit.NotFound, s.UpdateSSODomain(ctx(), newDomain(newID(), "x.example")))
	requireCode(t, accountkit.NotFound, s.DeleteSSODomain(ctx(), newID()))
	list, err := s.ListSSODomains(ctx(), newID())
	require.NoError(t, err)
	require.Empty(t, list)
}

func testDomainOneClaimPerAccount(t *testing.T, s storage.Store) {
	a := newID()
	require.NoError(t, s.CreateSSODomain(ctx(), newDomain(a, "acme.example")))
	requireCode(t, accountkit.Conflict, s.CreateSSODomain(ctx(), newDomain(a, "acme.example")))
	// Another account may claim the same domain while neither holds it
	// verified.
	require.NoError(t, s.CreateSSODomain(ctx(), newDomain(newID(), "acme.example")))
}

func testDomainVerifiedUnique(t *testing.T, s storage.Store) {
	a, b := newDomain(newID(), "acme.example"), newDomain(newID(), "acme.example")
	require.NoError(t, s.CreateSSODomain(ctx(), a))
	require.NoError(t, s.CreateSSODomain(ctx(), b))
	require.NoError(t, s.UpdateSSODomain(ctx(), verify(a, 1)))
	requireCode(t, accountkit.Conflict, s.UpdateSSODomain(ctx(), verify(b, 2)), "a second verified claim")
	got, err := s.GetSSODomain(ctx(), b.ID)
	require.NoError(t, err)
	assert.Equal(t, sso.DomainPending, got.Status, "the refused update changed nothing")
	requireCode(t, accountkit.Conflict, s.CreateSSODomain(ctx(), verify(newDomain(newID(), "acme.example"), 3)))
	// Saving the verified claim again is no conflict with itself.
	a.UpdatedAt = at(4)
	require.NoError(t, s.UpdateSSODomain(ctx(), a))
	// Once a lets go, b may hold it.
	a.Status, a.VerifiedAt = sso.DomainFailed, nil
	require.NoError(t, s.UpdateSSODomain(ctx(), a))
	require.NoError(t, s.UpdateSSODomain(ctx(), verify(b, 5)))
	got, err = s.GetVerifiedSSODomain(ctx(), "acme.example")
	require.NoError(t, err)
	assert.Equal(t, b.ID, got.ID)
}

func testDomainVerifiedConcurrent(t *testing.T, s storage.Store) {
	const n = 8
	claims := make([]*sso.Domain, n)
	for i := range claims {
		claims[i] = newDomain(newID(), "race.example")
		require.NoError(t, s.CreateSSODomain(ctx(), claims[i]))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range claims {
		wg.Add(1)
		go func(d *sso.Domain) {
			defer wg.Done()
			err := s.InTx(ctx(), func(ctx context.Context) error { return s.UpdateSSODomain(ctx, verify(d, 1)) })
			if err == nil {
				mu.Lock()
				won++
				mu.Unlock()
				return
			}
			assert.Equal(t, accountkit.Conflict, accountkit.ErrorCode(err), "error: %v", err)
		}(claims[i])
	}
	wg.Wait()
	require.Equal(t, 1, won, "exactly one claim holds the domain verified")
}

func testDomainListOrdered(t *testing.T, s storage.Store) {
	a := newID()
	for _, d := range []string{"zeta.example", "alpha.example", "mid.example"} {
		require.NoError(t, s.CreateSSODomain(ctx(), newDomain(a, d)))
	}
	require.NoError(t, s.CreateSSODomain(ctx(), newDomain(newID(), "other.example")))
	list, err := s.ListSSODomains(ctx(), a)
	require.NoError(t, err)
	var names []string
	for _, d := range list {
		names = append(names, d.Domain)
	}
	require.Equal(t, []string{"alpha.example", "mid.example", "zeta.example"}, names)
}

func testDomainRollback(t *testing.T, s storage.Store) {
	kept := newDomain(newID(), "kept.example")
	require.NoError(t, s.CreateSSODomain(ctx(), kept))
	boom := errors.New("boom")
	dropped := newDomain(newID(), "dropped.example")
	err := s.InTx(ctx(), func(ctx context.Context) error {
		require.NoError(t, s.CreateSSODomain(ctx, dropped))
		require.NoError(t, s.UpdateSSODomain(ctx, verify(kept, 3)))
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.GetSSODomain(ctx(), dropped.ID)
	requireCode(t, accountkit.NotFound, err)
	got, err := s.GetSSODomain(ctx(), kept.ID)
	require.NoError(t, err)
	assert.Equal(t, sso.DomainPending, got.Status)
	_, err = s.GetVerifiedSSODomain(ctx(), "kept.example")
	requireCode(t, accountkit.NotFound, err)
}

func testDomainDelete(t *testing.T, s storage.Store) {
	d := verify(newDomain(newID(), "gone.example"), 1)
	require.NoError(t, s.CreateSSODomain(ctx(), d))
	require.NoError(t, s.DeleteSSODomain(ctx(), d.ID))
	_, err := s.GetSSODomain(ctx(), d.ID)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetVerifiedSSODomain(ctx(), "gone.example")
	requireCode(t, accountkit.NotFound, err)
	requireCode(t, accountkit.NotFound, s.DeleteSSODomain(ctx(), d.ID))
	// The domain is free for another account.
	require.NoError(t, s.CreateSSODomain(ctx(), verify(newDomain(newID(), "gone.example"), 2)))
}

func testDomainOtherAccount(t *testing.T, s storage.Store) {
	a, b := newID(), newID()
	require.NoError(t, s.CreateSSODomain(ctx(), newDomain(a, "a.example")))
	list, err := s.ListSSODomains(ctx(), b)
	require.NoError(t, err)
	require.Empty(t, list)
}
