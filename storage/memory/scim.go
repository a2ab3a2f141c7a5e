package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/accountkit/accountkit/scim"
	"github.com/accountkit/accountkit/users"
)

// scimState holds the SCIM external IDs; its maps are made on first write.
type scimState struct {
	byResource map[string]*scim.ExternalID // kind "\x00" resource ID -> link
	byExternal map[string]string           // account "\x00" kind "\x00" external ID -> resource key
	enterprise map[string]*scim.Enterprise // user ID -> enterprise attributes
	settings   map[string]*scim.Settings   // account ID -> settings
}

func scimResourceKey(kind scim.Kind, id string) string { return string(kind) + "\x00" + id }

func scimExternalKey(accountID string, kind scim.Kind, ext string) string {
	return accountID + "\x00" + string(kind) + "\x00" + ext
}

// SetSCIMExternalID implements scim.Store.
func (s *Store) SetSCIMExternalID(ctx context.Context, x *scim.ExternalID) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.scim
		if st.byResource == nil {
			st.byResource, st.byExternal = map[string]*scim.ExternalID{}, map[string]string{}
		}
		rk, ek := scimResourceKey(x.Kind, x.ResourceID), scimExternalKey(x.AccountID, x.Kind, x.ExternalID)
		if holder, ok := st.byExternal[ek]; ok && holder != rk {
			return conflict("external ID")
		}
		old := st.byResource[rk]
		if old != nil {
			delete(st.byExternal, scimExternalKey(old.AccountID, old.Kind, old.ExternalID))
		}
		c := *x
		c.CreatedAt = normTime(x.CreatedAt)
		st.byResource[rk], st.byExternal[ek] = &c, rk
		t.onRollback(func() {
			delete(st.byExternal, ek)
			delete(st.byResource, rk)
			if old != nil {
				st.byResource[rk] = old
				st.byExternal[scimExternalKey(old.AccountID, old.Kind, old.ExternalID)] = rk
			}
		})
		return nil
	})
}

// DeleteSCIMExternalID implements scim.Store.
func (s *Store) DeleteSCIMExternalID(ctx context.Context, kind scim.Kind, resourceID string) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.scim
		rk := scimResourceKey(kind, resourceID)
		old := st.byResource[rk]
		if old == nil {
			return nil
		}
		ek := scimExternalKey(old.AccountID, old.Kind, old.ExternalID)
		delete(st.byResource, rk)
		delete(st.byExternal, ek)
		t.onRollback(func() {
			st.byResource[rk], st.byExternal[ek] = old, rk
		})
		return nil
	})
}

// SCIMExternalIDs implements scim.Store.
func (s *Store) SCIMExternalIDs(ctx context.Context, kind scim.Kind, resourceIDs []string) (map[string]string, error) {
	out := map[string]string{}
	err := s.read(ctx, func() error {
		for _, id := range resourceIDs {
			if x := s.scim.byResource[scimResourceKey(kind, id)]; x != nil {
				out[id] = x.ExternalID
			}
		}
		return nil
	})
	return out, err
}

// FindSCIMExternalID implements scim.Store.
func (s *Store) FindSCIMExternalID(ctx context.Context, accountID string, kind scim.Kind, externalID string) (*scim.ExternalID, error) {
	var out *scim.ExternalID
	err := s.read(ctx, func() error {
		rk, ok := s.scim.byExternal[scimExternalKey(accountID, kind, externalID)]
		if !ok {
			return notFound("external ID")
		}
		c := *s.scim.byResource[rk]
		out = &c
		return nil
	})
	return out, err
}

// SetSCIMEnterprise implements scim.Store.
func (s *Store) SetSCIMEnterprise(ctx context.Context, e *scim.Enterprise) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.scim
		if st.enterprise == nil {
			st.enterprise = map[string]*scim.Enterprise{}
		}
		old, had := st.enterprise[e.UserID]
		c := *e
		c.UpdatedAt = normTime(e.UpdatedAt)
		st.enterprise[e.UserID] = &c
		t.onRollback(func() {
			if had {
				st.enterprise[e.UserID] = old
			} else {
				delete(st.enterprise, e.UserID)
			}
		})
		return nil
	})
}

// DeleteSCIMEnterprise implements scim.Store.
func (s *Store) DeleteSCIMEnterprise(ctx context.Context, userID string) error {
	return s.write(ctx, func(t *tx) error {
		st := &s.scim
		old, had := st.enterprise[userID]
		if !had {
			return nil
		}
		delete(st.enterprise, userID)
		t.onRollback(func() { st.enterprise[userID] = old })
		return nil
	})
}

// SCIMEnterprise implements scim.Store.
func (s *Store) SCIMEnterprise(ctx context.Context, userIDs []string) (map[string]*scim.Enterprise, error) {
	out := map[string]*scim.Enterprise{}
	err := s.read(ctx, func() error {
		for _, id := range userIDs {
			if e := s.scim.enterprise[id]; e != nil {
				c := *e
				out[id] = &c
			}
		}
		return nil
	})
	return out, err
}

// ListSCIMUsers implements scim.Store.
func (s *Store) ListSCIMUsers(ctx context.Context, q scim.UserQuery) ([]*users.User, error) {
	out := []*users.User{}
	if len(q.AccountIDs) == 0 {
		return out, nil
	}
	err := s.read(ctx, func() error {
		match := s.matchUsers(users.Filter{AccountIDs: q.AccountIDs, Search: q.Search})
		if q.IDs != nil {
			match = slices.DeleteFunc(match, func(u *users.User) bool { return !slices.Contains(q.IDs, u.ID) })
		}
		ext := func(u *users.User) string {
			if x := s.scim.byResource[scimResourceKey(scim.KindUser, u.ID)]; x != nil {
				return x.ExternalID
			}
			return ""
		}
		slices.SortFunc(match, func(a, b *users.User) int {
			var c int
			switch q.Sort {
			case scim.SortUserName:
				c = strings.Compare(a.Username, b.Username)
			case scim.SortExternalID:
				c = strings.Compare(ext(a), ext(b))
			case scim.SortLastModified:
				c = normTime(a.UpdatedAt).Compare(normTime(b.UpdatedAt))
			default:
				c = normTime(a.CreatedAt).Compare(normTime(b.CreatedAt))
			}
			if c == 0 {
				c = cmp.Compare(a.ID, b.ID)
			}
			if q.Descending {
				return -c
			}
			return c
		})
		from := min(max(q.Offset, 0), len(match))
		match = match[from:]
		for _, u := range match[:capped(len(match), q.Limit)] {
			out = append(out, copyUser(u))
		}
		return nil
	})
	return out, err
}

func copySCIMSettings(st *scim.Settings) *scim.Settings {
	c := *st
	c.RoleMappings = slices.Clone(st.RoleMappings)
	c.UpdatedAt = normTime(st.UpdatedAt)
	return &c
}

// SCIMSettings implements scim.Store.
func (s *Store) SCIMSettings(ctx context.Context, accountID string) (*scim.Settings, error) {
	var out *scim.Settings
	err := s.read(ctx, func() error {
		st := s.scim.settings[accountID]
		if st == nil {
			return notFound("SCIM settings")
		}
		out = copySCIMSettings(st)
		return nil
	})
	return out, err
}

// SetSCIMSettings implements scim.Store.
func (s *Store) SetSCIMSettings(ctx context.Context, st *scim.Settings) error {
	return s.write(ctx, func(t *tx) error {
		m := &s.scim
		if m.settings == nil {
			m.settings = map[string]*scim.Settings{}
		}
		old, had := m.settings[st.AccountID]
		m.settings[st.AccountID] = copySCIMSettings(st)
		t.onRollback(func() {
			if had {
				m.settings[st.AccountID] = old
			} else {
				delete(m.settings, st.AccountID)
			}
		})
		return nil
	})
}
