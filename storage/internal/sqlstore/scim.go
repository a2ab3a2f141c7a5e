package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/scim"
	"github.com/accountkit/accountkit/users"
)

// scimExternalIDRow is a link in accountkit_scim_external_ids.
type scimExternalIDRow struct {
	bun.BaseModel `bun:"table:accountkit_scim_external_ids"`

	Kind       string    `bun:"kind,pk"`
	ResourceID string    `bun:"resource_id,pk"`
	AccountID  string    `bun:"account_id,notnull"`
	ExternalID string    `bun:"external_id,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

// SetSCIMExternalID deletes the resource's link and inserts the new one.
// Inside a transaction both run in a savepoint, so a Conflict leaves the
// caller's transaction usable (PostgreSQL aborts a transaction after a
// failed statement) and the old link in place.
func (s *Store) SetSCIMExternalID(ctx context.Context, x *scim.ExternalID) error {
	row := &scimExternalIDRow{Kind: string(x.Kind), ResourceID: x.ResourceID, AccountID: x.AccountID,
		ExternalID: x.ExternalID, CreatedAt: x.CreatedAt.UTC()}
	set := func(ctx context.Context, db bun.IDB) error {
		if _, err := db.NewDelete().Model((*scimExternalIDRow)(nil)).
			Where("kind = ?", row.Kind).Where("resource_id = ?", row.ResourceID).Exec(ctx); err != nil {
			return translate(err, "external ID")
		}
		_, err := db.NewInsert().Model(row).Exec(ctx)
		return translate(err, "external ID")
	}
	if tx, ok := ctx.Value(txKey{}).(*bun.Tx); ok {
		return tx.RunInTx(ctx, nil, func(ctx context.Context, sp bun.Tx) error { return set(ctx, sp) })
	}
	return s.InTx(ctx, func(ctx context.Context) error { return set(ctx, s.idb(ctx)) })
}

// DeleteSCIMExternalID removes the resource's link, if any.
func (s *Store) DeleteSCIMExternalID(ctx context.Context, kind scim.Kind, resourceID string) error {
	_, err := s.idb(ctx).NewDelete().Model((*scimExternalIDRow)(nil)).
		Where("kind = ?", string(kind)).Where("resource_id = ?", resourceID).Exec(ctx)
	return translate(err, "external ID")
}

// SCIMExternalIDs returns the external IDs of the resources that have one.
func (s *Store) SCIMExternalIDs(ctx context.Context, kind scim.Kind, resourceIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(resourceIDs) == 0 {
		return out, nil
	}
	var rows []scimExternalIDRow
	if err := s.idb(ctx).NewSelect().Model(&rows).Where("kind = ?", string(kind)).
		Where("resource_id IN (?)", bun.List(resourceIDs)).Scan(ctx); err != nil {
		return nil, translate(err, "external ID")
	}
	for _, r := range rows {
		out[r.ResourceID] = r.ExternalID
	}
	return out, nil
}

// FindSCIMExternalID returns the account's link of the kind with the
// external ID. Errors: NotFound.
func (s *Store) FindSCIMExternalID(ctx context.Context, accountID string, kind scim.Kind, externalID string) (*scim.ExternalID, error) {
	r := new(scimExternalIDRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("account_id = ?", accountID).Where("kind = ?", string(kind)).
		Where("external_id = ?", externalID).Scan(ctx); err != nil {
		return nil, translate(err, "external ID")
	}
	return &scim.ExternalID{AccountID: r.AccountID, Kind: scim.Kind(r.Kind), ResourceID: r.ResourceID,
		ExternalID: r.ExternalID, CreatedAt: r.CreatedAt.UTC()}, nil
}

// scimEnterpriseRow is a user's enterprise attributes in
// accountkit_scim_enterprise.
type scimEnterpriseRow struct {
	bun.BaseModel `bun:"table:accountkit_scim_enterprise"`

	UserID         string    `bun:"user_id,pk"`
	AccountID      string    `bun:"account_id,notnull"`
	EmployeeNumber string    `bun:"employee_number,notnull"`
	CostCenter     string    `bun:"cost_center,notnull"`
	Organization   string    `bun:"organization,notnull"`
	Division       string    `bun:"division,notnull"`
	Department     string    `bun:"department,notnull"`
	ManagerID      string    `bun:"manager_id,notnull"`
	UpdatedAt      time.Time `bun:"updated_at,notnull"`
}

// SetSCIMEnterprise deletes the user's row and inserts the new one.
func (s *Store) SetSCIMEnterprise(ctx context.Context, e *scim.Enterprise) error {
	row := &scimEnterpriseRow{UserID: e.UserID, AccountID: e.AccountID, EmployeeNumber: e.EmployeeNumber,
		CostCenter: e.CostCenter, Organization: e.Organization, Division: e.Division, Department: e.Department,
		ManagerID: e.ManagerID, UpdatedAt: e.UpdatedAt.UTC()}
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.idb(ctx)
		if _, err := db.NewDelete().Model((*scimEnterpriseRow)(nil)).Where("user_id = ?", row.UserID).Exec(ctx); err != nil {
			return translate(err, "enterprise attributes")
		}
		_, err := db.NewInsert().Model(row).Exec(ctx)
		return translate(err, "enterprise attributes")
	})
}

// DeleteSCIMEnterprise removes the user's row, if any.
func (s *Store) DeleteSCIMEnterprise(ctx context.Context, userID string) error {
	_, err := s.idb(ctx).NewDelete().Model((*scimEnterpriseRow)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return translate(err, "enterprise attributes")
}

// SCIMEnterprise returns the rows of those of the users that have one.
func (s *Store) SCIMEnterprise(ctx context.Context, userIDs []string) (map[string]*scim.Enterprise, error) {
	out := map[string]*scim.Enterprise{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []scimEnterpriseRow
	if err := s.idb(ctx).NewSelect().Model(&rows).Where("user_id IN (?)", bun.List(userIDs)).Scan(ctx); err != nil {
		return nil, translate(err, "enterprise attributes")
	}
	for _, r := range rows {
		out[r.UserID] = &scim.Enterprise{UserID: r.UserID, AccountID: r.AccountID, EmployeeNumber: r.EmployeeNumber,
			CostCenter: r.CostCenter, Organization: r.Organization, Division: r.Division, Department: r.Department,
			ManagerID: r.ManagerID, UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

// ListSCIMUsers orders by the column of q.Sort then the ID; externalId
// through a left join on the external IDs, a user without one as "" (so
// first ascending on every database, whatever its NULL order).
func (s *Store) ListSCIMUsers(ctx context.Context, q scim.UserQuery) ([]*users.User, error) {
	if len(q.AccountIDs) == 0 || q.IDs != nil && len(q.IDs) == 0 {
		return []*users.User{}, nil
	}
	sel := userFilter(s.idb(ctx).NewSelect().Model((*userRow)(nil)), users.Filter{AccountIDs: q.AccountIDs, Search: q.Search})
	if q.IDs != nil {
		sel = sel.Where("u.id IN (?)", bun.List(q.IDs))
	}
	dir := " ASC"
	if q.Descending {
		dir = " DESC"
	}
	switch q.Sort {
	case scim.SortUserName:
		sel = sel.OrderExpr("u.username" + dir)
	case scim.SortExternalID:
		sel = sel.Join("LEFT JOIN accountkit_scim_external_ids AS x ON x.kind = ? AND x.resource_id = u.id", string(scim.KindUser)).
			OrderExpr("COALESCE(x.external_id, '')" + dir)
	case scim.SortLastModified:
		sel = sel.OrderExpr("u.updated_at" + dir)
	default:
		sel = sel.OrderExpr("u.created_at" + dir)
	}
	sel = sel.OrderExpr("u.id" + dir)
	if q.Limit > 0 {
		sel = sel.Limit(int64(q.Limit))
	}
	if q.Offset > 0 {
		if q.Limit <= 0 {
			sel = sel.Limit(1 << 30) // MySQL and SQLite need a LIMIT with an OFFSET
		}
		sel = sel.Offset(int64(q.Offset))
	}
	var rows []userRow
	if err := sel.Scan(ctx, &rows); err != nil {
		return nil, translate(err, "user")
	}
	return s.withRoles(ctx, rows)
}

// scimSettingsRow is an account's SCIM settings in
// accountkit_scim_settings; RoleMappings is a JSON array.
type scimSettingsRow struct {
	bun.BaseModel `bun:"table:accountkit_scim_settings"`

	AccountID             string    `bun:"account_id,pk"`
	DeactivationFreesSeat bool      `bun:"deactivation_frees_seat,notnull"`
	RoleMappings          string    `bun:"role_mappings,notnull"`
	UpdatedAt             time.Time `bun:"updated_at,notnull"`
}

// SCIMSettings returns the account's row. Errors: NotFound.
func (s *Store) SCIMSettings(ctx context.Context, accountID string) (*scim.Settings, error) {
	r := new(scimSettingsRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("account_id = ?", accountID).Scan(ctx); err != nil {
		return nil, translate(err, "SCIM settings")
	}
	out := &scim.Settings{AccountID: r.AccountID, DeactivationFreesSeat: r.DeactivationFreesSeat, UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.RoleMappings), &out.RoleMappings); err != nil {
		return nil, accountkit.Wrap(err, "storage error")
	}
	if len(out.RoleMappings) == 0 {
		out.RoleMappings = nil
	}
	return out, nil
}

// SetSCIMSettings replaces the account's row.
func (s *Store) SetSCIMSettings(ctx context.Context, st *scim.Settings) error {
	maps := st.RoleMappings
	if maps == nil {
		maps = []scim.RoleMapping{}
	}
	b, err := json.Marshal(maps)
	if err != nil {
		return accountkit.Wrap(err, "storage error")
	}
	row := &scimSettingsRow{AccountID: st.AccountID, DeactivationFreesSeat: st.DeactivationFreesSeat,
		RoleMappings: string(b), UpdatedAt: st.UpdatedAt.UTC()}
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.idb(ctx)
		if _, err := db.NewDelete().Model((*scimSettingsRow)(nil)).Where("account_id = ?", row.AccountID).Exec(ctx); err != nil {
			return translate(err, "SCIM settings")
		}
		_, err := db.NewInsert().Model(row).Exec(ctx)
		return translate(err, "SCIM settings")
	})
}
