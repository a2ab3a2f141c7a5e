package account

import (
	"context"
	"fmt"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// SecuritySettings are an account's sign-in policies. Every account has its
// own; a new sub-account starts with a copy of its parent's, and an account
// that never saved any uses DefaultSecuritySettings. An account may enforce
// groups of them on its whole subtree (Enforced); what applies to an
// account is then its effective policy (ResolvePolicy, Service.Policy).
type SecuritySettings struct {
	AccountID string
	// Enforced lists the policy groups this account enforces on every
	// account below it, in PolicyGroups order.
	Enforced []PolicyGroup
	// TwoFactorRequired makes every user sign in with a second factor.
	TwoFactorRequired bool
	// MaxInactivityDays disables users who did not sign in for that many
	// days (15–365); nil turns it off.
	MaxInactivityDays *int
	// MaxLoginAttempts locks a user after that many consecutive failures
	// (1–100; 5 recommended).
	MaxLoginAttempts int
	// PasswordValidityDays makes passwords expire (1–3650; 90 recommended);
	// nil means never.
	PasswordValidityDays *int
	// SessionIdleMinutes ends a session unused that long (5–1440).
	SessionIdleMinutes int
	// SessionMaxHours ends any session that old (1–720).
	SessionMaxHours int
	// PasswordMinLength is the shortest password allowed, in characters
	// (8–128; the installation's own minimum applies when higher).
	PasswordMinLength int
	// PasswordHistory refuses a new password equal to one of the user's
	// last PasswordHistory passwords (0–24; 0 turns it off). Each change
	// verifies the new password against that many stored hashes.
	PasswordHistory int
	// LockoutMinutes, when not 0 (1–1440), unlocks a user locked by failed
	// sign-ins after that many minutes, doubling with each lockout in a row
	// (at most 24 hours) until a sign-in succeeds; 0 keeps the product rule:
	// locked until an Account Manager unlocks.
	LockoutMinutes int
	UpdatedAt      time.Time
}

// Defaults and ranges of the security settings.
const (
	DefaultMaxLoginAttempts   = 5
	DefaultSessionIdleMinutes = 30
	DefaultSessionMaxHours    = 12
	DefaultPasswordMinLength  = 8
)

// DefaultSecuritySettings returns the settings of an account that never
// saved any: 5 attempts, 30-minute idle and 12-hour absolute sessions, no
// inactivity limit, passwords that never expire (8 characters at least, no
// history), locked until unlocked, 2FA optional.
func DefaultSecuritySettings(accountID string) *SecuritySettings {
	return &SecuritySettings{AccountID: accountID, MaxLoginAttempts: DefaultMaxLoginAttempts,
		SessionIdleMinutes: DefaultSessionIdleMinutes, SessionMaxHours: DefaultSessionMaxHours,
		PasswordMinLength: DefaultPasswordMinLength}
}

// SessionIdle returns the idle timeout as a duration.
func (s *SecuritySettings) SessionIdle() time.Duration {
	return time.Duration(s.SessionIdleMinutes) * time.Minute
}

// SessionMax returns the absolute session lifetime as a duration.
func (s *SecuritySettings) SessionMax() time.Duration {
	return time.Duration(s.SessionMaxHours) * time.Hour
}

// Lockout returns how long the lockCount-th lockout in a row lasts: 0
// (until an Account Manager unlocks) when LockoutMinutes is 0, else
// LockoutMinutes doubled for each earlier lockout, at most 24 hours.
func (s *SecuritySettings) Lockout(lockCount int) time.Duration {
	if s.LockoutMinutes <= 0 {
		return 0
	}
	d := time.Duration(s.LockoutMinutes) * time.Minute
	for i := 1; i < lockCount && d < 24*time.Hour; i++ {
		d *= 2
	}
	return min(d, 24*time.Hour)
}

// SecurityRange is the allowed range of a numeric security setting; with
// ZeroOff, 0 is allowed too and turns the limit off.
type SecurityRange struct {
	Min, Max int
	ZeroOff  bool
}

// SecurityRanges holds the range of every numeric security setting, by
// its JSON name: the one table UpdateSecuritySettings validates against
// and pages show.
var SecurityRanges = map[string]SecurityRange{
	"max_inactivity_days":    {Min: 15, Max: 365, ZeroOff: true},
	"max_login_attempts":     {Min: 1, Max: 100},
	"password_validity_days": {Min: 1, Max: 3650, ZeroOff: true},
	"session_idle_minutes":   {Min: 5, Max: 1440},
	"session_max_hours":      {Min: 1, Max: 720},
	"password_min_length":    {Min: 8, Max: 128},
	"password_history":       {Min: 0, Max: 24},
	"lockout_minutes":        {Min: 1, Max: 1440, ZeroOff: true},
}

// SettingsStore persists security settings.
type SettingsStore interface {
	// GetSecuritySettings returns the saved settings. Errors: NotFound when
	// the account never saved any.
	GetSecuritySettings(ctx context.Context, accountID string) (*SecuritySettings, error)
	// PutSecuritySettings inserts or replaces the account's settings.
	PutSecuritySettings(ctx context.Context, s *SecuritySettings) error
	// ListInactivitySettings returns every saved settings row with a
	// MaxInactivityDays, ordered by account ID.
	ListInactivitySettings(ctx context.Context) ([]*SecuritySettings, error)
	// ListSecuritySettings returns the saved settings of the accounts with
	// the IDs, ordered by account ID; accounts that never saved any are
	// left out.
	ListSecuritySettings(ctx context.Context, accountIDs []string) ([]*SecuritySettings, error)
}

// SecurityUpdate changes security settings; nil fields stay as they are.
// For MaxInactivityDays and PasswordValidityDays, 0 turns the limit off.
type SecurityUpdate struct {
	TwoFactorRequired    *bool `json:"two_factor_required,omitempty"`
	MaxInactivityDays    *int  `json:"max_inactivity_days,omitempty"`
	MaxLoginAttempts     *int  `json:"max_login_attempts,omitempty"`
	PasswordValidityDays *int  `json:"password_validity_days,omitempty"`
	SessionIdleMinutes   *int  `json:"session_idle_minutes,omitempty"`
	PasswordMinLength    *int  `json:"password_min_length,omitempty"`
	PasswordHistory      *int  `json:"password_history,omitempty"`
	LockoutMinutes       *int  `json:"lockout_minutes,omitempty"`
	SessionMaxHours      *int  `json:"session_max_hours,omitempty"`
	// AuditRetentionDays is the main account's audit retention
	// (audit.MinRetentionDays–audit.MaxRetentionDays days, or 0 to keep
	// events forever); refused on a sub-account (see retention.go).
	AuditRetentionDays *int `json:"audit_retention_days,omitempty"`
}

// Policy returns the effective security settings of an account (its own,
// made stricter by the groups accounts above it enforce; see
// ResolvePolicy), without a permission check: every enforcement point
// (sign-in lockout, sessions, password rules and expiry, the 2FA
// requirement, the inactivity job) uses it.
func (s *Service) Policy(ctx context.Context, accountID string) (_ *SecuritySettings, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	ep, err := ResolvePolicy(ctx, s.store, accountID)
	if err != nil {
		return nil, err
	}
	return ep.Settings, nil
}

// SecuritySettings returns an account's effective security settings (see
// Policy; EffectivePolicy tells where inherited values come from). It
// requires PermSecurityManage. Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) SecuritySettings(ctx context.Context, accountID string) (_ *SecuritySettings, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if _, err := s.authz.Require(ctx, security.PermSecurityManage, accountID); err != nil {
		return nil, err
	}
	return s.Policy(ctx, accountID)
}

// UpdateSecuritySettings changes an account's own security settings and
// returns its effective ones. It requires PermSecurityManage; values out of
// range are refused naming the field and its range, and a value weaker than
// what an account above enforces is refused naming the setting and the
// enforcing account (a stricter one is saved and applies). Audited as "Account security options updated" and,
// when the two-factor requirement changes, "Two-factor authentication
// enabled/disabled for all users" and "Two-factor authentication settings
// updated" (item 2FA); a refused request that sets the requirement is also
// audited under 2FA as an Enable/Disable failure and a "settings update
// failed". A change of the audit retention (AuditRetentionDays, main
// accounts only: see retention.go) is also audited as "Audit log retention
// updated", a refused one as its failure. Errors: Unauthenticated,
// NotFound, Forbidden, Invalid.
func (s *Service) UpdateSecuritySettings(ctx context.Context, accountID string, u SecurityUpdate) (*SecuritySettings, error) {
	entry := securityEntry(accountID)
	var out *SecuritySettings
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermSecurityManage, accountID); err != nil {
			return err
		}
		if err := u.validate(); err != nil {
			return err
		}
		ep, err := ResolvePolicy(ctx, s.store, accountID)
		if err != nil {
			return err
		}
		cur := ep.Own
		before := *cur.Clone()
		u.apply(cur)
		if len(ep.source) > 0 {
			names, err := s.accountNames(ctx, ep.EnforcingAccounts())
			if err != nil {
				return err
			}
			if err := ep.checkInherited(u, cur, names); err != nil {
				return err
			}
		}
		cur.UpdatedAt = s.rt.Now()
		if err := s.store.PutSecuritySettings(ctx, cur); err != nil {
			return err
		}
		entry.Details = settingsDiff(&before, cur)
		if u.AuditRetentionDays != nil {
			if err := s.setAuditRetention(ctx, accountID, *u.AuditRetentionDays, entry); err != nil {
				return err
			}
		}
		if before.TwoFactorRequired != cur.TwoFactorRequired {
			e := audit.Entry{AccountID: accountID, Item: audit.Item2FA, Action: audit.ActionDisable,
				Description: "Two-factor authentication disabled for all users.", TargetType: "account", TargetID: accountID}
			if cur.TwoFactorRequired {
				e.Action, e.Description = audit.ActionEnable, "Two-factor authentication enabled for all users."
			}
			if err := s.audit.Record(ctx, e); err != nil {
				return err
			}
			e.Action, e.Description = audit.ActionUpdate, "Two-factor authentication settings updated."
			e.Details = map[string]string{"two_factor_required": entry.Details["two_factor_required"]}
			if err := s.audit.Record(ctx, e); err != nil {
				return err
			}
		}
		out, err = s.Policy(ctx, accountID)
		return err
	})
	if err != nil && u.AuditRetentionDays != nil {
		s.audit.RecordFailure(ctx, retentionEntry(accountID), err)
	}
	if err != nil && u.TwoFactorRequired != nil {
		// A refused change of the two-factor requirement is filed under 2FA
		// too, so the 2FA filter shows it: as the Enable/Disable failure and
		// as the reference's "settings update failed", the failing twins of
		// the two events a success records.
		e := audit.Entry{AccountID: accountID, Item: audit.Item2FA, Action: audit.ActionDisable,
			FailureDescription: "Disabling two-factor authentication failed.", TargetType: "account", TargetID: accountID}
		if *u.TwoFactorRequired {
			e.Action, e.FailureDescription = audit.ActionEnable, "Enabling two-factor authentication failed."
		}
		s.audit.RecordFailure(ctx, e, err)
		e.Action, e.FailureDescription = audit.ActionUpdate, "Two-factor authentication settings update failed."
		s.audit.RecordFailure(ctx, e, err)
	}
	return out, err
}

func securityEntry(accountID string) *audit.Entry {
	return &audit.Entry{AccountID: accountID, Item: audit.ItemAccount, Action: audit.ActionUpdate,
		Description: "Account security options updated.", FailureDescription: "Account security options update failed.",
		TargetType: "account", TargetID: accountID}
}

func (u SecurityUpdate) validate() error {
	var v accountkit.Validation
	rng := func(field string, p *int) {
		r := SecurityRanges[field]
		if p == nil || (r.ZeroOff && *p == 0) {
			return
		}
		if *p < r.Min || *p > r.Max {
			msg := fmt.Sprintf("must be between %d and %d", r.Min, r.Max)
			if r.ZeroOff {
				msg += ", or 0 to turn it off"
			}
			v.Add(field, msg)
		}
	}
	rng("max_inactivity_days", u.MaxInactivityDays)
	rng("max_login_attempts", u.MaxLoginAttempts)
	rng("password_validity_days", u.PasswordValidityDays)
	rng("session_idle_minutes", u.SessionIdleMinutes)
	rng("session_max_hours", u.SessionMaxHours)
	rng("password_min_length", u.PasswordMinLength)
	rng("password_history", u.PasswordHistory)
	rng("lockout_minutes", u.LockoutMinutes)
	if u.AuditRetentionDays != nil {
		if msg := audit.RetentionMessage(*u.AuditRetentionDays); msg != "" {
			v.Add("audit_retention_days", msg)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if u == (SecurityUpdate{}) {
		return accountkit.Errorf(accountkit.Invalid, "nothing to update")
	}
	return nil
}

func (u SecurityUpdate) apply(s *SecuritySettings) {
	opt := func(p *int) *int {
		if *p == 0 {
			return nil
		}
		v := *p
		return &v
	}
	if u.TwoFactorRequired != nil {
		s.TwoFactorRequired = *u.TwoFactorRequired
	}
	if u.MaxInactivityDays != nil {
		s.MaxInactivityDays = opt(u.MaxInactivityDays)
	}
	if u.MaxLoginAttempts != nil {
		s.MaxLoginAttempts = *u.MaxLoginAttempts
	}
	if u.PasswordValidityDays != nil {
		s.PasswordValidityDays = opt(u.PasswordValidityDays)
	}
	if u.SessionIdleMinutes != nil {
		s.SessionIdleMinutes = *u.SessionIdleMinutes
	}
	if u.SessionMaxHours != nil {
		s.SessionMaxHours = *u.SessionMaxHours
	}
	if u.PasswordMinLength != nil {
		s.PasswordMinLength = *u.PasswordMinLength
	}
	if u.PasswordHistory != nil {
		s.PasswordHistory = *u.PasswordHistory
	}
	if u.LockoutMinutes != nil {
		s.LockoutMinutes = *u.LockoutMinutes
	}
}

func settingsDiff(a, b *SecuritySettings) map[string]string {
	d := map[string]string{}
	str := func(p *int) string {
		if p == nil {
			return "off"
		}
		return fmt.Sprint(*p)
	}
	add := func(k, x, y string) {
		if x != y {
			d[k] = x + " -> " + y
		}
	}
	add("two_factor_required", fmt.Sprint(a.TwoFactorRequired), fmt.Sprint(b.TwoFactorRequired))
	add("max_inactivity_days", str(a.MaxInactivityDays), str(b.MaxInactivityDays))
	add("max_login_attempts", fmt.Sprint(a.MaxLoginAttempts), fmt.Sprint(b.MaxLoginAttempts))
	add("password_validity_days", str(a.PasswordValidityDays), str(b.PasswordValidityDays))
	add("session_idle_minutes", fmt.Sprint(a.SessionIdleMinutes), fmt.Sprint(b.SessionIdleMinutes))
	add("session_max_hours", fmt.Sprint(a.SessionMaxHours), fmt.Sprint(b.SessionMaxHours))
	add("password_min_length", fmt.Sprint(a.PasswordMinLength), fmt.Sprint(b.PasswordMinLength))
	add("password_history", fmt.Sprint(a.PasswordHistory), fmt.Sprint(b.PasswordHistory))
	add("lockout_minutes", fmt.Sprint(a.LockoutMinutes), fmt.Sprint(b.LockoutMinutes))
	return d
}
