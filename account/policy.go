package account

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// PolicyGroup names a group of security settings that an account can
// enforce on every account below it (see docs/policies.md).
type PolicyGroup string

// The policy groups and the settings each holds.
const (
	// GroupTwoFactor holds TwoFactorRequired.
	GroupTwoFactor PolicyGroup = "two_factor"
	// GroupLockout holds MaxLoginAttempts and LockoutMinutes.
	GroupLockout PolicyGroup = "lockout"
	// GroupInactivity holds MaxInactivityDays.
	GroupInactivity PolicyGroup = "inactivity"
	// GroupPassword holds PasswordValidityDays, PasswordMinLength and
	// PasswordHistory.
	GroupPassword PolicyGroup = "password"
	// GroupSessions holds SessionIdleMinutes and SessionMaxHours.
	GroupSessions PolicyGroup = "sessions"
)

// PolicyGroups lists every group, in a stable order.
var PolicyGroups = []PolicyGroup{GroupTwoFactor, GroupLockout, GroupInactivity, GroupPassword, GroupSessions}

// Valid reports whether g is one of PolicyGroups.
func (g PolicyGroup) Valid() bool { return slices.Contains(PolicyGroups, g) }

// Settings returns the JSON names of the settings the group holds.
func (g PolicyGroup) Settings() []string {
	var out []string
	for _, f := range policyFields {
		if f.group == g {
			out = append(out, f.name)
		}
	}
	return out
}

// Enforces reports whether the settings enforce g on the account's subtree.
func (s *SecuritySettings) Enforces(g PolicyGroup) bool { return slices.Contains(s.Enforced, g) }

// policyField describes one setting for inheritance: its group, how strict
// a value is (a higher rank is stricter), how to copy it and show it.
type policyField struct {
	name  string
	group PolicyGroup
	rank  func(*SecuritySettings) int
	copy  func(dst, src *SecuritySettings)
	show  func(*SecuritySettings) string
	// set reports whether an update changes the setting.
	set func(SecurityUpdate) bool
}

// lowerStricter ranks a limit where a smaller number is stricter and nil
// (off) is the weakest.
func lowerStricter(p *int) int {
	if p == nil {
		return math.MinInt
	}
	return -*p
}

func showOpt(p *int) string {
	if p == nil {
		return "off"
	}
	return fmt.Sprint(*p)
}

// policyFields is the single table of how each setting is inherited. The
// strictness of each: 2FA required beats optional; fewer login attempts,
// fewer inactivity days, shorter password validity and shorter sessions
// are stricter; a longer minimum password length and a longer history are
// stricter; a lockout until unlocked (0) is the strictest, then a longer
// one.
var policyFields = []policyField{
	{name: "two_factor_required", group: GroupTwoFactor,
		rank: func(s *SecuritySettings) int {
			if s.TwoFactorRequired {
				return 1
			}
			return 0
		},
		copy: func(d, s *SecuritySettings) { d.TwoFactorRequired = s.TwoFactorRequired },
		show: func(s *SecuritySettings) string { return fmt.Sprint(s.TwoFactorRequired) },
		set:  func(u SecurityUpdate) bool { return u.TwoFactorRequired != nil }},
	{name: "max_login_attempts", group: GroupLockout,
		rank: func(s *SecuritySettings) int { return -s.MaxLoginAttempts },
		copy: func(d, s *SecuritySettings) { d.MaxLoginAttempts = s.MaxLoginAttempts },
		show: func(s *SecuritySettings) string { return fmt.Sprint(s.MaxLoginAttempts) },
		set:  func(u SecurityUpdate) bool { return u.MaxLoginAttempts != nil }},
	{name: "lockout_minutes", group: GroupLockout,
		rank: func(s *SecuritySettings) int {
			if s.LockoutMinutes == 0 {
				return math.MaxInt
			}
			return s.LockoutMinutes
		},
		copy: func(d, s *SecuritySettings) { d.LockoutMinutes = s.LockoutMinutes },
		show: func(s *SecuritySettings) string {
			if s.LockoutMinutes == 0 {
				return "0 (locked until an Account Manager unlocks)"
			}
			return fmt.Sprint(s.LockoutMinutes)
		},
		set: func(u SecurityUpdate) bool { return u.LockoutMinutes != nil }},
	{name: "max_inactivity_days", group: GroupInactivity,
		rank: func(s *SecuritySettings) int { return lowerStricter(s.MaxInactivityDays) },
		copy: func(d, s *SecuritySettings) { d.MaxInactivityDays = intCopy(s.MaxInactivityDays) },
		show: func(s *SecuritySettings) string { return showOpt(s.MaxInactivityDays) },
		set:  func(u SecurityUpdate) bool { return u.MaxInactivityDays != nil }},
	{name: "password_validity_days", group: GroupPassword,
		rank: func(s *SecuritySettings) int { return lowerStricter(s.PasswordValidityDays) },
		copy: func(d, s *SecuritySettings) { d.PasswordValidityDays = intCopy(s.PasswordValidityDays) },
		show: func(s *SecuritySettings) string { return showOpt(s.PasswordValidityDays) },
		set:  func(u SecurityUpdate) bool { return u.PasswordValidityDays != nil }},
	{name: "password_min_length", group: GroupPassword,
		rank: func(s *SecuritySettings) int { return s.PasswordMinLength },
		copy: func(d, s *SecuritySettings) { d.PasswordMinLength = s.PasswordMinLength },
		show: func(s *SecuritySettings) string { return fmt.Sprint(s.PasswordMinLength) },
		set:  func(u SecurityUpdate) bool { return u.PasswordMinLength != nil }},
	{name: "password_history", group: GroupPassword,
		rank: func(s *SecuritySettings) int { return s.PasswordHistory },
		copy: func(d, s *SecuritySettings) { d.PasswordHistory = s.PasswordHistory },
		show: func(s *SecuritySettings) string { return fmt.Sprint(s.PasswordHistory) },
		set:  func(u SecurityUpdate) bool { return u.PasswordHistory != nil }},
	{name: "session_idle_minutes", group: GroupSessions,
		rank: func(s *SecuritySettings) int { return -s.SessionIdleMinutes },
		copy: func(d, s *SecuritySettings) { d.SessionIdleMinutes = s.SessionIdleMinutes },
		show: func(s *SecuritySettings) string { return fmt.Sprint(s.SessionIdleMinutes) },
		set:  func(u SecurityUpdate) bool { return u.SessionIdleMinutes != nil }},
	{name: "session_max_hours", group: GroupSessions,
		rank: func(s *SecuritySettings) int { return -s.SessionMaxHours },
		copy: func(d, s *SecuritySettings) { d.SessionMaxHours = s.SessionMaxHours },
		show: func(s *SecuritySettings) string { return fmt.Sprint(s.SessionMaxHours) },
		set:  func(u SecurityUpdate) bool { return u.SessionMaxHours != nil }},
}

func intCopy(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Clone returns a deep copy of s.
func (s *SecuritySettings) Clone() *SecuritySettings {
	c := *s
	c.MaxInactivityDays, c.PasswordValidityDays = intCopy(s.MaxInactivityDays), intCopy(s.PasswordValidityDays)
	c.Enforced = slices.Clone(s.Enforced)
	return &c
}

// EffectivePolicy is an account's security policy as every enforcement
// point applies it: its own settings, made stricter where an account
// above it enforces a group (see ResolvePolicy).
type EffectivePolicy struct {
	// Settings are the effective values. Settings.Enforced is what the
	// account itself enforces on its own subtree.
	Settings *SecuritySettings
	// Own are the account's own values (its saved settings, else the
	// defaults).
	Own *SecuritySettings
	// EnforcedBy maps each group an account above enforces to the topmost
	// such account: the one no account below it can lift the policy of.
	EnforcedBy map[PolicyGroup]string
	// InheritedFrom maps each setting (JSON name) whose effective value is
	// an ancestor's to that ancestor's ID. A setting of an inherited group
	// absent here keeps the account's own, stricter value.
	InheritedFrom map[string]string
	// bound holds, per inherited group, the strictest values the enforcing
	// ancestors require, and source per setting which ancestor set each.
	bound  *SecuritySettings
	source map[string]string
}

// PolicyReader reads what ResolvePolicy needs; account.Store and the
// storage adapters implement it.
type PolicyReader interface {
	Getter
	// ListSecuritySettings returns the saved settings of the accounts with
	// the IDs (those that never saved any are left out), in any order.
	ListSecuritySettings(ctx context.Context, accountIDs []string) ([]*SecuritySettings, error)
}

// ResolvePolicy computes the effective security policy of an account. It is
// the one place where inheritance is decided: for every group enforced by
// an account above (at any depth), each setting takes the strictest value
// among the enforcing ancestors and the account's own value; a tie keeps the
// ancestor's (the setting shows as inherited). Groups nobody above enforces
// keep the account's own values. An account that never saved settings owns
// the defaults; an unknown account gets the defaults. It reads the account
// and the saved settings of its whole ancestry in one query. Errors: those
// of the reader.
func ResolvePolicy(ctx context.Context, r PolicyReader, accountID string) (*EffectivePolicy, error) {
	ancestry := []string{accountID}
	a, err := r.GetAccount(ctx, accountID)
	switch {
	case err == nil:
		ancestry = a.Ancestry
	case accountkit.ErrorCode(err) != accountkit.NotFound:
		return nil, err
	}
	rows, err := r.ListSecuritySettings(ctx, ancestry)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*SecuritySettings, len(rows))
	for _, st := range rows {
		byID[st.AccountID] = st
	}
	return resolve(accountID, ancestry, byID), nil
}

// resolve is ResolvePolicy on loaded data: ancestry runs from the main
// account down to accountID.
func resolve(accountID string, ancestry []string, saved map[string]*SecuritySettings) *EffectivePolicy {
	own, ok := saved[accountID]
	if ok {
		own = own.Clone()
	} else {
		own = DefaultSecuritySettings(accountID)
	}
	ep := &EffectivePolicy{Own: own, Settings: own.Clone(), EnforcedBy: map[PolicyGroup]string{},
		InheritedFrom: map[string]string{}, bound: own.Clone(), source: map[string]string{}}
	// Top down, so the topmost enforcer wins ties between ancestors.
	for _, id := range ancestry[:max(len(ancestry)-1, 0)] {
		up, ok := saved[id]
		if !ok || len(up.Enforced) == 0 {
			continue
		}
		for _, g := range up.Enforced {
			if _, seen := ep.EnforcedBy[g]; !seen {
				ep.EnforcedBy[g] = id
			}
		}
		for _, f := range policyFields {
			if !up.Enforces(f.group) {
				continue
			}
			if _, has := ep.source[f.name]; !has || f.rank(up) > f.rank(ep.bound) {
				f.copy(ep.bound, up)
				ep.source[f.name] = id
			}
		}
	}
	for _, f := range policyFields {
		id, inherited := ep.source[f.name]
		if inherited && f.rank(ep.bound) >= f.rank(own) {
			f.copy(ep.Settings, ep.bound)
			ep.InheritedFrom[f.name] = id
		}
	}
	return ep
}

// checkInherited refuses an update that would set a setting of a group
// enforced from above to a value weaker than the enforcing ancestors
// require; names holds the enforcing accounts' names by ID. A stricter or
// equal value is allowed (it becomes the account's own).
func (ep *EffectivePolicy) checkInherited(u SecurityUpdate, next *SecuritySettings, names map[string]string) error {
	var v accountkit.Validation
	for _, f := range policyFields {
		src, inherited := ep.source[f.name]
		if !inherited || !f.set(u) || f.rank(next) >= f.rank(ep.bound) {
			continue
		}
		v.Add(f.name, fmt.Sprintf("is enforced by account %q (%s) on its sub-accounts: it must be %s or stricter",
			names[src], src, f.show(ep.bound)))
	}
	return v.Err()
}

// EnforcingAccounts returns the IDs of the accounts above that enforce a
// group on this one, without duplicates, top down.
func (ep *EffectivePolicy) EnforcingAccounts() []string {
	var out []string
	for _, g := range PolicyGroups {
		if id, ok := ep.EnforcedBy[g]; ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, id := range ep.source {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// EffectivePolicy returns the account's effective security policy with
// where each inherited value comes from. It requires PermSecurityManage.
// Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) EffectivePolicy(ctx context.Context, accountID string) (_ *EffectivePolicy, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if _, err := s.authz.Require(ctx, security.PermSecurityManage, accountID); err != nil {
		return nil, err
	}
	return ResolvePolicy(ctx, s.store, accountID)
}

// accountNames returns the names of the accounts with the IDs, for showing
// where an inherited policy comes from. Unknown IDs are left out.
func (s *Service) accountNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		a, err := s.store.GetAccount(ctx, id)
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = a.Name
	}
	return out, nil
}

// PolicyNames returns the names of the accounts an effective policy
// inherits from, by ID. It requires PermSecurityManage on accountID, whose
// ancestors those are. Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) PolicyNames(ctx context.Context, accountID string, ep *EffectivePolicy) (map[string]string, error) {
	if _, err := s.authz.Require(ctx, security.PermSecurityManage, accountID); err != nil {
		return nil, err
	}
	return s.accountNames(ctx, ep.EnforcingAccounts())
}

// Enforce makes the account enforce a policy group on every account below
// it, at any depth, now and in future: their effective values of the
// group's settings are never weaker than this account's, and they cannot
// save weaker ones. Enforcing an enforced group changes nothing. It requires
// PermSecurityManage. Audited as "Security policy enforced on
// sub-accounts.". Errors: Unauthenticated, NotFound, Forbidden, Invalid
// (unknown group).
func (s *Service) Enforce(ctx context.Context, accountID string, g PolicyGroup) (*EffectivePolicy, error) {
	return s.setEnforced(ctx, accountID, g, true)
}

// Unenforce lifts this account's enforcement of a policy group; accounts
// below it keep their own values (and any enforcement from further up).
// Lifting a group that is not enforced changes nothing. It requires
// PermSecurityManage. Audited as "Security policy enforcement lifted.".
// Errors: Unauthenticated, NotFound, Forbidden, Invalid (unknown group).
func (s *Service) Unenforce(ctx context.Context, accountID string, g PolicyGroup) (*EffectivePolicy, error) {
	return s.setEnforced(ctx, accountID, g, false)
}

func enforceEntry(accountID string, g PolicyGroup, on bool) *audit.Entry {
	e := &audit.Entry{AccountID: accountID, Item: audit.ItemAccount, Action: audit.ActionEnforce,
		Description: "Security policy enforced on sub-accounts.", FailureDescription: "Enforcing security policy on sub-accounts failed.",
		TargetType: "account", TargetID: accountID, Details: map[string]string{"group": string(g)}}
	if !on {
		e.Action, e.Description, e.FailureDescription = audit.ActionUnenforce,
			"Security policy enforcement lifted.", "Lifting security policy enforcement failed."
	}
	return e
}

func (s *Service) setEnforced(ctx context.Context, accountID string, g PolicyGroup, on bool) (*EffectivePolicy, error) {
	entry := enforceEntry(accountID, g, on)
	var out *EffectivePolicy
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		if _, err := s.authz.Require(ctx, security.PermSecurityManage, accountID); err != nil {
			return err
		}
		if !g.Valid() {
			names := make([]string, len(PolicyGroups))
			for i, x := range PolicyGroups {
				names[i] = string(x)
			}
			return accountkit.InvalidField("group", "must be one of "+strings.Join(names, ", "))
		}
		if err := s.store.LockAccount(ctx, accountID); err != nil {
			return err
		}
		ep, err := ResolvePolicy(ctx, s.store, accountID)
		if err != nil {
			return err
		}
		own := ep.Own
		if own.Enforces(g) != on {
			if on {
				own.Enforced = append(own.Enforced, g)
			} else {
				own.Enforced = slices.DeleteFunc(own.Enforced, func(x PolicyGroup) bool { return x == g })
			}
			own.Enforced = SortGroups(own.Enforced)
			own.UpdatedAt = s.rt.Now()
			if err := s.store.PutSecuritySettings(ctx, own); err != nil {
				return err
			}
		}
		for _, f := range policyFields {
			if f.group == g {
				entry.Details[f.name] = f.show(own)
			}
		}
		out, err = ResolvePolicy(ctx, s.store, accountID)
		return err
	})
	return out, err
}

// SortGroups returns the groups without duplicates, in PolicyGroups order.
func SortGroups(gs []PolicyGroup) []PolicyGroup {
	out := make([]PolicyGroup, 0, len(gs))
	for _, g := range PolicyGroups {
		if slices.Contains(gs, g) {
			out = append(out, g)
		}
	}
	for _, g := range gs {
		if !g.Valid() && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}
