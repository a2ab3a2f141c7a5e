package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/storage/internal/sqlstore"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// TestMigrate_TeamRolesToRows checks that migration 009 copies the JSON
// arrays of team roles into rows and drops the column: teams written
// before it keep their roles, and new teams can be written after it.
func TestMigrate_TeamRolesToRows(t *testing.T) {
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			m := mustOpen(t, o, o.fresh(t))
			s := innerStore(t, m)
			if err := sqlstore.MigrateTo(ctx, s, "008"); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
			acc := newAccount(nil, "old-teams", now)
			if err := m.CreateAccount(ctx, acc); err != nil {
				t.Fatal(err)
			}
			old := []struct {
				id, json string
				want     []string
			}{
				{ids.NewID(), `["member","agent"]`, []string{"agent", "member"}},
				{ids.NewID(), `[]`, nil},
				{ids.NewID(), `["0194e1a2-7c4f-7d3e-9a1b-2c3d4e5f6a7b"]`, []string{"0194e1a2-7c4f-7d3e-9a1b-2c3d4e5f6a7b"}},
			}
			for i, tm := range old {
				err := sqlstore.ExecSQL(ctx, s, "INSERT INTO accountkit_teams (id, account_id, name, name_lower, description, source, roles, created_at, updated_at) VALUES (?, ?, ?, ?, '', 'manual', ?, ?, ?)",
					tm.id, acc.ID, fmt.Sprint("Team ", i), fmt.Sprint("team ", i), tm.json, now, now)
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := m.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for _, tm := range old {
				got, err := m.GetTeam(ctx, tm.id)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got.Roles, tm.want) {
					t.Errorf("team %s roles = %q, want %q", tm.json, got.Roles, tm.want)
				}
			}
			// The column is gone: a team written now stores its roles as rows.
			tm := &teams.Team{ID: ids.NewID(), AccountID: acc.ID, Name: "New", Source: teams.SourceManual, Roles: []string{"x"}, CreatedAt: now, UpdatedAt: now}
			if err := m.CreateTeam(ctx, tm); err != nil {
				t.Fatal(err)
			}
			got, err := m.GetTeam(ctx, tm.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Roles) != 1 || got.Roles[0] != "x" {
				t.Errorf("new team roles = %q", got.Roles)
			}
		})
	}
}

// TestMigrate_TeamExternalKey checks that migration 065 gives the SSO
// teams written before it their name key as external key (so their sync
// survives a later rename) and manual teams none.
func TestMigrate_TeamExternalKey(t *testing.T) {
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			m := mustOpen(t, o, o.fresh(t))
			s := innerStore(t, m)
			if err := sqlstore.MigrateTo(ctx, s, "064"); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
			acc := newAccount(nil, "old-sso-teams", now)
			if err := m.CreateAccount(ctx, acc); err != nil {
				t.Fatal(err)
			}
			sso, manual := ids.NewID(), ids.NewID()
			for _, r := range []struct{ id, name, source string }{{sso, "Domain_Users", "sso"}, {manual, "Finance", "manual"}} {
				err := sqlstore.ExecSQL(ctx, s, "INSERT INTO accountkit_teams (id, account_id, name, name_lower, description, source, created_at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?, ?)",
					r.id, acc.ID, r.name, teams.NameKey(r.name), r.source, now, now)
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := m.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for id, want := range map[string]string{sso: "domain_users", manual: ""} {
				got, err := m.GetTeam(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if got.ExternalKey != want {
					t.Errorf("team %s external key = %q, want %q", got.Name, got.ExternalKey, want)
				}
			}
		})
	}
}

// TestMigrate_SearchWords checks that migration 076 indexes the words of
// the users and audit events stored before the word tables existed, so
// that q= keeps finding them after the upgrade.
func TestMigrate_SearchWords(t *testing.T) {
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			m := mustOpen(t, o, o.fresh(t))
			s := innerStore(t, m)
			if err := sqlstore.MigrateTo(ctx, s, "065"); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
			acc := newAccount(nil, "old-words", now)
			if err := m.CreateAccount(ctx, acc); err != nil {
				t.Fatal(err)
			}
			var list []*users.User
			// More than one backfill batch.
			for i := range 600 {
				list = append(list, &users.User{ID: ids.NewID(), AccountID: acc.ID, MainAccountID: acc.ID,
					Username: fmt.Sprintf("old-%03d", i), FirstName: "Jean-Luc", LastName: fmt.Sprintf("Picard%03d", i),
					Email: fmt.Sprintf("old-%03d@example.com", i), Status: users.StatusActive, CreatedAt: now, UpdatedAt: now})
			}
			if err := sqlstore.BulkInsertUsers(ctx, s, list, true); err != nil {
				t.Fatal(err)
			}
			ev := &audit.Event{ID: ids.NewID(), AccountID: acc.ID, MainAccountID: acc.ID, Time: now, ActorName: "system",
				Item: "User", Action: "create", Status: audit.StatusSuccess, Description: "Imported Picard-Archive.",
				Seq: 1, PrevHash: "", Hash: "h"}
			if err := sqlstore.BulkInsertAuditEvents(ctx, s, []*audit.Event{ev}, true); err != nil {
				t.Fatal(err)
			}
			if err := m.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for q, want := range map[string]int{"jean pic": 600, "picard599": 1, "old 59": 10, "card": 0} {
				n, err := m.CountUsers(ctx, users.Filter{AccountIDs: []string{acc.ID}, Search: q})
				if err != nil {
					t.Fatal(err)
				}
				if n != want {
					t.Errorf("search %q finds %d users, want %d", q, n, want)
				}
			}
			evs, err := m.ListAuditEvents(ctx, audit.Filter{MainAccountID: acc.ID, Search: "archive pic"})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 {
				t.Errorf("audit search finds %d events, want 1", len(evs))
			}
			// Migration 111 gave the users stored before 110 their name key.
			var key string
			if err := s.DB().QueryRowContext(ctx, "SELECT name_key FROM accountkit_users WHERE id = ?", list[7].ID).Scan(&key); err != nil {
				t.Fatal(err)
			}
			if want := list[7].NameKey(); key != want || key == "" {
				t.Errorf("name_key after the upgrade = %q, want %q", key, want)
			}
		})
	}
}
