package users

import (
	"context"
	"strconv"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
)

// DisableInactive disables every active user whose last activity (last
// sign-in, else activation) is older than their account's maximum
// inactivity (the effective one: enforced from above when stricter, see
// account.ResolvePolicy), ending their sessions; each is audited with the actor
// "system". The last active Account Manager of a main account is kept (and
// a warning is logged). It requires the system principal
// (security.AsSystem) and returns how many users it disabled.
func (s *Service) DisableInactive(ctx context.Context) (int, error) {
	p, err := principal(ctx)
	if err != nil {
		return 0, err
	}
	if !p.System {
		return 0, accountkit.Errorf(accountkit.Forbidden, "only the system runs the inactivity job")
	}
	accounts, err := s.inactivityAccounts(ctx)
	if err != nil {
		return 0, err
	}
	disabled := 0
	active := StatusActive
	for _, accountID := range accounts {
		// The limit that applies is the effective one: the account's own,
		// or a stricter one enforced from above (account.ResolvePolicy).
		ep, err := account.ResolvePolicy(ctx, s.store, accountID)
		if err != nil {
			return disabled, err
		}
		if ep.Settings.MaxInactivityDays == nil {
			continue
		}
		days := *ep.Settings.MaxInactivityDays
		cutoff := s.now().AddDate(0, 0, -days)
		for {
			list, err := s.store.ListUsers(ctx, Filter{AccountIDs: []string{accountID}, Status: &active, ActiveBefore: &cutoff, Limit: 100})
			if err != nil {
				return disabled, err
			}
			progressed := false
			for _, u := range list {
				ok, err := s.disableInactive(ctx, u.ID, days)
				if err != nil {
					return disabled, err
				}
				if ok {
					disabled++
					progressed = true
				}
			}
			if len(list) < 100 || !progressed {
				break
			}
		}
	}
	return disabled, nil
}

func (s *Service) disableInactive(ctx context.Context, id string, days int) (bool, error) {
	entry := s.entry(nil, audit.ItemUser, audit.ActionDisable, "User disabled.", "Disabling user failed.")
	done := false
	err := s.audit.Run(ctx, entry, func(ctx context.Context) error {
		u, err := s.store.GetUserForUpdate(ctx, id)
		if err != nil {
			return err
		}
		entry.AccountID, entry.TargetID, entry.TargetName = u.AccountID, u.ID, u.Username
		entry.Details = map[string]string{"reason": "inactive for more than " + strconv.Itoa(days) + " days"}
		if u.Status != StatusActive {
			return nil
		}
		after := *u
		after.Status = StatusDisabled
		if err := s.guardLastManager(ctx, u, &after); err != nil {
			s.rt.Logger.WarnContext(ctx, "users: inactive last Account Manager kept enabled", "user_id", u.ID)
			return err
		}
		after.UpdatedAt = s.now()
		if err := s.store.UpdateUser(ctx, &after); err != nil {
			return err
		}
		if _, err := s.store.DeleteUserSessions(ctx, u.ID, ""); err != nil {
			return err
		}
		done = true
		return nil
	})
	if accountkit.ErrorCode(err) == accountkit.Forbidden {
		return false, nil
	}
	return done, err
}

// inactivityAccounts returns, without duplicates and in a stable order, the
// accounts that may have a maximum inactivity: those that saved one, and
// every account below one that enforces its own on its subtree.
func (s *Service) inactivityAccounts(ctx context.Context) ([]string, error) {
	settings, err := s.store.ListInactivitySettings(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, st := range settings {
		add(st.AccountID)
		if !st.Enforces(account.GroupInactivity) {
			continue
		}
		below, err := s.store.AccountSubtree(ctx, st.AccountID)
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, id := range below {
			add(id)
		}
	}
	return out, nil
}
