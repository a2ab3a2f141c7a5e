package auth

import (
	"context"
	"time"

	"github.com/accountkit/accountkit/security"
)

// Limits are the rate limits of the sign-in routes (token buckets kept in
// the store, so they hold across instances). Each limit is checked before
// the work it protects: a request over a limit is answered 429 with
// Retry-After and counts nowhere — in particular not toward a user's
// lockout, so an attacker cannot lock users out from behind a throttled
// address. A zero RateLimit takes the default below; a negative Burst
// turns the limit off.
type Limits struct {
	// LoginPerIP bounds sign-in attempts from one client IP (default 30 at
	// once, then one every 2 s). LoginPerIdentifier bounds attempts on
	// one username or email, from anywhere (default 10, then one every 30
	// s), before any of them counts toward the user's lockout.
	LoginPerIP, LoginPerIdentifier security.RateLimit
	// ForgotPerIP bounds "forgot password" requests from one IP (default
	// 10, then one a minute); ForgotPerIdentifier the reset emails one
	// identifier can cause (default 3, then one every 10 minutes).
	ForgotPerIP, ForgotPerIdentifier security.RateLimit
	// TwoFactorPerIP and TwoFactorPerUser bound second-factor codes
	// (sign-in step, enrollment, disabling, recovery codes) from one IP
	// (default 30, then one every 2 s) and for one user (default 10, then
	// one every 30 s).
	TwoFactorPerIP, TwoFactorPerUser security.RateLimit
}

func (l *Limits) defaults() {
	def := func(r *security.RateLimit, burst int, every time.Duration) {
		if r.Burst == 0 && r.Every == 0 {
			*r = security.RateLimit{Burst: burst, Every: every}
		}
	}
	def(&l.LoginPerIP, 30, 2*time.Second)
	def(&l.LoginPerIdentifier, 10, 30*time.Second)
	def(&l.ForgotPerIP, 10, time.Minute)
	def(&l.ForgotPerIdentifier, 3, 10*time.Minute)
	def(&l.TwoFactorPerIP, 30, 2*time.Second)
	def(&l.TwoFactorPerUser, 10, 30*time.Second)
}

// The throttle scopes.
const (
	scopeLoginIP      = "login:ip"
	scopeLoginID      = "login:identifier"
	scopeForgotIP     = "forgot:ip"
	scopeForgotID     = "forgot:identifier"
	scopeTwoFactorIP  = "2fa:ip"
	scopeTwoFactorUsr = "2fa:user"
)

// clientIP returns the IP of the request in ctx: the client the HTTP layer
// recorded, else the given one.
func clientIP(ctx context.Context, given string) string {
	if c := security.ClientFrom(ctx); c.IP != "" {
		return c.IP
	}
	return given
}

// takeTwoFactor applies the second-factor limits of the user from the
// request's client.
func (s *Service) takeTwoFactor(ctx context.Context, userID, ip string) error {
	if err := s.throttle.Take(ctx, scopeTwoFactorIP, clientIP(ctx, ip), s.opts.Limits.TwoFactorPerIP); err != nil {
		return err
	}
	return s.throttle.Take(ctx, scopeTwoFactorUsr, userID, s.opts.Limits.TwoFactorPerUser)
}
