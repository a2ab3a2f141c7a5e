package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/auth"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
)

// limited returns an env with the default sign-in limits (kittest turns
// them off) and the given changes.
func limited(t *testing.T, change func(*kit.Options)) *kittest.Env {
	t.Helper()
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	return kittest.NewWithStore(t, store, func(o *kit.Options) {
		o.Auth.Limits = auth.Limits{}
		if change != nil {
			change(o)
		}
	})
}

// from returns a context of a request from the client IP.
func from(ip string) context.Context {
	return security.WithClient(context.Background(), security.Client{IP: ip})
}

// TestThrottle_ForgotPassword: 50 anonymous "forgot password" calls for
// one user send 3 emails, not 50; and one client is stopped after 10.
func TestThrottle_ForgotPassword(t *testing.T) {
	t.Parallel()
	env := limited(t, nil)
	main := env.MainAccount(t, "acme")
	env.ActiveUser(t, main, "victim")
	for i := range 50 {
		err := env.Kit.Auth.ForgotPassword(from(fmt.Sprintf("198.51.100.%d", i)), "victim")
		require.NoError(t, err)
	}
	env.Kit.Auth.Wait()
	assert.Equal(t, 3, env.Mail.Count("victim@acme.test", users.MailPasswordReset), "the user's limit")

	for i := range 10 {
		require.NoError(t, env.Kit.Auth.ForgotPassword(from("203.0.113.9"), fmt.Sprintf("nobody%d", i)))
	}
	err := env.Kit.Auth.ForgotPassword(from("203.0.113.9"), "nobody")
	require.Equal(t, accountkit.TooManyRequests, accountkit.ErrorCode(err), "the client's limit")
	assert.Positive(t, accountkit.RetryAfterOf(err))
	env.Clock.Advance(time.Minute)
	assert.NoError(t, env.Kit.Auth.ForgotPassword(from("203.0.113.9"), "nobody"), "a token comes back after a minute")
}

// TestThrottle_LockoutDoS: a client guessing passwords is stopped by its
// own limit before it can lock many users out, and refused guesses do not
// count toward anybody's lockout.
func TestThrottle_LockoutDoS(t *testing.T) {
	t.Parallel()
	env := limited(t, func(o *kit.Options) {
		o.Auth.Limits.LoginPerIP = security.RateLimit{Burst: 12, Every: time.Minute}
	})
	main := env.MainAccount(t, "acme")
	var names []string
	for i := range 5 {
		names = append(names, fmt.Sprintf("user%d", i))
		env.ActiveUser(t, main, names[i])
	}
	attacker := from("192.0.2.66")
	throttled := 0
	for _, name := range names {
		for range 5 { // the account's lockout threshold
			_, err := env.Kit.Auth.Login(attacker, auth.LoginInput{Identifier: name, Password: "wrong-guess"})
			if accountkit.ErrorCode(err) == accountkit.TooManyRequests {
				throttled++
				continue
			}
			require.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err))
		}
	}
	assert.Equal(t, 25-12, throttled)
	locked := 0
	for _, name := range names {
		u, err := env.Store.GetUserByUsername(context.Background(), name)
		require.NoError(t, err)
		if u.Locked {
			locked++
		}
	}
	assert.Equal(t, 2, locked, "12 guesses lock two users; the throttled ones count for nobody")
	_, err := env.Kit.Auth.Login(from("192.0.2.7"), auth.LoginInput{Identifier: names[4], Password: kittest.Password})
	assert.NoError(t, err, "the last user, never locked, signs in from elsewhere")
}

// TestThrottle_Identifier: guesses on one identifier from many addresses
// stop at its limit, before they count.
func TestThrottle_Identifier(t *testing.T) {
	t.Parallel()
	env := limited(t, func(o *kit.Options) {
		o.Auth.Limits.LoginPerIdentifier = security.RateLimit{Burst: 3, Every: time.Hour}
	})
	main := env.MainAccount(t, "acme")
	u := env.ActiveUser(t, main, "target")
	for i := range 6 {
		_, err := env.Kit.Auth.Login(from(fmt.Sprintf("198.51.100.%d", i)), auth.LoginInput{Identifier: "TARGET", Password: "nope-nope"})
		want := accountkit.Unauthenticated
		if i >= 3 {
			want = accountkit.TooManyRequests
		}
		require.Equal(t, want, accountkit.ErrorCode(err), "attempt %d", i)
	}
	got, err := env.Store.GetUser(context.Background(), u.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, got.FailedLogins, "only the attempts within the limit counted")
	_, err = env.Kit.Auth.Login(from("198.51.100.99"), auth.LoginInput{Identifier: "nobody", Password: "x"})
	assert.Equal(t, accountkit.Unauthenticated, accountkit.ErrorCode(err), "another identifier is not affected")
}

// TestThrottle_TwoFactor: second-factor guesses are bounded per user.
func TestThrottle_TwoFactor(t *testing.T) {
	t.Parallel()
	env := limited(t, func(o *kit.Options) {
		o.Auth.Limits.TwoFactorPerUser = security.RateLimit{Burst: 2, Every: time.Hour}
	})
	main := env.MainAccount(t, "acme")
	env.ActiveUser(t, main, "sam")
	tok := env.Login(t, "sam", kittest.Password)
	p, _, err := env.Kit.Auth.SessionPrincipal(context.Background(), tok)
	require.NoError(t, err)
	ctx := security.WithPrincipal(context.Background(), p)
	_, err = env.Kit.Auth.BeginTwoFactorEnrollment(ctx, "")
	require.NoError(t, err)
	for i := range 3 {
		_, err := env.Kit.Auth.ConfirmTwoFactorEnrollment(ctx, auth.ConfirmInput{Code: "000000"})
		want := accountkit.Invalid
		if i == 2 {
			want = accountkit.TooManyRequests
		}
		require.Equal(t, want, accountkit.ErrorCode(err), "attempt %d", i)
	}
}

// TestThrottle_HTTP: a throttled request is answered 429 with Retry-After
// and a problem body; X-Forwarded-For counts only from a trusted proxy.
func TestThrottle_HTTP(t *testing.T) {
	t.Parallel()
	env := limited(t, func(o *kit.Options) {
		o.Auth.Limits.LoginPerIP = security.RateLimit{Burst: 2, Every: time.Hour}
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	login := func(forwardedFor string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, env.Server.URL+"/api/v1/auth/login", strings.NewReader(`{"username":"x","password":"y"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		resp, err := env.Server.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	for range 2 {
		require.Equal(t, http.StatusUnauthorized, login("203.0.113.1").StatusCode)
	}
	resp := login("203.0.113.1")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "3600", resp.Header.Get("Retry-After"))
	assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	assert.Equal(t, http.StatusUnauthorized, login("203.0.113.2").StatusCode, "another client behind the proxy")
	// A spoofed hop before the proxy's does not choose the client.
	assert.Equal(t, http.StatusTooManyRequests, login("10.9.9.9, 203.0.113.1").StatusCode)
}
