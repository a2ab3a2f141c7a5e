package auth_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// TestRace_LockoutCountsEveryAttempt: 100 parallel wrong passwords with a
// threshold of 100 count exactly 100 and lock exactly at the last one; the
// right password is refused afterwards.
func TestRace_LockoutCountsEveryAttempt(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			_, err := env.Kit.Accounts.UpdateSecuritySettings(env.System(), main.ID, account.SecurityUpdate{MaxLoginAttempts: ptr(100)})
			require.NoError(t, err)
			u := env.ActiveUser(t, main, "target")

			var wg sync.WaitGroup
			var unexpected atomic.Int32
			for i := 0; i < 100; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "target", Password: "wrong"})
					if accountkit.ErrorCode(err) != accountkit.Unauthenticated {
						unexpected.Add(1)
					}
				}()
			}
			wg.Wait()
			assert.Zero(t, unexpected.Load())
			got, err := env.Store.GetUser(context.Background(), u.ID)
			require.NoError(t, err)
			assert.Equal(t, 100, got.FailedLogins, "every attempt counted, none lost")
			assert.True(t, got.Locked)
			_, err = env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "target", Password: kittest.Password})
			assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err))
		})
	}
}

// TestRace_NoSuccessAfterLock: right and wrong passwords race; in the order
// the database serialized them (the audit chain), no sign-in succeeds after
// the user was locked.
func TestRace_NoSuccessAfterLock(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			_, err := env.Kit.Accounts.UpdateSecuritySettings(env.System(), main.ID, account.SecurityUpdate{MaxLoginAttempts: ptr(3)})
			require.NoError(t, err)
			u := env.ActiveUser(t, main, "target")

			var wg sync.WaitGroup
			for i := 0; i < 60; i++ {
				pw := "wrong"
				if i%6 == 0 {
					pw = kittest.Password
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _ = env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "target", Password: pw})
				}()
			}
			wg.Wait()
			chain, err := env.Store.ListAuditChain(context.Background(), main.ID, 0, 10000)
			require.NoError(t, err)
			locked := false
			for _, e := range chain {
				if e.TargetID != u.ID {
					continue
				}
				switch {
				case e.Action == audit.ActionLock:
					locked = true
				case e.Action == audit.ActionLogin && e.Status == audit.StatusSuccess:
					assert.False(t, locked, "sign-in at seq %d succeeded after the lock", e.Seq)
				}
			}
			require.True(t, locked, "50 wrong passwords against a threshold of 3 lock the user")
			got, _ := env.Store.GetUser(context.Background(), u.ID)
			assert.True(t, got.Locked)
		})
	}
}

// TestRace_ResetTokenSingleUse: twenty parallel resets with one link; one wins.
func TestRace_ResetTokenSingleUse(t *testing.T) {
	t.Parallel()
	for name, open := range kittest.Stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := kittest.NewWithStore(t, open(t))
			main := env.MainAccount(t, "acme")
			env.ActiveUser(t, main, "boss", security.RoleAccountManager)
			u := env.ActiveUser(t, main, "target")
			require.NoError(t, env.Kit.Auth.ForgotPassword(context.Background(), "target"))
			env.Kit.Auth.Wait()
			tok := env.Mail.Last(t, u.Email, users.MailPasswordReset).Token

			var wg sync.WaitGroup
			var ok atomic.Int32
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if env.Kit.Auth.ResetPassword(context.Background(), tok, "parallel-pass-1") == nil {
						ok.Add(1)
					}
				}()
			}
			wg.Wait()
			assert.EqualValues(t, 1, ok.Load())
		})
	}
}
