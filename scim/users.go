package scim

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/users"
)

// userState is what SCIM may change of a user.
type userState struct {
	first, last, email, phone, ext string
	active                         bool
	ent                            entState
	// roleOps are the request's operations on "roles" (role mappings
	// read them); none when it did not touch "roles".
	roleOps []roleOp
}

// roleOp is an operation on the SCIM "roles" values.
type roleOp struct {
	kind   string // add, replace, remove
	values []string
	// all is a remove of every value (no value given).
	all bool
}

// roleValuesOf reads a "roles" value: a list of {value, …} (or one
// object, or a list of strings); other sub-attributes are ignored.
func roleValuesOf(raw json.RawMessage) ([]string, error) {
	var objs []struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(raw, &objs); err == nil {
		out := make([]string, 0, len(objs))
		for _, o := range objs {
			out = append(out, o.Value)
		}
		return out, nil
	}
	var one struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one.Value}, nil
	}
	var strs []string
	if err := json.Unmarshal(raw, &strs); err == nil {
		return strs, nil
	}
	return nil, invalid(TypeInvalidValue, "roles", "must be a list of {value}")
}

func stateOf(u *users.User, ext string, ent entState) userState {
	return userState{first: u.FirstName, last: u.LastName, email: u.Email, phone: u.Phone, ext: ext,
		active: u.Status != users.StatusDisabled, ent: ent}
}

// emailOf returns the email of a User resource: its primary (else work,
// else first) email, or the userName when it is an email address.
func emailOf(in *userIn) (string, error) {
	if e := pick(in.Emails); e != "" {
		return e, nil
	}
	if accountkit.EmailProblem(accountkit.NormalizeEmail(in.UserName)) == "" {
		return in.UserName, nil
	}
	return "", invalid(TypeInvalidValue, "emails", "a user needs an email address (emails, or a userName that is one)")
}

// CreateUser provisions a user in the client's account (users.Provision:
// active, email verified, no password — they sign in through single
// sign-on), with its externalId; "active": false disables it at once.
// userName becomes the username (3 to 64 characters of a-z, 0-9, . _ - @
// after lower-casing; usernames are unique across the installation and
// never change). Errors: Unauthenticated, Forbidden, Invalid, Conflict
// (userName, email or externalId taken).
func (s *Service) CreateUser(ctx context.Context, in *userIn) (*User, error) {
	ctx, acc, err := s.client(ctx)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.UserName) == "" {
		return nil, invalid(TypeInvalidValue, "userName", "is required")
	}
	email, err := emailOf(in)
	if err != nil {
		return nil, err
	}
	var name Name
	if in.Name != nil {
		name = *in.Name
	}
	var out *User
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		u, err := s.users.Provision(ctx, users.ProvisionInput{AccountID: acc, Email: email, Username: in.UserName,
			FirstName: name.GivenName, LastName: name.FamilyName, Phone: pick(in.PhoneNumbers), Source: "scim"})
		if err != nil {
			return err
		}
		if in.Active != nil && !bool(*in.Active) {
			if u, err = s.users.Disable(ctx, u.ID); err != nil {
				return err
			}
		}
		ext := ""
		if in.ExternalID != nil {
			ext = *in.ExternalID
		}
		if err := s.setExternalID(ctx, acc, KindUser, u.ID, ext); err != nil {
			return err
		}
		var ent entState
		if in.Enterprise != nil {
			if err := applyEnterprise(&ent, "replace", "", in.Enterprise); err != nil {
				return err
			}
			if !ent.zero() {
				ent.updated = s.rt.Now()
				if err := s.saveEnterprise(ctx, acc, u.ID, ent); err != nil {
					return err
				}
			}
		}
		var values []string
		if in.Roles != nil {
			if values, err = roleValuesOf(in.Roles); err != nil {
				return err
			}
		}
		if u, err = s.applyRoles(ctx, acc, u, nonNil(values), ent.department); err != nil {
			return err
		}
		o := userOut(u, ext, ent)
		out = &o
		return nil
	})
	if err != nil {
		return nil, scimFields(err)
	}
	return out, nil
}

// GetUser returns a user of the client's account. Errors: Unauthenticated,
// Forbidden, NotFound.
func (s *Service) GetUser(ctx context.Context, id string) (_ *User, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	ctx, acc, err := s.client(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.user(ctx, acc, id)
	if err != nil {
		return nil, err
	}
	ext, err := s.externalID(ctx, KindUser, id)
	if err != nil {
		return nil, err
	}
	ent, err := s.enterprise(ctx, id)
	if err != nil {
		return nil, err
	}
	o := userOut(u, ext, ent)
	return &o, nil
}

// ReplaceUser replaces a user's attributes (PUT): names, email, phone,
// active and externalId. userName cannot change (mutability). ifMatch,
// when set and not "*", must be the user's meta.version. Errors:
// Unauthenticated, Forbidden, NotFound, Invalid, Conflict.
func (s *Service) ReplaceUser(ctx context.Context, id string, in *userIn, ifMatch string) (*User, error) {
	return s.changeUser(ctx, id, ifMatch, func(u *users.User, st *userState) error {
		if in.UserName != "" && users.NormalizeUsername(in.UserName) != u.Username {
			return invalid(TypeMutability, "userName", "cannot be changed after the user is created")
		}
		email, err := emailOf(&userIn{UserName: u.Username, Emails: in.Emails})
		if err != nil {
			return err
		}
		var name Name
		if in.Name != nil {
			name = *in.Name
		}
		st.first, st.last, st.email, st.phone = strings.TrimSpace(name.GivenName), strings.TrimSpace(name.FamilyName), email, pick(in.PhoneNumbers)
		st.ext = ""
		if in.ExternalID != nil {
			st.ext = *in.ExternalID
		}
		if in.Active != nil {
			st.active = bool(*in.Active)
		}
		st.roleOps = []roleOp{{kind: "replace", values: []string{}}}
		if in.Roles != nil {
			values, err := roleValuesOf(in.Roles)
			if err != nil {
				return err
			}
			st.roleOps[0].values = values
		}
		if in.Enterprise == nil {
			st.ent = entState{updated: st.ent.updated}
			return nil
		}
		return applyEnterprise(&st.ent, "replace-all", "", in.Enterprise)
	})
}

// PatchUser applies PATCH operations to a user (see docs/scim.md for the
// paths). The operations apply together or not at all. Errors:
// Unauthenticated, Forbidden, NotFound, Invalid, Conflict.
func (s *Service) PatchUser(ctx context.Context, id string, req *PatchRequest, ifMatch string) (*User, error) {
	if err := checkPatch(req); err != nil {
		return nil, err
	}
	return s.changeUser(ctx, id, ifMatch, func(u *users.User, st *userState) error {
		for i := range req.Operations {
			if err := applyUserOp(u, st, &req.Operations[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkPatch checks a PATCH request's envelope.
func checkPatch(req *PatchRequest) error {
	if len(req.Operations) == 0 {
		return invalid(TypeInvalidSyntax, "Operations", "at least one operation is required")
	}
	if len(req.Operations) > MaxOperations {
		return invalid(TypeTooMany, "Operations", "at most 1000 operations per request")
	}
	return nil
}

// MaxOperations caps the operations of one PATCH request.
const MaxOperations = 1000

// changeUser locks the user, checks ifMatch, lets edit change its state
// and saves the difference through the users service, in one transaction.
func (s *Service) changeUser(ctx context.Context, id, ifMatch string, edit func(*users.User, *userState) error) (*User, error) {
	ctx, acc, err := s.client(ctx)
	if err != nil {
		return nil, err
	}
	var out *User
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.user(ctx, acc, id); err != nil {
			return err
		}
		u, err := s.store.GetUserForUpdate(ctx, id)
		if err != nil {
			return err
		}
		ext, err := s.externalID(ctx, KindUser, id)
		if err != nil {
			return err
		}
		ent, err := s.enterprise(ctx, id)
		if err != nil {
			return err
		}
		if ifMatch != "" && ifMatch != "*" && ifMatch != userVersion(u, ext, ent) {
			return errPrecondition()
		}
		before := stateOf(u, ext, ent)
		st := before
		if err := edit(u, &st); err != nil {
			return err
		}
		if u, err = s.saveUser(ctx, acc, u, before, &st); err != nil {
			return err
		}
		o := userOut(u, st.ext, st.ent)
		out = &o
		return nil
	})
	if err != nil {
		return nil, scimFields(err)
	}
	return out, nil
}

// saveUser saves what changed from before to st.
func (s *Service) saveUser(ctx context.Context, acc string, u *users.User, before userState, st *userState) (*users.User, error) {
	var err error
	if st.active && !before.active {
		if u, err = s.users.Enable(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	var up users.Update
	if st.first != before.first {
		up.FirstName = &st.first
	}
	if st.last != before.last {
		up.LastName = &st.last
	}
	if st.email != before.email && accountkit.NormalizeEmail(st.email) != before.email {
		up.Email = &st.email
	}
	if st.phone != before.phone {
		up.Phone = &st.phone
	}
	if up != (users.Update{}) {
		if u, err = s.users.Update(ctx, u.ID, up); err != nil {
			return nil, err
		}
	}
	if !st.active && before.active {
		if u, err = s.users.Disable(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	if st.ext != before.ext {
		if err := s.setExternalID(ctx, acc, KindUser, u.ID, st.ext); err != nil {
			return nil, err
		}
	}
	if !st.ent.same(before.ent) {
		if err := s.saveEnterprise(ctx, acc, u.ID, st.ent); err != nil {
			return nil, err
		}
		st.ent.updated = s.rt.Now()
	}
	values, err := s.roleValues(ctx, acc, u, st.roleOps)
	if err != nil {
		return nil, err
	}
	if u, err = s.applyRoles(ctx, acc, u, values, st.ent.department); err != nil {
		return nil, err
	}
	if st.active != before.active {
		if err := s.seatOnActive(ctx, acc, u, st.active); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// DeleteUser deletes a user of the client's account through
// users.Service.Delete (the Leaving reactions free the seat and revoke the
// API keys the user created), and its externalId. Errors:
// Unauthenticated, Forbidden, NotFound.
func (s *Service) DeleteUser(ctx context.Context, id, ifMatch string) error {
	ctx, acc, err := s.client(ctx)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		u, err := s.user(ctx, acc, id)
		if err != nil {
			return err
		}
		ext, err := s.externalID(ctx, KindUser, id)
		if err != nil {
			return err
		}
		ent, err := s.enterprise(ctx, id)
		if err != nil {
			return err
		}
		if ifMatch != "" && ifMatch != "*" && ifMatch != userVersion(u, ext, ent) {
			return errPrecondition()
		}
		if err := s.users.Delete(ctx, id); err != nil {
			return err
		}
		if err := s.store.DeleteSCIMEnterprise(ctx, id); err != nil {
			return err
		}
		return s.store.DeleteSCIMExternalID(ctx, KindUser, id)
	})
}

// ignoredUserAttrs are attributes of the User schemas a client may send
// and this service does not keep: writes to them are accepted and
// discarded (docs/scim.md); /Schemas does not list them.
var ignoredUserAttrs = []string{"displayname", "nickname", "profileurl", "title", "usertype", "preferredlanguage",
	"locale", "timezone", "addresses", "name.formatted", "name.middlename", "name.honorificprefix",
	"name.honorificsuffix", "ims", "photos", "entitlements", "x509certificates", "password", "schemas", "id", "meta", "groups"}

// splitURI strips a schema URI from an attribute path and tells whether
// the path belongs to the enterprise extension (the path returned is then
// the extension's attribute, "" for the whole extension).
func splitURI(path string) (string, bool, error) {
	lp := strings.ToLower(path)
	ent := strings.ToLower(SchemaEnterprise)
	switch {
	case lp == ent:
		return "", true, nil
	case strings.HasPrefix(lp, ent+":"):
		return path[len(ent)+1:], true, nil
	case strings.HasPrefix(lp, strings.ToLower(SchemaUser)+":"):
		return path[len(SchemaUser)+1:], false, nil
	case strings.HasPrefix(lp, "urn:"):
		return "", false, invalid(TypeInvalidPath, "path", "unknown schema in "+accountkit.Clip(path, 100))
	}
	return path, false, nil
}

// applyUserOp applies one PATCH operation to st.
func applyUserOp(u *users.User, st *userState, op *PatchOp) error {
	kind := strings.ToLower(op.Op)
	if kind != "add" && kind != "replace" && kind != "remove" {
		return invalid(TypeInvalidSyntax, "op", "must be add, replace or remove")
	}
	if op.Path == "" {
		if kind == "remove" {
			return invalid(TypeNoTarget, "path", "remove needs a path")
		}
		var attrs map[string]json.RawMessage
		if err := json.Unmarshal(op.Value, &attrs); err != nil {
			return invalid(TypeInvalidValue, "value", "without a path, the value must be an object of attributes")
		}
		keys := make([]string, 0, len(attrs))
		for k := range attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := applyUserPath(u, st, kind, k, attrs[k]); err != nil {
				return err
			}
		}
		return nil
	}
	return applyUserPath(u, st, kind, op.Path, op.Value)
}

func applyUserPath(u *users.User, st *userState, kind, path string, raw json.RawMessage) error {
	path, enterprise, err := splitURI(path)
	if err != nil {
		return err
	}
	if enterprise {
		return applyEnterprise(&st.ent, kind, path, raw)
	}
	p, err := filter.ParsePath([]byte(path))
	if err != nil {
		return invalid(TypeInvalidPath, "path", "is not a valid SCIM path: "+accountkit.Clip(path, 100))
	}
	name := strings.ToLower(p.AttributePath.AttributeName)
	if sub := p.AttributePath.SubAttributeName(); sub != "" {
		name += "." + strings.ToLower(sub)
	}
	if p.ValueExpression != nil {
		// emails[type eq "work"].value: one email and one phone number are
		// kept, so the filter selects that one.
		if name != "emails" && name != "phonenumbers" && name != "roles" && !slices.Contains(ignoredUserAttrs, name) {
			return invalid(TypeInvalidPath, "path", "filters are supported on emails and phoneNumbers only")
		}
		if sub := strings.ToLower(p.SubAttributeName()); sub != "" {
			if sub != "value" {
				return nil // type, primary, display: not kept
			}
			name += ".value"
		}
	}
	if kind == "remove" {
		raw = nil
	}
	text := func() (string, error) {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", invalid(TypeInvalidValue, path, "must be a string")
		}
		return strings.TrimSpace(v), nil
	}
	multi := func() (string, error) {
		var vs []MultiValue
		if err := json.Unmarshal(raw, &vs); err != nil {
			var one MultiValue // a single object, as some clients send
			if err := json.Unmarshal(raw, &one); err != nil {
				return "", invalid(TypeInvalidValue, path, "must be a list of {value, type, primary}")
			}
			vs = []MultiValue{one}
		}
		return pick(vs), nil
	}
	switch name {
	case "active":
		if raw == nil {
			return invalid(TypeMutability, "active", "cannot be removed")
		}
		var b Bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return invalid(TypeInvalidValue, "active", "must be true or false")
		}
		st.active = bool(b)
	case "name":
		if raw == nil {
			st.first, st.last = "", ""
			return nil
		}
		var n map[string]json.RawMessage
		if err := json.Unmarshal(raw, &n); err != nil {
			return invalid(TypeInvalidValue, "name", "must be an object")
		}
		for k, v := range n {
			if err := applyUserPath(u, st, kind, "name."+k, v); err != nil {
				return err
			}
		}
	case "name.givenname", "name.familyname":
		v := ""
		if raw != nil {
			if v, err = text(); err != nil {
				return err
			}
		}
		if name == "name.givenname" {
			st.first = v
		} else {
			st.last = v
		}
	case "emails", "emails.value":
		if raw == nil {
			return invalid(TypeMutability, "emails", "a user needs an email address; it cannot be removed")
		}
		v, err := text()
		if name == "emails" {
			v, err = multi()
		}
		if err != nil {
			return err
		}
		if v == "" {
			return invalid(TypeInvalidValue, "emails", "a user needs an email address")
		}
		st.email = v
	case "phonenumbers", "phonenumbers.value":
		v := ""
		if raw != nil {
			if name == "phonenumbers" {
				v, err = multi()
			} else {
				v, err = text()
			}
			if err != nil {
				return err
			}
		}
		st.phone = v
	case "externalid":
		v := ""
		if raw != nil {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return invalid(TypeInvalidValue, "externalId", "must be a string")
			}
			v = s
		}
		st.ext = v
	case "roles", "roles.value":
		op := roleOp{kind: kind}
		switch {
		case kind == "remove" && p.ValueExpression != nil:
			// roles[value eq "x"]: the value compared is the one removed.
			if ae, ok := p.ValueExpression.(*filter.AttributeExpression); ok && ae.Operator == filter.EQ {
				if v, ok := ae.CompareValue.(string); ok {
					op.values = []string{v}
					break
				}
			}
			return invalid(TypeInvalidPath, "path", "roles can be removed by roles[value eq \"…\"] only")
		case kind == "remove" && raw == nil:
			op.all = true
		default:
			vs, err := roleValuesOf(raw)
			if err != nil {
				var one string
				if json.Unmarshal(raw, &one) != nil {
					return err
				}
				vs = []string{one}
			}
			op.values = vs
		}
		st.roleOps = append(st.roleOps, op)
	case "username":
		v, err := text()
		if err != nil || users.NormalizeUsername(v) != u.Username {
			return invalid(TypeMutability, "userName", "cannot be changed after the user is created")
		}
	default:
		if !slices.Contains(ignoredUserAttrs, name) && !slices.Contains(ignoredUserAttrs, strings.SplitN(name, ".", 2)[0]) {
			return invalid(TypeInvalidPath, "path", "attribute "+accountkit.Clip(path, 100)+" is not supported")
		}
	}
	return nil
}

// userResolver resolves filter attributes on a user.
func userResolver(u *users.User, ext string) resolver {
	some := func(v value) []value {
		if v.s == "" && v.b == nil && v.t == nil {
			return nil
		}
		return []value{v}
	}
	return func(attr string) ([]value, bool) {
		switch attr {
		case "id":
			return some(exact(u.ID)), true
		case "externalid":
			return some(exact(ext)), true
		case "username":
			return some(str(u.Username)), true
		case "displayname":
			return some(str(u.DisplayName())), true
		case "name.givenname":
			return some(str(u.FirstName)), true
		case "name.familyname":
			return some(str(u.LastName)), true
		case "name.formatted":
			return some(str(strings.TrimSpace(u.FirstName + " " + u.LastName))), true
		case "emails", "emails.value":
			return some(str(u.Email)), true
		case "emails.type":
			return some(str("work")), true
		case "emails.primary":
			return some(boolean(true)), true
		case "phonenumbers", "phonenumbers.value":
			return some(str(u.Phone)), true
		case "phonenumbers.type":
			if u.Phone == "" {
				return nil, true
			}
			return some(str("work")), true
		case "active":
			return some(boolean(u.Status != users.StatusDisabled)), true
		case "meta.created":
			return some(instant(u.CreatedAt)), true
		case "meta.lastmodified":
			return some(instant(u.UpdatedAt)), true
		case "meta.resourcetype":
			return some(str("User")), true
		}
		return nil, false
	}
}

var userIndexed = func(attr string) bool {
	switch attr {
	case "id", "username", "externalid", "emails", "emails.value":
		return true
	}
	return false
}

// scanBatch is how many users a full scan reads the external IDs of at once.
const scanBatch = 500

// ListUsers lists the users of the client's account matching the filter,
// in the sortBy order (default meta.created ascending), ordered by the
// store. Without a filter the store reads only the page asked for. A
// filter whose every match is found through an equality on id, userName,
// externalId or emails reads those users only; any other filter reads the
// account's users in order and evaluates it on each (see docs/scim.md).
// Errors: Unauthenticated, Forbidden, Invalid (invalidFilter, an
// unsupported sortBy).
func (s *Service) ListUsers(ctx context.Context, in PageInput) (_ *ListResponse[User], err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	ctx, acc, err := s.client(ctx)
	if err != nil {
		return nil, err
	}
	sort, err := userSortOf(in.SortBy)
	if err != nil {
		return nil, err
	}
	var expr filter.Expression
	if in.Filter != "" {
		if expr, err = parseFilter(in.Filter); err != nil {
			return nil, err
		}
	}
	count := in.count()
	accs, err := s.scope(ctx, acc)
	if err != nil {
		return nil, err
	}
	q := UserQuery{AccountIDs: accs, Sort: sort, Descending: in.Descending}
	var matched []*users.User
	totalResults := 0
	if expr == nil {
		if totalResults, err = s.store.CountUsers(ctx, users.Filter{AccountIDs: q.AccountIDs}); err != nil {
			return nil, err
		}
		if count > 0 {
			q.Offset, q.Limit = max(in.StartIndex, 1)-1, count
			if matched, err = s.store.ListSCIMUsers(ctx, q); err != nil {
				return nil, err
			}
		}
	} else {
		if terms, indexed := candidates(expr, SchemaUser, userIndexed); indexed {
			if q.IDs, err = s.lookupUsers(ctx, acc, terms); err != nil {
				return nil, err
			}
		} else {
			// A text comparison on userName, emails or names narrows the
			// read to the users whose search text contains the value (a
			// superset of the matches); the filter is evaluated on those.
			q.Search, _ = searchTerm(expr)
		}
		list, err := s.store.ListSCIMUsers(ctx, q)
		if err != nil {
			return nil, err
		}
		for i := 0; i < len(list); i += scanBatch {
			chunk := list[i:min(i+scanBatch, len(list))]
			ids := make([]string, len(chunk))
			for j, u := range chunk {
				ids[j] = u.ID
			}
			m, err := s.store.SCIMExternalIDs(ctx, KindUser, ids)
			if err != nil {
				return nil, err
			}
			for _, u := range chunk {
				ok, err := match(expr, userResolver(u, m[u.ID]), SchemaUser)
				if err != nil {
					return nil, err
				}
				if ok {
					matched = append(matched, u)
				}
			}
		}
		totalResults = len(matched)
		from, to := page(len(matched), in.StartIndex, count)
		matched = matched[from:to]
	}
	out := &ListResponse[User]{Schemas: []string{SchemaListResponse}, TotalResults: totalResults,
		StartIndex: max(in.StartIndex, 1), ItemsPerPage: len(matched), Resources: []User{}}
	ids := make([]string, len(matched))
	for i, u := range matched {
		ids[i] = u.ID
	}
	exts, err := s.store.SCIMExternalIDs(ctx, KindUser, ids)
	if err != nil {
		return nil, err
	}
	ents, err := s.store.SCIMEnterprise(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, u := range matched {
		out.Resources = append(out.Resources, userOut(u, exts[u.ID], entOf(ents[u.ID])))
	}
	return out, nil
}

// userSortOf reads a sortBy of a user list ("" is meta.created).
func userSortOf(sortBy string) (UserSort, error) {
	name := strings.ToLower(strings.TrimSpace(sortBy))
	name = strings.TrimPrefix(name, strings.ToLower(SchemaUser)+":")
	switch name {
	case "":
		return SortCreated, nil
	case "username":
		return SortUserName, nil
	case "externalid":
		return SortExternalID, nil
	case "meta.created":
		return SortCreated, nil
	case "meta.lastmodified":
		return SortLastModified, nil
	}
	return "", invalid(TypeInvalidValue, "sortBy", "users can be sorted by userName, externalId, meta.created or meta.lastModified, not "+accountkit.Clip(sortBy, 100))
}

// lookupUsers returns the IDs of the account's users that match one of
// the terms.
func (s *Service) lookupUsers(ctx context.Context, acc string, terms []eqTerm) ([]string, error) {
	seen := map[string]bool{}
	add := func(u *users.User, err error) error {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		ok, err := s.inScope(ctx, acc, u.AccountID)
		if ok {
			seen[u.ID] = true
		}
		return err
	}
	for _, t := range terms {
		var err error
		switch t.attr {
		case "id":
			if accountkit.ValidID(t.value) {
				err = add(s.store.GetUser(ctx, t.value))
			}
		case "username":
			err = add(s.store.GetUserByUsername(ctx, users.NormalizeUsername(t.value)))
		case "externalid":
			x, ferr := s.store.FindSCIMExternalID(ctx, acc, KindUser, t.value)
			if ferr == nil {
				err = add(s.store.GetUser(ctx, x.ResourceID))
			} else {
				err = add(nil, ferr)
			}
		default: // emails
			var found []*users.User
			found, err = s.store.FindUsersByEmail(ctx, accountkit.NormalizeEmail(t.value))
			for _, u := range found {
				if err == nil {
					err = add(u, nil)
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	return out, nil
}

// searchTerm returns a word search (see accountkit.SearchWords) that every
// user matching e satisfies in its search text (username, names, email):
// the value of an eq or sw on one of those attributes, alone or on either
// side of an "and". Only eq and sw qualify: a value a field equals or
// starts with has each of its words at the start of one of the field's
// words, which co and ew do not promise (they may begin mid-word). A
// value the word search refuses (one-letter words, too many words) narrows
// nothing; the filter is then evaluated on every user.
func searchTerm(e filter.Expression) (string, bool) {
	switch x := e.(type) {
	case *filter.AttributeExpression:
		v, ok := x.CompareValue.(string)
		name, err := attrName(x.AttributePath, SchemaUser)
		if !ok || strings.TrimSpace(v) == "" || err != nil {
			return "", false
		}
		switch x.Operator {
		case filter.EQ, filter.SW:
		default:
			return "", false
		}
		if len(v) > accountkit.MaxSearchLength || accountkit.WordSearchProblem(v) != "" {
			return "", false
		}
		switch name {
		case "username", "emails", "emails.value", "name.givenname", "name.familyname":
			return strings.Join(accountkit.SearchWords(v), " "), true
		}
	case *filter.LogicalExpression:
		if x.Operator == filter.AND {
			if v, ok := searchTerm(x.Left); ok {
				return v, true
			}
			return searchTerm(x.Right)
		}
	}
	return "", false
}
