package sso_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
)

// recordingGroups is a GroupSync test double that keeps, per user, the
// groups it was last asked to set, and the accounts it converted.
type recordingGroups struct {
	mu        sync.Mutex
	sets      map[string][]string
	calls     int
	converted []string
	fail      error
}

func (g *recordingGroups) SetSSOMemberships(_ context.Context, userID, accountID string, names []string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail != nil {
		return g.fail
	}
	g.calls++
	g.sets[userID] = slices.Clone(names)
	return nil
}

func (g *recordingGroups) ConvertSSOTeamsToManual(_ context.Context, accountID string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.converted = append(g.converted, accountID)
	return nil
}

func (g *recordingGroups) get(userID string) ([]string, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sets[userID], g.calls
}

// envWithGroups is a kittest environment whose kit syncs groups through g.
func envWithGroups(t *testing.T, g sso.GroupSync) *kittest.Env {
	t.Helper()
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	clock := accountkit.NewTestClock(kittest.Epoch)
	mail := &kittest.Outbox{}
	k, err := kit.New(kit.Options{Store: store, Clock: clock,
		Users: users.Options{Mailer: mail, LinkBaseURL: "https://app.test/account"},
		Auth:  auth.Options{Hasher: security.NewPasswordHasher(kittest.CheapArgon2, 0), TOTPKey: kittest.TOTPKey, Limits: kittest.NoLimits},
		SSO:   sso.Options{BaseURL: kittest.BaseURL, Groups: g}})
	require.NoError(t, err)
	srv := httptest.NewServer(k.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(k.Close)
	return &kittest.Env{Store: store, Clock: clock, Kit: k, Server: srv, Mail: mail}
}

func TestSSO_GroupSync(t *testing.T) {
	g := &recordingGroups{sets: map[string][]string{}}
	env := envWithGroups(t, g)
	f := newFixture(t, env)
	cfg := f.configure(t, map[string]any{"auto_create_groups": true, "group_attribute": sso.AzureADGroupAttribute}, http.StatusOK)
	require.Equal(t, sso.AzureADGroupAttribute, cfg.GroupAttribute)
	attrs := func(groups ...string) map[string][]string {
		return map[string][]string{sso.AzureADGroupAttribute: groups, sso.DefaultGroupAttribute: {"ignored"}}
	}

	// Every value becomes a team name; unusable and duplicate names are
	// skipped.
	require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test",
		Attrs: attrs("Admins", " Staff ", "admins", "", strings.Repeat("x", 101))}, "").Status)
	got, _ := g.get(f.alice.ID)
	require.Equal(t, []string{"Admins", "Staff"}, got)

	// The next sign-in sets exactly the received set: removals included.
	require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test", Attrs: attrs("Staff")}, "").Status)
	got, _ = g.get(f.alice.ID)
	require.Equal(t, []string{"Staff"}, got)
	require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test"}, "").Status)
	got, _ = g.get(f.alice.ID)
	require.Equal(t, []string{}, got, "no group attribute: no SSO team")

	// A failing sync refuses the sign-in and starts no session.
	g.fail = accountkit.InvalidField("groups", "nope")
	requireRefused(t, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test", Attrs: attrs("X")}, ""), http.StatusBadRequest, sso.ReasonGroupSync)
	g.fail = errors.New("database down")
	requireRefused(t, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test", Attrs: attrs("X")}, ""), http.StatusInternalServerError, sso.ReasonInternal)
	g.fail = nil

	// Turning auto-create groups off turns the SSO teams into manual ones
	// and stops the sync.
	f.configure(t, map[string]any{"auto_create_groups": false}, http.StatusOK)
	require.Equal(t, []string{f.acc.ID}, g.converted)
	_, before := g.get(f.alice.ID)
	require.Equal(t, http.StatusSeeOther, f.signIn(t, newBrowser(env), respOpts{NameID: "alice@contoso.test", Attrs: attrs("Z")}, "").Status)
	_, after := g.get(f.alice.ID)
	require.Equal(t, before, after)
	// Saving again with it off converts nothing more.
	f.configure(t, map[string]any{"auto_create_groups": false}, http.StatusOK)
	require.Len(t, g.converted, 1)
}
