package users

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// phoneCodeHash binds a code to its user so equal codes of two users
// differ in storage.
func phoneCodeHash(userID, code string) string { return security.HashSecret(userID + ":" + code) }

// SendPhoneCode texts a 6-digit code to the signed-in user's unverified
// phone. A new code replaces the previous one; at most one code per
// PhoneResendInterval. Errors: Unauthenticated, Invalid (no phone, already
// verified), LimitExceeded (too soon), Internal (SMS not sent).
func (s *Service) SendPhoneCode(ctx context.Context) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if s.opts.SMS == nil {
		return accountkit.Errorf(accountkit.Internal, "no SMS sender configured")
	}
	if err := s.throttle.Take(ctx, "phone:ip", security.ClientFrom(ctx).IP, s.opts.Limits.PhoneCodePerIP); err != nil {
		return err
	}
	var u *User
	var code string
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.store.GetUserForUpdate(ctx, p.UserID); err != nil {
			return err
		}
		switch {
		case u.Phone == "":
			return accountkit.InvalidField("phone", "no phone number to verify")
		case u.PhoneVerified:
			return accountkit.InvalidField("phone", "already verified")
		}
		prev, err := s.store.ListTokens(ctx, u.ID, TokenPhoneCode)
		if err != nil {
			return err
		}
		if len(prev) > 0 && s.now().Before(prev[0].CreatedAt.Add(s.opts.PhoneResendInterval)) {
			return accountkit.Errorf(accountkit.LimitExceeded, "a code was sent moments ago; wait before asking for another")
		}
		if err := s.throttle.Take(ctx, "phone:user", u.ID, s.opts.Limits.PhoneCodePerUser); err != nil {
			return err
		}
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return accountkit.Wrap(err, "random source failed")
		}
		code = fmt.Sprintf("%06d", n.Int64())
		if err := s.store.DeleteTokens(ctx, u.ID, TokenPhoneCode); err != nil {
			return err
		}
		now := s.now()
		return s.store.CreateToken(ctx, &Token{Hash: phoneCodeHash(u.ID, code), Kind: TokenPhoneCode, UserID: u.ID,
			CreatedAt: now, ExpiresAt: now.Add(s.opts.PhoneCodeTTL), Target: u.Phone})
	})
	if err != nil {
		return err
	}
	if err := s.opts.SMS.SendSMS(ctx, u.Phone, "Your verification code is "+code); err != nil {
		s.rt.Logger.WarnContext(ctx, "users: sending SMS failed", "user_id", u.ID, "err", err)
		return accountkit.Errorf(accountkit.Internal, "the code could not be sent")
	}
	return nil
}

// VerifyPhone checks a code sent by SendPhoneCode. A code works once,
// within PhoneCodeTTL, and at most PhoneCodeMaxAttempts wrong codes are
// allowed before it is void. Audited ("Mobile number verified for user" /
// "...verification for user failed"). Errors: Unauthenticated, Invalid,
// LimitExceeded.
func (s *Service) VerifyPhone(ctx context.Context, code string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	u, err := s.store.GetUser(ctx, p.UserID)
	if err != nil {
		return err
	}
	entry := s.entry(u, audit.ItemUser, audit.ActionUpdate, "Mobile number verified for user.", "Mobile number verification for user failed.")
	var verr error // a refusal that must still commit the attempt count
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		verr = nil
		toks, err := s.store.ListTokens(ctx, u.ID, TokenPhoneCode)
		if err != nil {
			return err
		}
		if len(toks) == 0 || !s.now().Before(toks[0].ExpiresAt) {
			verr = accountkit.InvalidField("code", "no valid code; ask for a new one")
			return nil
		}
		t := toks[0]
		if t.Attempts >= s.opts.PhoneCodeMaxAttempts {
			verr = accountkit.Errorf(accountkit.LimitExceeded, "too many wrong codes; ask for a new one")
			return nil
		}
		if len(code) != 6 || subtle.ConstantTimeCompare([]byte(phoneCodeHash(u.ID, code)), []byte(t.Hash)) != 1 {
			n, err := s.store.AddTokenAttempt(ctx, t.Hash)
			if err != nil {
				return err
			}
			verr = accountkit.InvalidField("code", "wrong code")
			if n >= s.opts.PhoneCodeMaxAttempts {
				verr = accountkit.Errorf(accountkit.LimitExceeded, "too many wrong codes; ask for a new one")
			}
			return nil
		}
		if _, err := s.store.ConsumeToken(ctx, t.Hash, TokenPhoneCode, s.now()); err != nil {
			verr = accountkit.InvalidField("code", "no valid code; ask for a new one")
			return nil
		}
		cur, err := s.store.GetUserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		if cur.Phone != t.Target {
			verr = accountkit.InvalidField("code", "the phone number changed; ask for a new code")
			return nil
		}
		cur.PhoneVerified, cur.UpdatedAt = true, s.now()
		if err := s.store.UpdateUser(ctx, cur); err != nil {
			return err
		}
		return s.audit.Record(ctx, *entry)
	})
	if err != nil {
		return err
	}
	if verr != nil {
		s.audit.RecordFailure(ctx, *entry, verr)
	}
	return verr
}
