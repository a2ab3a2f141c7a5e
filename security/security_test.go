package security_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

func TestStaticToken(t *testing.T) {
	t.Parallel()
	_, err := security.NewStaticToken("short", security.Principal{})
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))

	tok := "akb_0123456789abcdef0123456789abcdef"
	a, err := security.NewStaticToken(tok, security.Principal{Username: "admin", AccountID: "a"})
	require.NoError(t, err)
	for header, want := range map[string]bool{
		"Bearer " + tok:       true,
		"bearer " + tok:       true,
		"Bearer " + tok + "x": false,
		"Basic " + tok:        false,
		"":                    false,
		"Bearer ":             false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		p, err := a.Authenticate(r)
		require.NoError(t, err)
		assert.Equal(t, want, p != nil, header)
	}
}

type tree map[string][]string

func (t tree) AccountAncestry(_ context.Context, id string) ([]string, error) {
	if p, ok := t[id]; ok {
		return p, nil
	}
	return nil, accountkit.Errorf(accountkit.NotFound, "account not found")
}

func TestAuthorizer_Require(t *testing.T) {
	t.Parallel()
	const main, sub, other = "01900000-0000-7000-8000-000000000001", "01900000-0000-7000-8000-000000000002", "01900000-0000-7000-8000-000000000003"
	az := security.NewAuthorizer(tree{main: {main}, sub: {main, sub}, other: {other}})
	mgr := security.WithPrincipal(context.Background(), &security.Principal{AccountID: main, Permissions: security.NewPermissionSet(security.PermAuditRead)})
	subMgr := security.WithPrincipal(context.Background(), &security.Principal{AccountID: sub, Permissions: security.NewPermissionSet(security.PermAuditRead)})

	check := func(ctx context.Context, perm security.Permission, id string) accountkit.Code {
		_, err := az.Require(ctx, perm, id)
		return accountkit.ErrorCode(err)
	}
	assert.Equal(t, accountkit.Code(""), check(mgr, security.PermAuditRead, main))
	assert.Equal(t, accountkit.Code(""), check(mgr, security.PermAuditRead, sub), "down the tree")
	assert.Equal(t, accountkit.Forbidden, check(mgr, security.PermUsersManage, sub))
	assert.Equal(t, accountkit.NotFound, check(mgr, security.PermAuditRead, other), "other tree")
	assert.Equal(t, accountkit.NotFound, check(mgr, security.PermUsersManage, other), "NotFound before Forbidden: no probing")
	assert.Equal(t, accountkit.NotFound, check(subMgr, security.PermAuditRead, main), "never up the tree")
	assert.Equal(t, accountkit.NotFound, check(mgr, security.PermAuditRead, "01900000-0000-7000-8000-00000000dead"))
	assert.Equal(t, accountkit.NotFound, check(mgr, security.PermAuditRead, "../etc"))
	assert.Equal(t, accountkit.Unauthenticated, check(context.Background(), security.PermAuditRead, main))
	assert.Equal(t, accountkit.Code(""), check(security.AsSystem(context.Background()), security.PermUsersManage, other))
}

// TestAuthorizer_OwnAccountNoLookup: the principal's own account is not
// looked up (the authenticator vouched for it); any other account is.
func TestAuthorizer_OwnAccountNoLookup(t *testing.T) {
	t.Parallel()
	const own, below = "01900000-0000-7000-8000-000000000011", "01900000-0000-7000-8000-000000000012"
	az := security.NewAuthorizer(tree{}) // knows no account at all
	ctx := security.WithPrincipal(context.Background(), &security.Principal{AccountID: own, Permissions: security.NewPermissionSet(security.PermAuditRead)})
	_, err := az.Require(ctx, security.PermAuditRead, own)
	assert.NoError(t, err)
	_, err = az.Require(ctx, security.PermUsersManage, own)
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err), "the permission is still checked")
	_, err = az.Require(ctx, security.PermAuditRead, below)
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "other accounts are looked up")
	_, err = az.Require(security.AsSystem(context.Background()), security.PermAuditRead, own)
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "the system has no own account")
}

func TestPermissionSet(t *testing.T) {
	t.Parallel()
	s := security.NewPermissionSet("b", "a", "b")
	assert.Equal(t, []security.Permission{"a", "b"}, s.List())
	assert.True(t, s.Has("a"))
	assert.False(t, s.Has("c"))
	assert.False(t, security.PermissionSet{}.Has("a"))
}
