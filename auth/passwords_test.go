package auth_test

import (
	"context"
	"crypto/sha1" //nolint:gosec // the test serves a k-anonymity range, keyed by SHA-1
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
)

func ptrInt(n int) *int { return &n }

// TestPasswords_AccountRules: an account's minimum length and history.
func TestPasswords_AccountRules(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	_, err := env.Kit.Accounts.UpdateSecuritySettings(env.System(), main.ID, account.SecurityUpdate{
		PasswordMinLength: ptrInt(14), PasswordHistory: ptrInt(3)})
	require.NoError(t, err)

	u, err := env.Kit.Users.Create(env.System(), users.CreateInput{AccountID: main.ID, Username: "nia", Email: "nia@acme.test"})
	require.NoError(t, err)
	inv := env.Mail.Last(t, u.Email, users.MailInvitation).Token
	_, err = env.Kit.Auth.AcceptInvitation(context.Background(), inv, "short-enough1")
	require.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	assert.Contains(t, accountkit.ErrorMessage(err), "at least 14 characters")
	_, err = env.Kit.Auth.AcceptInvitation(context.Background(), inv, "first-long-passw0rd")
	require.NoError(t, err)

	ctx := sessionCtx(t, env, env.Login(t, "nia", "first-long-passw0rd"))
	require.NoError(t, env.Kit.Auth.ChangePassword(ctx, "first-long-passw0rd", "second-long-passw0rd"))
	ctx = sessionCtx(t, env, env.Login(t, "nia", "second-long-passw0rd"))
	err = env.Kit.Auth.ChangePassword(ctx, "second-long-passw0rd", "first-long-passw0rd")
	require.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), "a recent password is refused")
	assert.Contains(t, accountkit.ErrorMessage(err), "last 3 passwords")
	err = env.Kit.Auth.ChangePassword(ctx, "second-long-passw0rd", "second-long-passw0rd")
	require.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), "so is the current one")
	require.NoError(t, env.Kit.Auth.ChangePassword(ctx, "second-long-passw0rd", "third-long-passw0rd"))

	// A reset link obeys the history too.
	require.NoError(t, env.Kit.Auth.ForgotPassword(context.Background(), "nia"))
	env.Kit.Auth.Wait()
	reset := env.Mail.Last(t, u.Email, users.MailPasswordReset).Token
	err = env.Kit.Auth.ResetPassword(context.Background(), reset, "first-long-passw0rd")
	require.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	require.NoError(t, env.Kit.Auth.ResetPassword(context.Background(), reset, "fourth-long-passw0rd"), "the link survived the refusal")

	// Out of range settings are refused, naming the field.
	for field, up := range map[string]account.SecurityUpdate{
		"password_min_length": {PasswordMinLength: ptrInt(7)},
		"password_history":    {PasswordHistory: ptrInt(25)},
		"lockout_minutes":     {LockoutMinutes: ptrInt(1441)},
	} {
		_, err := env.Kit.Accounts.UpdateSecuritySettings(env.System(), main.ID, up)
		require.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), field)
		var e *accountkit.Error
		require.True(t, errors.As(err, &e))
		assert.Equal(t, field, e.Fields[0].Field)
	}
}

// fakeRange serves a k-anonymity range holding the given breached
// passwords, padded with count-0 entries, and records the prefixes asked.
type fakeRange struct {
	mu       sync.Mutex
	breached []string
	asked    []string
	fail     bool
}

func (f *fakeRange) fetch(_ context.Context, prefix string) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, prefix)
	if f.fail {
		return nil, errors.New("network down")
	}
	var b strings.Builder
	b.WriteString("0000000000000000000000000000000000A:0\r\n")
	for _, p := range f.breached {
		sum := sha1.Sum([]byte(p)) //nolint:gosec // see the import
		h := strings.ToUpper(hex.EncodeToString(sum[:]))
		if h[:5] == prefix {
			b.WriteString(h[5:] + ":42\r\n")
		}
	}
	return io.NopCloser(strings.NewReader(b.String())), nil
}

// TestPasswords_Breached: a breached password is refused, only five
// characters of its hash leave the process, and a failed check refuses
// rather than lets the password through.
func TestPasswords_Breached(t *testing.T) {
	t.Parallel()
	breached := "correct-horse-battery"
	f := &fakeRange{breached: []string{breached}}
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	env := kittest.NewWithStore(t, store, func(o *kit.Options) { o.Auth.BreachedPasswords = f.fetch })
	main := env.MainAccount(t, "acme")
	u, err := env.Kit.Users.Create(env.System(), users.CreateInput{AccountID: main.ID, Username: "nia", Email: "nia@acme.test"})
	require.NoError(t, err)
	inv := env.Mail.Last(t, u.Email, users.MailInvitation).Token
	_, err = env.Kit.Auth.AcceptInvitation(context.Background(), inv, breached)
	require.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err))
	assert.Contains(t, accountkit.ErrorMessage(err), "breached")
	for _, p := range f.asked {
		assert.Len(t, p, 5, "only the prefix is sent")
		assert.NotContains(t, breached, p)
	}
	f.mu.Lock()
	f.fail = true
	f.mu.Unlock()
	_, err = env.Kit.Auth.AcceptInvitation(context.Background(), inv, "a-fine-unbreached-one")
	require.Equal(t, accountkit.Internal, accountkit.ErrorCode(err), "unchecked is not accepted")
	f.mu.Lock()
	f.fail = false
	f.mu.Unlock()
	_, err = env.Kit.Auth.AcceptInvitation(context.Background(), inv, "a-fine-unbreached-one")
	require.NoError(t, err)
}

// TestPasswords_TimedLockout: with lockout_minutes set, a lockout ends by
// itself, and the next one in a row lasts twice as long.
func TestPasswords_TimedLockout(t *testing.T) {
	t.Parallel()
	env, main, _, _ := setup(t)
	_, err := env.Kit.Accounts.UpdateSecuritySettings(env.System(), main.ID, account.SecurityUpdate{LockoutMinutes: ptrInt(10)})
	require.NoError(t, err)
	env.ActiveUser(t, main, "lou")
	lockOut := func() {
		for range 5 {
			_, err := env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "lou", Password: "wrong-guess"})
			require.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err))
		}
	}
	try := func() error {
		_, err := env.Kit.Auth.Login(context.Background(), auth.LoginInput{Identifier: "lou", Password: kittest.Password})
		return err
	}
	lockOut()
	env.Clock.Advance(9 * time.Minute)
	require.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(try()), "still locked")
	env.Clock.Advance(time.Minute)
	lockOut() // the lockout expired at 10 minutes: these five count again
	env.Clock.Advance(19 * time.Minute)
	require.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(try()), "the second lockout in a row lasts 20 minutes")
	env.Clock.Advance(time.Minute)
	require.NoError(t, try(), "and then ends")
	ev := env.Events(t, main.ID)
	found := false
	for _, e := range ev {
		found = found || e.Description == "User unlocked." && e.Details["reason"] == "lockout expired"
	}
	assert.True(t, found, "the expiry is audited")
}
