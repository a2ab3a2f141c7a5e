package sqlstore

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

var _ teams.Store = (*Store)(nil)

// teamRow is a team as stored in accountkit_teams. NameLower is
// teams.NameKey(Name), unique within the account. The roles are rows of
// accountkit_team_roles; MemberCount is read from accountkit_team_members,
// never written.
type teamRow struct {
	bun.BaseModel `bun:"table:accountkit_teams,alias:t"`

	ID          string    `bun:"id,pk"`
	AccountID   string    `bun:"account_id,notnull"`
	Name        string    `bun:"name,notnull"`
	NameLower   string    `bun:"name_lower,notnull"`
	Description string    `bun:"description,notnull"`
	Source      string    `bun:"source,notnull"`
	ExternalKey *string   `bun:"external_key"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
	MemberCount int       `bun:"member_count,scanonly"`
}

// teamMemberRow is one membership.
type teamMemberRow struct {
	bun.BaseModel `bun:"table:accountkit_team_members,alias:tm"`

	TeamID string `bun:"team_id,pk"`
	UserID string `bun:"user_id,pk"`
}

// teamRoleRow is one role a team grants its members.
type teamRoleRow struct {
	bun.BaseModel `bun:"table:accountkit_team_roles,alias:tr"`

	TeamID  string `bun:"team_id,pk"`
	RoleKey string `bun:"role_key,pk"`
}

func toTeamRow(t *teams.Team) *teamRow {
	return &teamRow{
		ID:          t.ID,
		AccountID:   t.AccountID,
		Name:        t.Name,
		NameLower:   teams.NameKey(t.Name),
		Description: t.Description,
		Source:      string(t.Source),
		ExternalKey: nullString(t.ExternalKey),
		CreatedAt:   t.CreatedAt.UTC(),
		UpdatedAt:   t.UpdatedAt.UTC(),
	}
}

// team converts r, without its roles.
func (r *teamRow) team() *teams.Team {
	return &teams.Team{
		ID:          r.ID,
		AccountID:   r.AccountID,
		Name:        r.Name,
		Description: r.Description,
		Source:      teams.Source(r.Source),
		ExternalKey: fromNullString(r.ExternalKey),
		CreatedAt:   r.CreatedAt.UTC(),
		UpdatedAt:   r.UpdatedAt.UTC(),
		MemberCount: r.MemberCount,
	}
}

// withTeamRoles fills in the roles of the teams (nil when none), in byte
// order, with one query.
func (s *Store) withTeamRoles(ctx context.Context, list []*teams.Team) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[string]*teams.Team, len(list))
	ids := make([]string, len(list))
	for i, t := range list {
		byID[t.ID], ids[i] = t, t.ID
	}
	var grants []teamRoleRow
	if err := s.idb(ctx).NewSelect().Model(&grants).Where("team_id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return translate(err, "team")
	}
	for _, g := range grants {
		byID[g.TeamID].Roles = append(byID[g.TeamID].Roles, g.RoleKey)
	}
	for _, t := range list {
		t.Roles = normRoles(t.Roles)
	}
	return nil
}

// setTeamRoles replaces the team's roles with keys.
func (s *Store) setTeamRoles(ctx context.Context, teamID string, keys []string) error {
	_, err := s.idb(ctx).NewDelete().Model((*teamRoleRow)(nil)).Where("team_id = ?", teamID).Exec(ctx)
	if err != nil {
		return translate(err, "team")
	}
	return s.insertTeamRoles(ctx, teamID, keys)
}

// insertTeamRoles stores the roles of a team that has none yet. A new team
// needs no DELETE, whose gap locks would only add contention on MySQL.
func (s *Store) insertTeamRoles(ctx context.Context, teamID string, keys []string) error {
	keys = normRoles(keys)
	if len(keys) == 0 {
		return nil
	}
	rows := make([]teamRoleRow, len(keys))
	for i, k := range keys {
		rows[i] = teamRoleRow{TeamID: teamID, RoleKey: k}
	}
	_, err := s.idb(ctx).NewInsert().Model(&rows).Exec(ctx)
	return translate(err, "team")
}

// selectTeams starts a query of teams with their member counts.
func (s *Store) selectTeams(ctx context.Context) *bun.SelectQuery {
	return s.idb(ctx).NewSelect().Model((*teamRow)(nil)).
		ColumnExpr("t.*").
		ColumnExpr("(SELECT COUNT(*) FROM accountkit_team_members AS m WHERE m.team_id = t.id) AS member_count")
}

// scanTeams runs q and converts the rows, with their roles.
func (s *Store) scanTeams(ctx context.Context, q *bun.SelectQuery) ([]*teams.Team, error) {
	var rows []teamRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, translate(err, "team")
	}
	out := make([]*teams.Team, len(rows))
	for i := range rows {
		out[i] = rows[i].team()
	}
	if err := s.withTeamRoles(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// oneTeam runs q, which selects at most one team. Errors: NotFound.
func (s *Store) oneTeam(ctx context.Context, q *bun.SelectQuery) (*teams.Team, error) {
	list, err := s.scanTeams(ctx, q.Limit(1))
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, notFound("team")
	}
	return list[0], nil
}

// CreateTeam stores t. Errors: Conflict when the ID or the name (ignoring
// case) within the account exists.
func (s *Store) CreateTeam(ctx context.Context, t *teams.Team) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.idb(ctx).NewInsert().Model(toTeamRow(t)).Exec(ctx); err != nil {
			return translate(err, "team")
		}
		return s.insertTeamRoles(ctx, t.ID, t.Roles)
	})
}

// EnsureTeam inserts t unless its name is taken in the account (INSERT ...
// ON CONFLICT DO NOTHING, INSERT IGNORE on MySQL: a concurrent insert of
// the name makes it wait and then do nothing, without an error), then
// reads the team of that name. The read is a locking one on PostgreSQL and
// MySQL, so it sees a team committed by a concurrent transaction even
// under MySQL's REPEATABLE READ snapshot.
func (s *Store) EnsureTeam(ctx context.Context, t *teams.Team) (*teams.Team, bool, error) {
	row := toTeamRow(t)
	var out *teams.Team
	var created bool
	err := s.InTx(ctx, func(ctx context.Context) error {
		var rows []teamRow
		if row.ExternalKey != nil {
			// Not a locking read: two first sign-ins of a group would
			// deadlock on MySQL's gap locks. A team it misses is found by
			// name (or by key, locking) after the insert below.
			sel := s.idb(ctx).NewSelect().Model((*teamRow)(nil)).
				Where("account_id = ?", row.AccountID).Where("external_key = ?", *row.ExternalKey)
			if err := sel.Limit(1).Scan(ctx, &rows); err != nil {
				return translate(err, "team")
			}
			if len(rows) == 1 {
				out = rows[0].team()
				return s.withTeamRoles(ctx, []*teams.Team{out})
			}
		}
		q := s.idb(ctx).NewInsert().Model(row)
		if s.dialect == MySQL {
			q = q.Ignore()
		} else {
			q = q.On("CONFLICT (account_id, name_lower) DO NOTHING")
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return translate(err, "team")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return translate(err, "team")
		}
		created = n == 1
		if created {
			if err := s.insertTeamRoles(ctx, row.ID, t.Roles); err != nil {
				return err
			}
		}
		sel := s.idb(ctx).NewSelect().Model((*teamRow)(nil)).
			Where("account_id = ?", row.AccountID).Where("name_lower = ?", row.NameLower)
		if s.dialect != SQLite {
			sel = sel.For("UPDATE")
		}
		if err := sel.Limit(1).Scan(ctx, &rows); err != nil {
			return translate(err, "team")
		}
		if len(rows) == 0 && row.ExternalKey != nil {
			// MySQL's INSERT IGNORE skipped a team of this key but another
			// name, committed since the first read.
			sel = s.idb(ctx).NewSelect().Model((*teamRow)(nil)).
				Where("account_id = ?", row.AccountID).Where("external_key = ?", *row.ExternalKey)
			if s.dialect != SQLite {
				sel = sel.For("UPDATE")
			}
			if err := sel.Limit(1).Scan(ctx, &rows); err != nil {
				return translate(err, "team")
			}
		}
		if len(rows) == 0 {
			return notFound("team") // the ID was taken by a team of another name
		}
		out = rows[0].team()
		if err := s.withTeamRoles(ctx, []*teams.Team{out}); err != nil {
			return err
		}
		if !created {
			var c int
			err := s.idb(ctx).NewSelect().Model((*teamMemberRow)(nil)).ColumnExpr("COUNT(*)").
				Where("team_id = ?", out.ID).Scan(ctx, &c)
			out.MemberCount = c
			return translate(err, "team")
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// GetTeam returns a team with its member count. Errors: NotFound.
func (s *Store) GetTeam(ctx context.Context, id string) (*teams.Team, error) {
	return s.oneTeam(ctx, s.selectTeams(ctx).Where("t.id = ?", id))
}

// GetTeamByName returns the account's team of that name, ignoring case.
// Errors: NotFound.
func (s *Store) GetTeamByName(ctx context.Context, accountID, name string) (*teams.Team, error) {
	return s.oneTeam(ctx, s.selectTeams(ctx).Where("t.account_id = ?", accountID).Where("t.name_lower = ?", teams.NameKey(name)))
}

// UpdateTeam saves t's Name, Description, Source, Roles and UpdatedAt.
// Errors: NotFound, Conflict.
func (s *Store) UpdateTeam(ctx context.Context, t *teams.Team) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res, err := s.idb(ctx).NewUpdate().Model(toTeamRow(t)).
			Column("name", "name_lower", "description", "source", "updated_at").
			WherePK().
			Exec(ctx)
		if err != nil {
			return translate(err, "team")
		}
		if err := s.affectedOne(ctx, res, (*teamRow)(nil), "id = ?", t.ID, "team"); err != nil {
			return err
		}
		return s.setTeamRoles(ctx, t.ID, t.Roles)
	})
}

// DeleteTeam removes a team and its memberships in one transaction; the
// team's row goes first, so a concurrent AddTeamMembers (which locks it)
// waits and then finds no team. Errors: NotFound.
func (s *Store) DeleteTeam(ctx context.Context, id string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.idb(ctx)
		res, err := db.NewDelete().Model((*teamRow)(nil)).Where("id = ?", id).Exec(ctx)
		if err != nil {
			return translate(err, "team")
		}
		if n, err := res.RowsAffected(); err != nil {
			return translate(err, "team")
		} else if n == 0 {
			return notFound("team")
		}
		if _, err := db.NewDelete().Model((*teamMemberRow)(nil)).Where("team_id = ?", id).Exec(ctx); err != nil {
			return translate(err, "team")
		}
		_, err = db.NewDelete().Model((*teamRoleRow)(nil)).Where("team_id = ?", id).Exec(ctx)
		return translate(err, "team")
	})
}

// ListTeams returns the teams matching f, ordered by name_lower then ID.
// The cursor is written as k >= k0 AND (k > k0 OR (k = k0 AND id > id0)),
// which every database serves from the (account_id, name_lower) index.
func (s *Store) ListTeams(ctx context.Context, f teams.Filter) ([]*teams.Team, error) {
	q := s.selectTeams(ctx).Where("t.account_id = ?", f.AccountID)
	if f.Source != nil {
		q = q.Where("t.source = ?", string(*f.Source))
	}
	if f.Search != "" {
		q = q.Where("t.name_lower LIKE ? ESCAPE '!'", containsPattern(f.Search))
	}
	if f.AfterName != "" || f.AfterID != "" {
		q = q.Where("t.name_lower >= ?", f.AfterName).
			Where("(t.name_lower > ? OR (t.name_lower = ? AND t.id > ?))", f.AfterName, f.AfterName, f.AfterID)
	}
	return s.scanTeams(ctx, q.OrderExpr("t.name_lower ASC, t.id ASC").Limit(limit(f.Limit)))
}

// ListUserTeams returns the user's teams ordered as ListTeams.
func (s *Store) ListUserTeams(ctx context.Context, userID string) ([]*teams.Team, error) {
	return s.scanTeams(ctx, s.selectTeams(ctx).
		Where("t.id IN (SELECT um.team_id FROM accountkit_team_members AS um WHERE um.user_id = ?)", userID).
		OrderExpr("t.name_lower ASC, t.id ASC"))
}

// UserTeamRoles returns the role keys the user's teams grant, with one
// query.
func (s *Store) UserTeamRoles(ctx context.Context, userID string) ([]string, error) {
	m, err := s.userTeamRoles(ctx, []string{userID})
	if err != nil {
		return nil, err
	}
	return m[userID], nil
}

// userTeamRoles returns the role keys each of the users holds through
// teams, in byte order without duplicates; users without any are absent.
func (s *Store) userTeamRoles(ctx context.Context, userIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID  string `bun:"user_id"`
		RoleKey string `bun:"role_key"`
	}
	err := s.idb(ctx).NewSelect().TableExpr("accountkit_team_members AS m").
		Join("JOIN accountkit_team_roles AS r ON r.team_id = m.team_id").
		ColumnExpr("m.user_id, r.role_key").
		Where("m.user_id IN (?)", bun.List(userIDs)).
		Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "team")
	}
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r.RoleKey)
	}
	for id, keys := range out {
		out[id] = normRoles(keys)
	}
	return out, nil
}

// lockTeam checks the team exists and, on PostgreSQL and MySQL, locks its
// row until the transaction ends, so that membership changes and the
// team's deletion are serialized. Errors: NotFound.
func (s *Store) lockTeam(ctx context.Context, id string) error {
	q := s.idb(ctx).NewSelect().Model((*teamRow)(nil)).Column("id").Where("id = ?", id)
	if s.dialect != SQLite {
		q = q.For("UPDATE")
	}
	var ids []string
	if err := q.Scan(ctx, &ids); err != nil {
		return translate(err, "team")
	}
	if len(ids) == 0 {
		return notFound("team")
	}
	return nil
}

// AddTeamMembers locks the team and inserts the memberships that are
// missing. Errors: NotFound.
func (s *Store) AddTeamMembers(ctx context.Context, teamID string, userIDs []string) (int, error) {
	var n int
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.lockTeam(ctx, teamID); err != nil {
			return err
		}
		ids := slices.Compact(slices.Sorted(slices.Values(userIDs)))
		if len(ids) == 0 {
			return nil
		}
		rows := make([]teamMemberRow, len(ids))
		for i, id := range ids {
			rows[i] = teamMemberRow{TeamID: teamID, UserID: id}
		}
		q := s.idb(ctx).NewInsert().Model(&rows)
		if s.dialect == MySQL {
			q = q.Ignore()
		} else {
			q = q.On("CONFLICT (team_id, user_id) DO NOTHING")
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return translate(err, "team")
		}
		k, err := res.RowsAffected()
		n = int(k)
		return translate(err, "team")
	})
	return n, err
}

// RemoveTeamMembers locks the team and deletes the memberships.
// Errors: NotFound.
func (s *Store) RemoveTeamMembers(ctx context.Context, teamID string, userIDs []string) (int, error) {
	var n int
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.lockTeam(ctx, teamID); err != nil {
			return err
		}
		if len(userIDs) == 0 {
			return nil
		}
		res, err := s.idb(ctx).NewDelete().Model((*teamMemberRow)(nil)).
			Where("team_id = ?", teamID).Where("user_id IN (?)", bun.List(userIDs)).Exec(ctx)
		if err != nil {
			return translate(err, "team")
		}
		k, err := res.RowsAffected()
		n = int(k)
		return translate(err, "team")
	})
	return n, err
}

// AccountUserIDs returns those of userIDs that are users of the account,
// in byte order.
func (s *Store) AccountUserIDs(ctx context.Context, accountID string, userIDs []string) ([]string, error) {
	out := []string{}
	if len(userIDs) == 0 {
		return out, nil
	}
	err := s.idb(ctx).NewSelect().Model((*userRow)(nil)).Column("id").
		Where("account_id = ?", accountID).Where("id IN (?)", bun.List(userIDs)).Scan(ctx, &out)
	if err != nil {
		return nil, translate(err, "user")
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// fromNullString is the inverse of nullString.
func fromNullString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// UsersTeams implements users.Store with one query per call.
func (s *Store) UsersTeams(ctx context.Context, userIDs []string) (map[string][]users.TeamRef, error) {
	out := map[string][]users.TeamRef{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID string `bun:"user_id"`
		ID     string `bun:"id"`
		Name   string `bun:"name"`
		Source string `bun:"source"`
	}
	err := s.idb(ctx).NewSelect().TableExpr("accountkit_team_members AS m").
		Join("JOIN accountkit_teams AS t ON t.id = m.team_id").
		ColumnExpr("m.user_id, t.id, t.name, t.source").
		Where("m.user_id IN (?)", bun.List(userIDs)).
		OrderExpr("m.user_id ASC, t.name_lower ASC, t.id ASC").
		Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "team")
	}
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], users.TeamRef{ID: r.ID, Name: r.Name, Source: r.Source})
	}
	return out, nil
}
