package storagetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage"
)

func testSSO(t *testing.T, h Harness) {
	runAll(t, h, []subtest{
		{name: "ConfigNotFound", run: testSSOConfigNotFound},
		{name: "ConfigPutGet", run: testSSOConfigPutGet},
		{name: "ConfigRollback", run: testSSOConfigRollback},
		{name: "Links", run: testSSOLinks},
		{name: "LinksConcurrent", run: testSSOLinksConcurrent},
		{name: "Requests", run: testSAMLRequests},
		{name: "RequestsConcurrent", run: testSAMLRequestsConcurrent},
		{name: "Assertions", run: testSAMLAssertions},
		{name: "AssertionsConcurrent", run: testSAMLAssertionsConcurrent},
		{name: "Purge", run: testSAMLPurge},
		{name: "OtherAccountSeesNothing", run: testSSOOtherAccount},
	})
}

// newSSOConfig returns a filled configuration of the account, not stored.
func newSSOConfig(accountID string) *sso.Config {
	return &sso.Config{AccountID: accountID, Enabled: true, SPEntityID: "urn:sp:" + accountID,
		IdPEntityID: "https://idp.example.org/" + accountID, IdPCertificates: []string{"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "second"},
		IdPLoginURL: "https://idp.example.org/sso", IdPLogoutURL: "https://idp.example.org/slo",
		AutoCreateUsers: true, AutoCreateGroups: true, GroupAttribute: sso.AzureADGroupAttribute,
		ClockSkewSeconds: 120, AllowIdPInitiated: true, LocalTwoFactor: true, LinkByEmailAttribute: true, BreakGlassUserID: newID(),
		CreatedAt: at(0), UpdatedAt: at(1)}
}

func requireSSOConfig(t testing.TB, want, got *sso.Config) {
	t.Helper()
	require.NotNil(t, got)
	requireUTC(t, want.CreatedAt, got.CreatedAt, "CreatedAt")
	requireUTC(t, want.UpdatedAt, got.UpdatedAt, "UpdatedAt")
	w, g := *want, *got
	w.CreatedAt, g.CreatedAt, w.UpdatedAt, g.UpdatedAt = base, base, base, base
	if w.IdPCertificates == nil {
		w.IdPCertificates = []string{}
	}
	require.Equal(t, w, g)
}

func replayKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func testSSOConfigNotFound(t *testing.T, s storage.Store) {
	_, err := s.GetSSOConfig(ctx(), newID())
	requireCode(t, accountkit.NotFound, err)
	id := newID()
	inTx(t, s, func(ctx context.Context) error {
		_, err := s.GetSSOConfig(ctx, id)
		requireCode(t, accountkit.NotFound, err)
		return s.PutSSOConfig(ctx, newSSOConfig(id)) // the transaction goes on
	})
	_, err = s.GetSSOConfig(ctx(), id)
	require.NoError(t, err)
}

func testSSOConfigPutGet(t *testing.T, s storage.Store) {
	c := newSSOConfig(newID())
	require.NoError(t, s.PutSSOConfig(ctx(), c))
	got, err := s.GetSSOConfig(ctx(), c.AccountID)
	require.NoError(t, err)
	requireSSOConfig(t, c, got)

	got.IdPCertificates[0] = "changed" // a returned copy
	again, err := s.GetSSOConfig(ctx(), c.AccountID)
	require.NoError(t, err)
	requireSSOConfig(t, c, again)

	// Overwrite with the zero values: every field is saved.
	z := &sso.Config{AccountID: c.AccountID, CreatedAt: at(0), UpdatedAt: at(5)}
	require.NoError(t, s.PutSSOConfig(ctx(), z))
	got, err = s.GetSSOConfig(ctx(), c.AccountID)
	require.NoError(t, err)
	requireSSOConfig(t, z, got)
	require.NotNil(t, got.IdPCertificates, "an empty list, not nil")
}

func testSSOConfigRollback(t *testing.T, s storage.Store) {
	c := newSSOConfig(newID())
	err := s.InTx(ctx(), func(ctx context.Context) error {
		if err := s.PutSSOConfig(ctx, c); err != nil {
			return err
		}
		return errors.New("abort")
	})
	require.Error(t, err)
	_, err = s.GetSSOConfig(ctx(), c.AccountID)
	requireCode(t, accountkit.NotFound, err)
}

func testSSOLinks(t *testing.T, s storage.Store) {
	acc, u1, u2 := newID(), newID(), newID()
	idp := "https://idp.example.org/" + acc
	_, err := s.GetSSOLink(ctx(), acc, idp, "alice@corp.example")
	requireCode(t, accountkit.NotFound, err)

	require.NoError(t, s.PutSSOLink(ctx(), &sso.Link{AccountID: acc, IdPEntityID: idp, NameID: "alice@corp.example", UserID: u1, CreatedAt: at(0)}))
	l, err := s.GetSSOLink(ctx(), acc, idp, "alice@corp.example")
	require.NoError(t, err)
	require.Equal(t, u1, l.UserID)
	require.Equal(t, idp, l.IdPEntityID)
	requireUTC(t, at(0), l.CreatedAt, "CreatedAt")

	// Repointing keeps the key and the creation time.
	require.NoError(t, s.PutSSOLink(ctx(), &sso.Link{AccountID: acc, IdPEntityID: idp, NameID: "alice@corp.example", UserID: u2, CreatedAt: at(9)}))
	l, err = s.GetSSOLink(ctx(), acc, idp, "alice@corp.example")
	require.NoError(t, err)
	require.Equal(t, u2, l.UserID)
	requireUTC(t, at(0), l.CreatedAt, "CreatedAt")

	for name, k := range map[string][3]string{
		"other IdP":       {acc, idp + "/x", "alice@corp.example"},
		"other NameID":    {acc, idp, "alice@corp.example2"},
		"NameID case":     {acc, idp, "Alice@corp.example"},
		"trailing space":  {acc, idp, "alice@corp.example "},
		"other account":   {newID(), idp, "alice@corp.example"},
		"long entity IDs": {acc, idp + repeat("y", 900), "alice@corp.example"},
	} {
		_, err := s.GetSSOLink(ctx(), k[0], k[1], k[2])
		requireCode(t, accountkit.NotFound, err, name)
	}
	longID := "urn:long:" + repeat("x", 1000)
	require.NoError(t, s.PutSSOLink(ctx(), &sso.Link{AccountID: acc, IdPEntityID: longID, NameID: "bob@corp.example", UserID: u1, CreatedAt: at(1)}))
	l, err = s.GetSSOLink(ctx(), acc, longID, "bob@corp.example")
	require.NoError(t, err)
	require.Equal(t, longID, l.IdPEntityID)
}

func repeat(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for i := 0; i < n; i++ {
		b = append(b, s...)
	}
	return string(b)
}

func testSSOLinksConcurrent(t *testing.T, s storage.Store) {
	acc, idp := newID(), "https://idp.example.org/c"
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.InTx(ctx(), func(ctx context.Context) error {
				return s.PutSSOLink(ctx, &sso.Link{AccountID: acc, IdPEntityID: idp, NameID: "carol@corp.example", UserID: newID(), CreatedAt: at(0)})
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "concurrent upserts of one link never conflict")
	}
	_, err := s.GetSSOLink(ctx(), acc, idp, "carol@corp.example")
	require.NoError(t, err)
}

func testSAMLRequests(t *testing.T, s storage.Store) {
	id := "_" + replayKey(newID())[:40]
	require.NoError(t, s.SaveSAMLRequest(ctx(), id, "https://idp.example.org/r", at(600)))
	requireCode(t, accountkit.Conflict, s.SaveSAMLRequest(ctx(), id, "https://idp.example.org/r", at(600)))

	idp, ok, err := s.ConsumeSAMLRequest(ctx(), id, at(10))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "https://idp.example.org/r", idp)
	_, ok, err = s.ConsumeSAMLRequest(ctx(), id, at(10))
	require.NoError(t, err)
	require.False(t, ok, "a request is consumed once")

	_, ok, err = s.ConsumeSAMLRequest(ctx(), "_unknown", at(10))
	require.NoError(t, err)
	require.False(t, ok)
	_, ok, err = s.ConsumeSAMLRequest(ctx(), "_\u00e9'; DROP TABLE x; --"+repeat("z", 100), at(10))
	require.NoError(t, err, "any input is only compared")
	require.False(t, ok)

	exp := "_expired"
	require.NoError(t, s.SaveSAMLRequest(ctx(), exp, "https://idp.example.org/r", at(60)))
	_, ok, err = s.ConsumeSAMLRequest(ctx(), exp, at(60))
	require.NoError(t, err)
	require.False(t, ok, "expired at its expiry")
	require.NoError(t, s.SaveSAMLRequest(ctx(), exp, "https://idp.example.org/r", at(600)), "the expired row was deleted")

	// A consume inside a rolled-back transaction is undone.
	rb := "_rollback"
	require.NoError(t, s.SaveSAMLRequest(ctx(), rb, "i", at(600)))
	err = s.InTx(ctx(), func(ctx context.Context) error {
		_, ok, err := s.ConsumeSAMLRequest(ctx, rb, at(1))
		require.NoError(t, err)
		require.True(t, ok)
		return errors.New("abort")
	})
	require.Error(t, err)
	_, ok, err = s.ConsumeSAMLRequest(ctx(), rb, at(1))
	require.NoError(t, err)
	require.True(t, ok)
}

func testSAMLRequestsConcurrent(t *testing.T, s storage.Store) {
	id := "_concurrent"
	require.NoError(t, s.SaveSAMLRequest(ctx(), id, "https://idp.example.org/r", at(600)))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := s.ConsumeSAMLRequest(ctx(), id, at(1))
			require.NoError(t, err)
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	require.EqualValues(t, 1, wins.Load())
}

func testSAMLAssertions(t *testing.T, s storage.Store) {
	key := replayKey("idp\x00_a1")
	first, err := s.MarkSAMLAssertionUsed(ctx(), key, at(300), at(0))
	require.NoError(t, err)
	require.True(t, first)
	first, err = s.MarkSAMLAssertionUsed(ctx(), key, at(300), at(100))
	require.NoError(t, err)
	require.False(t, first, "replayed")
	// Once expired, the key may be recorded again (and is then live).
	first, err = s.MarkSAMLAssertionUsed(ctx(), key, at(900), at(300))
	require.NoError(t, err)
	require.True(t, first)
	first, err = s.MarkSAMLAssertionUsed(ctx(), key, at(900), at(301))
	require.NoError(t, err)
	require.False(t, first)

	other := replayKey("idp\x00_a2")
	first, err = s.MarkSAMLAssertionUsed(ctx(), other, at(300), at(0))
	require.NoError(t, err)
	require.True(t, first)
}

func testSAMLAssertionsConcurrent(t *testing.T, s storage.Store) {
	for round, now := range []int{0, 400} { // a fresh key, then an expired one
		key := replayKey("idp\x00_concurrent")
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first, err := s.MarkSAMLAssertionUsed(ctx(), key, at(now+300), at(now))
				require.NoError(t, err)
				if first {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		require.EqualValues(t, 1, wins.Load(), "round %d", round)
	}
}

func testSAMLPurge(t *testing.T, s storage.Store) {
	require.NoError(t, s.SaveSAMLRequest(ctx(), "_old", "i", at(10)))
	require.NoError(t, s.SaveSAMLRequest(ctx(), "_new", "i", at(1000)))
	_, err := s.MarkSAMLAssertionUsed(ctx(), replayKey("old"), at(10), at(0))
	require.NoError(t, err)
	_, err = s.MarkSAMLAssertionUsed(ctx(), replayKey("new"), at(1000), at(0))
	require.NoError(t, err)

	n, err := s.PurgeSAMLState(ctx(), at(10))
	require.NoError(t, err)
	require.Equal(t, 2, n)
	n, err = s.PurgeSAMLState(ctx(), at(10))
	require.NoError(t, err)
	require.Zero(t, n)

	_, ok, err := s.ConsumeSAMLRequest(ctx(), "_new", at(11))
	require.NoError(t, err)
	require.True(t, ok, "live requests survive")
	first, err := s.MarkSAMLAssertionUsed(ctx(), replayKey("new"), at(1000), at(11))
	require.NoError(t, err)
	require.False(t, first, "live keys survive")
}

func testSSOOtherAccount(t *testing.T, s storage.Store) {
	a, b := newID(), newID()
	require.NoError(t, s.PutSSOConfig(ctx(), newSSOConfig(a)))
	idp := "https://idp.example.org/shared"
	require.NoError(t, s.PutSSOLink(ctx(), &sso.Link{AccountID: a, IdPEntityID: idp, NameID: "x@corp.example", UserID: newID(), CreatedAt: at(0)}))
	_, err := s.GetSSOConfig(ctx(), b)
	requireCode(t, accountkit.NotFound, err)
	_, err = s.GetSSOLink(ctx(), b, idp, "x@corp.example")
	requireCode(t, accountkit.NotFound, err)
}
