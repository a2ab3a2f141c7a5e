package account_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage"
	"github.com/accountkit/accountkit/storage/memory"
)

func ptr[T any](v T) *T { return &v }

func TestService_CreateMain(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	t.Run("OK", func(t *testing.T) {
		a, err := env.Kit.Accounts.CreateMain(env.System(), account.CreateInput{Name: "  Acme  ", Slug: "acme"})
		require.NoError(t, err)
		assert.Equal(t, "Acme", a.Name)
		assert.True(t, a.IsMain())
		assert.Equal(t, []string{a.ID}, a.Ancestry)
		assert.Equal(t, account.StatusEnabled, a.Status)
		ev := env.LastEvent(t, a.ID)
		assert.Equal(t, audit.ItemAccount, ev.Item)
		assert.Equal(t, audit.ActionCreate, ev.Action)
		assert.Equal(t, "system", ev.ActorName)
	})
	t.Run("ErrNotSystem", func(t *testing.T) {
		main := env.MainAccount(t, "other")
		_, err := env.Kit.Accounts.CreateMain(kittest.As(kittest.Manager(main.ID, "boss")), account.CreateInput{Name: "X", Slug: "xyz"})
		assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err))
		_, err = env.Kit.Accounts.CreateMain(context.Background(), account.CreateInput{Name: "X", Slug: "xyz"})
		assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err))
	})
	t.Run("ErrSlugTaken", func(t *testing.T) {
		env.MainAccount(t, "taken")
		_, err := env.Kit.Accounts.CreateMain(env.System(), account.CreateInput{Name: "Again", Slug: "taken"})
		var e *accountkit.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, accountkit.Conflict, e.Code)
		assert.Equal(t, "slug", e.Fields[0].Field)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, in := range []account.CreateInput{
			{Name: "", Slug: "valid-slug"},
			{Name: "   ", Slug: "valid-slug"},
			{Name: strings.Repeat("n", 101), Slug: "valid-slug"},
			{Name: "bad\x00name", Slug: "valid-slug"},
			{Name: "bad\xffutf8", Slug: "valid-slug"},
			{Name: "ok", Slug: "ab"},
			{Name: "ok", Slug: strings.Repeat("a", 64)},
			{Name: "ok", Slug: "Upper"},
			{Name: "ok", Slug: "1starts-digit"},
			{Name: "ok", Slug: "ends-"},
			{Name: "ok", Slug: "two--hyphens"},
			{Name: "ok", Slug: "sp ace"},
			{Name: "ok", Slug: "ünï"},
			{Name: "ok", Slug: "a/../b"},
		} {
			_, err := env.Kit.Accounts.CreateMain(env.System(), in)
			assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), "%q %q", in.Name, in.Slug)
		}
		_, err := env.Store.GetAccountBySlug(context.Background(), "valid-slug")
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "nothing was created")
	})
}

func TestService_CreateSub(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	boss := kittest.As(kittest.Manager(main.ID, "boss"))

	t.Run("OK", func(t *testing.T) {
		sub, err := env.Kit.Accounts.CreateSub(boss, main.ID, account.CreateInput{Name: "EU", Slug: "acme-eu"})
		require.NoError(t, err)
		assert.Equal(t, main.ID, sub.ParentID)
		assert.Equal(t, []string{main.ID, sub.ID}, sub.Ancestry)
		ev := env.LastEvent(t, main.ID)
		assert.Equal(t, sub.ID, ev.AccountID)
		assert.Equal(t, "boss", ev.ActorName)
		assert.Equal(t, audit.StatusSuccess, ev.Status)
	})
	t.Run("ErrForbiddenWithoutPermission", func(t *testing.T) {
		clerk := kittest.As(kittest.Member(main.ID, "clerk", security.PermAuditRead))
		_, err := env.Kit.Accounts.CreateSub(clerk, main.ID, account.CreateInput{Name: "X", Slug: "acme-x"})
		assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err))
		ev := env.LastEvent(t, main.ID)
		assert.Equal(t, audit.StatusFailure, ev.Status)
		assert.Equal(t, "Account creation failed.", ev.Description)
		assert.Equal(t, "clerk", ev.ActorName)
		assert.Equal(t, "forbidden", ev.Details["error_code"])
	})
	t.Run("ErrDepth", func(t *testing.T) {
		parent := main
		for i := 1; i <= account.MaxDepth; i++ {
			var err error
			parent, err = env.Kit.Accounts.CreateSub(boss, parent.ID, account.CreateInput{Name: "L", Slug: fmt.Sprintf("level-%d", i)})
			require.NoError(t, err)
			assert.Equal(t, i, parent.Depth())
		}
		_, err := env.Kit.Accounts.CreateSub(boss, parent.ID, account.CreateInput{Name: "too deep", Slug: "level-6"})
		assert.Equal(t, accountkit.LimitExceeded, accountkit.ErrorCode(err))
	})
	t.Run("ErrDisabledParent", func(t *testing.T) {
		sub := env.SubAccount(t, main, "acme-off")
		_, err := env.Kit.Accounts.Disable(boss, sub.ID)
		require.NoError(t, err)
		_, err = env.Kit.Accounts.CreateSub(boss, sub.ID, account.CreateInput{Name: "X", Slug: "acme-off-x"})
		assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	})
	t.Run("ErrSubAccountManagerCannotReachUp", func(t *testing.T) {
		sub := env.SubAccount(t, main, "acme-local")
		local := kittest.As(kittest.Manager(sub.ID, "local"))
		_, err := env.Kit.Accounts.CreateSub(local, main.ID, account.CreateInput{Name: "X", Slug: "acme-up"})
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "the parent lies above the principal's account")
		_, err = env.Kit.Accounts.CreateSub(local, sub.ID, account.CreateInput{Name: "Below", Slug: "acme-local-1"})
		assert.NoError(t, err, "but below it is fine")
	})
}

// TestService_OtherTree: a principal of a second main account tries every
// operation on the first and sees NotFound, as for an ID that does not exist;
// its failures are recorded in its own account's log, never in the victim's.
func TestService_OtherTree(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	victim := env.MainAccount(t, "victim")
	vsub := env.SubAccount(t, victim, "victim-sub")
	attacker := env.MainAccount(t, "attacker")
	ctx := kittest.As(kittest.Manager(attacker.ID, "mallory"))
	before := len(env.Events(t, victim.ID))
	missing := (&accountkit.UUIDv7{}).NewID()

	for _, id := range []string{victim.ID, vsub.ID, missing, "not-a-uuid"} {
		_, err := env.Kit.Accounts.Get(ctx, id)
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "get")
		_, err = env.Kit.Accounts.Update(ctx, id, account.Update{Name: ptr("pwned")})
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "update")
		_, err = env.Kit.Accounts.Disable(ctx, id)
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "disable")
		_, err = env.Kit.Accounts.Enable(ctx, id)
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "enable")
		_, err = env.Kit.Accounts.CreateSub(ctx, id, account.CreateInput{Name: "x", Slug: "evil-sub"})
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "create sub")
		_, err = env.Kit.Accounts.List(ctx, account.ListInput{ParentID: id})
		assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "list")
	}
	_, err := env.Kit.Accounts.GetBySlug(ctx, "victim-sub")
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "get by slug")

	got, err := env.Store.GetAccount(context.Background(), vsub.ID)
	require.NoError(t, err)
	assert.Equal(t, vsub.Name, got.Name)
	assert.Equal(t, account.StatusEnabled, got.Status)
	assert.Len(t, env.Events(t, victim.ID), before, "nothing written to the victim's log")
	for _, ev := range env.Events(t, attacker.ID) {
		if ev.Status == audit.StatusFailure {
			assert.Equal(t, attacker.ID, ev.AccountID)
			assert.Empty(t, ev.TargetID)
		}
	}
}

func TestService_Update(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	env.SubAccount(t, main, "acme-us")
	boss := kittest.As(kittest.Manager(main.ID, "boss"))

	t.Run("OK", func(t *testing.T) {
		env.Clock.Advance(time.Second)
		a, err := env.Kit.Accounts.Update(boss, sub.ID, account.Update{Name: ptr("Europe"), Slug: ptr("acme-europe")})
		require.NoError(t, err)
		assert.Equal(t, "Europe", a.Name)
		assert.Equal(t, "acme-europe", a.Slug)
		assert.True(t, a.UpdatedAt.After(a.CreatedAt))
		ev := env.LastEvent(t, main.ID)
		assert.Equal(t, audit.ActionUpdate, ev.Action)
		assert.Equal(t, "acme-eu", ev.Details["old_slug"])
	})
	t.Run("ErrConflict", func(t *testing.T) {
		_, err := env.Kit.Accounts.Update(boss, sub.ID, account.Update{Slug: ptr("acme-us")})
		assert.Equal(t, accountkit.Conflict, accountkit.ErrorCode(err))
		got, _ := env.Store.GetAccount(context.Background(), sub.ID)
		assert.Equal(t, "acme-europe", got.Slug)
		assert.Equal(t, audit.StatusFailure, env.LastEvent(t, main.ID).Status)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, u := range []account.Update{{}, {Name: ptr("")}, {Slug: ptr("NO")}, {Name: ptr(strings.Repeat("x", 101))}} {
			_, err := env.Kit.Accounts.Update(boss, sub.ID, u)
			assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
		}
	})
}

func TestService_SetStatus(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	boss := kittest.As(kittest.Manager(main.ID, "boss"))

	a, err := env.Kit.Accounts.Disable(boss, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, account.StatusDisabled, a.Status)
	ev := env.LastEvent(t, main.ID)
	assert.Equal(t, audit.ActionDisable, ev.Action)
	assert.Equal(t, "Account disabled.", ev.Description)

	a, err = env.Kit.Accounts.Enable(boss, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, account.StatusEnabled, a.Status)

	_, err = env.Kit.Accounts.Disable(kittest.As(kittest.Manager(sub.ID, "local")), sub.ID)
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err), "nobody disables their own account")
	_, err = env.Kit.Accounts.Disable(boss, main.ID)
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err), "main accounts are disabled by the host")
	_, err = env.Kit.Accounts.SetStatus(boss, sub.ID, "deleted")
	assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	a, err = env.Kit.Accounts.Disable(env.System(), main.ID)
	require.NoError(t, err)
	assert.Equal(t, account.StatusDisabled, a.Status)
}

func TestService_Get(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	sub := env.SubAccount(t, main, "acme-eu")
	clerk := kittest.As(kittest.Member(main.ID, "clerk"))
	a, err := env.Kit.Accounts.Get(clerk, main.ID)
	require.NoError(t, err, "anyone reads their own account")
	assert.Equal(t, main.ID, a.ID)
	_, err = env.Kit.Accounts.Get(clerk, sub.ID)
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err))
	a, err = env.Kit.Accounts.GetBySlug(kittest.As(kittest.Manager(main.ID, "boss")), "acme-eu")
	require.NoError(t, err)
	assert.Equal(t, sub.ID, a.ID)
	a, err = env.Kit.Accounts.Current(clerk)
	require.NoError(t, err)
	assert.Equal(t, main.ID, a.ID)
}

func TestService_List(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	boss := kittest.As(kittest.Manager(main.ID, "boss"))
	var slugs []string
	for i := 0; i < 7; i++ {
		s := env.SubAccount(t, main, fmt.Sprintf("acme-%02d", i))
		slugs = append(slugs, s.Slug)
		if i == 3 {
			env.SubAccount(t, s, "deep-child")
			_, err := env.Kit.Accounts.Disable(boss, s.ID)
			require.NoError(t, err)
		}
	}
	var got []string
	cursor := ""
	for {
		page, err := env.Kit.Accounts.List(boss, account.ListInput{Limit: 3, Cursor: cursor})
		require.NoError(t, err)
		for _, a := range page.Accounts {
			got = append(got, a.Slug)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	assert.Equal(t, slugs, got, "children only, in slug order, each once")

	page, err := env.Kit.Accounts.List(boss, account.ListInput{Descendants: true})
	require.NoError(t, err)
	assert.Len(t, page.Accounts, 8)
	page, err = env.Kit.Accounts.List(boss, account.ListInput{Search: "DEEP", Descendants: true})
	require.NoError(t, err)
	require.Len(t, page.Accounts, 1)
	page, err = env.Kit.Accounts.List(boss, account.ListInput{Status: "disabled"})
	require.NoError(t, err)
	require.Len(t, page.Accounts, 1)
	assert.Equal(t, "acme-03", page.Accounts[0].Slug)

	for _, in := range []account.ListInput{{Limit: -1}, {Limit: 201}, {Status: "gone"}, {Cursor: "%%%"}, {Search: strings.Repeat("s", 300)}} {
		_, err := env.Kit.Accounts.List(boss, in)
		assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), "%+v", in)
	}
	_, err = env.Kit.Accounts.List(kittest.As(kittest.Member(main.ID, "clerk")), account.ListInput{})
	assert.Equal(t, accountkit.Forbidden, accountkit.ErrorCode(err))
}

// failingAudit is a store whose audit inserts fail, to prove a change and
// its audit event land together or not at all.
type failingAudit struct{ storage.Store }

func (failingAudit) InsertAuditEvent(context.Context, *audit.Event) error {
	return errors.New("disk full")
}

func TestService_AuditAndChangeAreAtomic(t *testing.T) {
	t.Parallel()
	base := memory.New()
	t.Cleanup(func() { _ = base.Close() })
	env := kittest.NewWithStore(t, failingAudit{base})
	_, err := env.Kit.Accounts.CreateMain(env.System(), account.CreateInput{Name: "Acme", Slug: "acme"})
	require.Error(t, err)
	assert.Equal(t, accountkit.Internal, accountkit.ErrorCode(err))
	assert.Equal(t, "internal error", accountkit.ErrorMessage(err), "clients never see the cause")
	_, err = base.GetAccountBySlug(context.Background(), "acme")
	assert.Equal(t, accountkit.NotFound, accountkit.ErrorCode(err), "the account did not land without its event")
}
