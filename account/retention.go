package account

import (
	"context"
	"strconv"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/security"
)

// Audit retention is a security setting of the main account only
// (SecurityUpdate.AuditRetentionDays): the audit log of a main account and
// its sub-accounts is one hash chain, which the retention purge can only
// shorten from its start (see audit.PurgeRetention and
// docs/audit-retention.md). A sub-account's security settings show the
// main account's retention as inherited.

// AuditRetention is the audit retention that applies to an account.
type AuditRetention struct {
	// Days > 0 deletes the tree's events older than that many days; 0
	// keeps them forever.
	Days int
	// MainAccountID is the account it is set on; MainAccountName its name.
	MainAccountID   string
	MainAccountName string
}

// AuditRetention returns the audit retention that applies to the account:
// its main account's. It requires PermSecurityManage on the account.
// Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) AuditRetention(ctx context.Context, accountID string) (*AuditRetention, error) {
	if _, err := s.authz.Require(ctx, security.PermSecurityManage, accountID); err != nil {
		return nil, err
	}
	a, err := s.store.GetAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	main := a
	if !a.IsMain() {
		if main, err = s.store.GetAccount(ctx, a.MainID()); err != nil {
			return nil, err
		}
	}
	days, err := s.retentionDays(ctx, main.ID)
	if err != nil {
		return nil, err
	}
	return &AuditRetention{Days: days, MainAccountID: main.ID, MainAccountName: main.Name}, nil
}

// retentionDays returns the main account's saved retention (0 when it
// never saved one).
func (s *Service) retentionDays(ctx context.Context, mainID string) (int, error) {
	r, err := s.store.GetAuditRetention(ctx, mainID)
	switch {
	case accountkit.ErrorCode(err) == accountkit.NotFound:
		return 0, nil
	case err != nil:
		return 0, err
	}
	return r.Days, nil
}

// retentionEntry is the audit entry of a retention change.
func retentionEntry(accountID string) audit.Entry {
	return audit.Entry{AccountID: accountID, Item: audit.ItemAccount, Action: audit.ActionUpdate,
		Description: "Audit log retention updated.", FailureDescription: "Audit log retention update failed.",
		TargetType: "account", TargetID: accountID}
}

// setAuditRetention saves the retention of accountID, which must be a
// main account, and records the change (also in settings, the security
// update's entry) when it changes anything. It runs in the update's
// transaction.
func (s *Service) setAuditRetention(ctx context.Context, accountID string, days int, settings *audit.Entry) error {
	a, err := s.store.GetAccount(ctx, accountID)
	if err != nil {
		return err
	}
	if !a.IsMain() {
		return accountkit.InvalidField("audit_retention_days",
			"is set on the main account only: the audit log of a main account and its sub-accounts is one hash chain")
	}
	old, err := s.retentionDays(ctx, a.ID)
	if err != nil || old == days {
		return err
	}
	if err := s.store.PutAuditRetention(ctx, &audit.Retention{MainAccountID: a.ID, Days: days, UpdatedAt: s.rt.Now()}); err != nil {
		return err
	}
	show := func(d int) string {
		if d == 0 {
			return "forever"
		}
		return strconv.Itoa(d)
	}
	diff := show(old) + " -> " + show(days)
	if settings.Details == nil {
		settings.Details = map[string]string{}
	}
	settings.Details["audit_retention_days"] = diff
	e := retentionEntry(accountID)
	e.Details = map[string]string{"audit_retention_days": diff}
	return s.audit.Record(ctx, e)
}
