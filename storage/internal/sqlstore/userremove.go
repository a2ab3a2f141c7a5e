package sqlstore

import (
	"context"
)

// userOwnedTables are the tables whose rows with the user's user_id go
// with a deleted user (and its seat, see dropUserRows). The seat log and audit events are history and stay.
var userOwnedTables = []string{
	"accountkit_user_roles",
	"accountkit_tokens",
	"accountkit_sessions",
	"accountkit_two_factor",
	"accountkit_team_members",
	"accountkit_sso_links",
	"accountkit_notification_deliveries",
	"accountkit_notification_optouts",
	"accountkit_password_history",
	"accountkit_user_words",
}

// leftBehindTables are the tables whose rows belong to the user's account
// as much as to the user, and go when the user moves to another account.
var leftBehindTables = []string{
	"accountkit_sessions",
	"accountkit_team_members",
	"accountkit_sso_links",
}

// DeleteUser removes the user and its rows in userOwnedTables, and clears
// its break-glass designations, in one transaction. The user's row goes
// first, so a concurrent change of the user waits and then finds nothing.
// Errors: NotFound.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res, err := s.idb(ctx).NewDelete().TableExpr("accountkit_users").Where("id = ?", id).Exec(ctx)
		if err != nil {
			return translate(err, "user")
		}
		if n, err := res.RowsAffected(); err != nil {
			return translate(err, "user")
		} else if n == 0 {
			return notFound("user")
		}
		return s.dropUserRows(ctx, id, userOwnedTables)
	})
}

// MoveUser sets the user's account and removes its rows in
// leftBehindTables and its break-glass designations, in one transaction.
// Errors: NotFound.
func (s *Store) MoveUser(ctx context.Context, id, accountID string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res, err := s.idb(ctx).NewUpdate().TableExpr("accountkit_users").
			Set("account_id = ?", accountID).Where("id = ?", id).Exec(ctx)
		if err != nil {
			return translate(err, "user")
		}
		if err := s.affectedOne(ctx, res, (*userRow)(nil), "id = ?", id, "user"); err != nil {
			return err
		}
		// The words follow the user into its new account's searches.
		_, err = s.idb(ctx).NewUpdate().TableExpr("accountkit_user_words").
			Set("account_id = ?", accountID).Where("user_id = ?", id).Exec(ctx)
		if err != nil {
			return translate(err, "user")
		}
		return s.dropUserRows(ctx, id, leftBehindTables)
	})
}

// dropUserRows deletes the user's rows from the tables and its seat
// (through DeleteSeats, which keeps the seat counters), and clears the SSO
// configurations naming the user as break-glass account.
func (s *Store) dropUserRows(ctx context.Context, userID string, tables []string) error {
	if _, err := s.DeleteSeats(ctx, []string{userID}); err != nil {
		return err
	}
	db := s.idb(ctx)
	for _, table := range tables {
		if _, err := db.NewDelete().TableExpr(table).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return translate(err, "user")
		}
	}
	_, err := db.NewUpdate().TableExpr("accountkit_sso_configs").
		Set("break_glass_user_id = ''").Where("break_glass_user_id = ?", userID).Exec(ctx)
	return translate(err, "user")
}
