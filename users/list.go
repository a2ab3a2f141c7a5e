package users

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/security"
)

// exportBatch is how many users an export reads per query.
const exportBatch = 500

// ListInput selects users; see List.
type ListInput struct {
	// AccountID defaults to the principal's account.
	AccountID          string
	IncludeSubaccounts bool
	Status             string
	Role               string
	// Team keeps the members of the team with this ID.
	Team string
	// Search is a word search over username, first and last name and
	// email (see accountkit.SearchWords and Validation.WordSearch): each
	// of its words must start a word of one of them, ignoring case.
	Search string
	// Locked filters by lock state when not nil.
	Locked *bool
	// InactiveDays, when > 0, keeps users whose last activity (last
	// sign-in, else activation, else creation: User.LastActivity) is more
	// than this many days ago, 1 to 3650.
	InactiveDays int
	// NeverSignedIn, when not nil, keeps users who never signed in (true)
	// or those who did (false).
	NeverSignedIn *bool
	// Sort is username (default), -username, created, -created, name,
	// -name (User.NameKey: last name, first name, username), email,
	// -email, last_login or -last_login (never signed in last in both).
	Sort   string
	Cursor string
	Limit  int
}

// Page is one page of users and the cursor of the next ("" at the end).
type Page struct {
	Users []*User
	// Teams are the teams of the page's users by user ID (users without a
	// team are absent), read with one store query for the whole page.
	Teams      map[string][]TeamRef
	NextCursor string
}

// List returns users of an account (optionally with its sub-accounts)
// matching the filters. It requires PermUsersRead or PermUsersManage.
// Errors: Unauthenticated, NotFound, Forbidden, Invalid.
func (s *Service) List(ctx context.Context, in ListInput) (_ *Page, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	f, err := s.filter(ctx, in)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	f.Limit++
	list, err := s.store.ListUsers(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &Page{}
	page.Users, page.NextCursor = accountkit.NextPage(list, limit, func(u *User) accountkit.Cursor {
		return accountkit.Cursor{Key: string(f.Sort) + " " + sortKey(f.Sort, u), ID: u.ID}
	})
	if page.Teams, err = s.store.UsersTeams(ctx, userIDs(page.Users)); err != nil {
		return nil, err
	}
	return page, nil
}

func userIDs(list []*User) []string {
	ids := make([]string, len(list))
	for i, u := range list {
		ids[i] = u.ID
	}
	return ids
}

// Teams returns the teams the user belongs to, ordered by name. It
// requires PermUsersRead or PermUsersManage over the user; a user of
// another account tree is NotFound, like one that does not exist.
// Errors: Unauthenticated, NotFound, Forbidden.
func (s *Service) Teams(ctx context.Context, id string) (_ []TeamRef, err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	m, err := s.store.UsersTeams(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if m[id] == nil {
		return []TeamRef{}, nil
	}
	return m[id], nil
}

// neverKey is the cursor key of a user who never signed in, in the last
// login orders.
const neverKey = "never"

func sortKey(s Sort, u *User) string {
	switch s {
	case SortCreated, SortCreatedDesc:
		return accountkit.TimeKey(u.CreatedAt.UnixMicro())
	case SortName, SortNameDesc:
		return u.NameKey()
	case SortEmail, SortEmailDesc:
		return u.Email
	case SortLastLogin, SortLastLoginDesc:
		if u.LastLoginAt == nil {
			return neverKey
		}
		return accountkit.TimeKey(u.LastLoginAt.UnixMicro())
	}
	return u.Username
}

// setAfter sets f's position after the user with the sort key and ID; it
// reports false when the key does not parse for f.Sort.
func setAfter(f *Filter, key, id string) bool {
	f.AfterID = id
	switch f.Sort {
	case SortCreated, SortCreatedDesc:
		us, ok := accountkit.ParseTimeKey(key)
		f.AfterCreated = time.UnixMicro(us).UTC()
		return ok
	case SortLastLogin, SortLastLoginDesc:
		f.AfterLastLogin = nil
		if key == neverKey {
			return true
		}
		us, ok := accountkit.ParseTimeKey(key)
		t := time.UnixMicro(us).UTC()
		f.AfterLastLogin = &t
		return ok
	}
	f.AfterKey = key
	return true
}

func (s *Service) filter(ctx context.Context, in ListInput) (Filter, error) {
	p, err := principal(ctx)
	if err != nil {
		return Filter{}, err
	}
	if in.AccountID == "" {
		in.AccountID = p.AccountID
	}
	perm := security.PermUsersRead
	if p.Permissions.Has(security.PermUsersManage) {
		perm = security.PermUsersManage
	}
	if _, err := s.authz.Require(ctx, perm, in.AccountID); err != nil {
		return Filter{}, err
	}
	var v accountkit.Validation
	limit, after := v.Page(accountkit.PageRequest{Limit: in.Limit, Cursor: in.Cursor})
	f := Filter{Limit: limit, Search: v.WordSearch("q", in.Search), Locked: in.Locked, NeverSignedIn: in.NeverSignedIn, Sort: Sort(in.Sort)}
	switch f.Sort {
	case "":
		f.Sort = SortUsername
	case SortUsername, SortUsernameDesc, SortCreated, SortCreatedDesc, SortName, SortNameDesc,
		SortEmail, SortEmailDesc, SortLastLogin, SortLastLoginDesc:
	default:
		v.Add("sort", "must be username, -username, created, -created, name, -name, email, -email, last_login or -last_login")
	}
	if in.Status != "" {
		st := Status(in.Status)
		if st != StatusInvited && st != StatusActive && st != StatusDisabled {
			v.Add("status", "must be invited, active or disabled")
		}
		f.Status = &st
	}
	if in.Role != "" {
		if v.Filter("role", in.Role) != "" && len(in.Role) > 64 {
			v.Add("role", "unknown role")
		}
		f.Role = &in.Role
	}
	if in.Team != "" {
		if !accountkit.ValidID(in.Team) {
			v.Add("team_id", "unknown team")
		}
		f.TeamID = &in.Team
	}
	if in.InactiveDays != 0 {
		if in.InactiveDays < 1 || in.InactiveDays > 3650 {
			v.Add("inactive_days", "must be between 1 and 3650")
		}
		cutoff := s.now().AddDate(0, 0, -in.InactiveDays)
		f.ActiveBefore = &cutoff
	}
	if after != nil {
		sort, key, ok := strings.Cut(after.Key, " ")
		if !ok || Sort(sort) != f.Sort || !setAfter(&f, key, after.ID) {
			v.Add("cursor", "malformed cursor, or made for another sort")
		}
	}
	if err := v.Err(); err != nil {
		return Filter{}, err
	}
	f.AccountIDs = []string{in.AccountID}
	if in.IncludeSubaccounts {
		if f.AccountIDs, err = s.store.AccountSubtree(ctx, in.AccountID); err != nil {
			return Filter{}, err
		}
	}
	return f, nil
}

// ExportFormat is the format of Export.
type ExportFormat string

// The export formats.
const (
	ExportCSV  ExportFormat = "csv"
	ExportJSON ExportFormat = "json"
)

var exportHeader = []string{"id", "account_id", "username", "first_name", "last_name", "email", "email_verified",
	"phone", "phone_verified", "status", "locked", "roles", "teams", "created_at", "last_login_at", "last_login_method"}

// Export writes every user matching in (ignoring Cursor and Limit) to w as
// CSV or a JSON array, reading the store in batches so memory stays
// constant. Audited ("Report downloaded" / "Report download failed").
func (s *Service) Export(ctx context.Context, in ListInput, format ExportFormat, w io.Writer) (err error) {
	ctx, end := s.rt.StartCall(ctx)
	defer end(&err)
	in.Cursor, in.Limit = "", 0
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	entry := audit.Entry{AccountID: in.AccountID, Item: audit.ItemReport, Action: audit.ActionDownload,
		Description: "Report downloaded.", FailureDescription: "Report download failed.", TargetType: "report", TargetName: "users." + string(format)}
	if entry.AccountID == "" {
		entry.AccountID = p.AccountID
	}
	f, err := s.filter(ctx, in)
	if err == nil && format != ExportCSV && format != ExportJSON {
		err = accountkit.InvalidField("format", "must be csv or json")
	}
	if err != nil {
		s.audit.RecordFailure(ctx, entry, err)
		return err
	}
	n, err := s.writeExport(ctx, f, format, w, nil)
	entry.Details = map[string]string{"rows": strconv.Itoa(n)}
	if err != nil {
		s.audit.RecordFailure(ctx, entry, err)
		return err
	}
	return s.audit.Record(ctx, entry)
}

// writeExport writes the users matching f to w; progress, when not nil,
// is told the rows written after each batch.
func (s *Service) writeExport(ctx context.Context, f Filter, format ExportFormat, w io.Writer, progress func(rows int)) (int, error) {
	cw := csv.NewWriter(w)
	enc := json.NewEncoder(w)
	if format == ExportCSV {
		if err := cw.Write(exportHeader); err != nil {
			return 0, err
		}
	} else if _, err := io.WriteString(w, "["); err != nil {
		return 0, err
	}
	f.Limit = exportBatch
	n := 0
	for {
		list, err := s.store.ListUsers(ctx, f)
		if err != nil {
			return n, err
		}
		teams, err := s.store.UsersTeams(ctx, userIDs(list))
		if err != nil {
			return n, err
		}
		for _, u := range list {
			if format == ExportCSV {
				rec := exportRow(u, teams[u.ID])
				for i := range rec {
					rec[i] = audit.SafeCSVCell(rec[i])
				}
				if err := cw.Write(rec); err != nil {
					return n, err
				}
			} else {
				if n > 0 {
					if _, err := io.WriteString(w, ","); err != nil {
						return n, err
					}
				}
				if err := enc.Encode(WithTeams(ToJSON(u), teams[u.ID])); err != nil {
					return n, err
				}
			}
			n++
		}
		if format == ExportCSV {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return n, err
			}
		}
		if progress != nil {
			progress(n)
		}
		if len(list) < f.Limit {
			break
		}
		last := list[len(list)-1]
		setAfter(&f, sortKey(f.Sort, last), last.ID)
	}
	if format == ExportJSON {
		if _, err := io.WriteString(w, "]\n"); err != nil {
			return n, err
		}
	}
	return n, nil
}

func exportRow(u *User, teams []TeamRef) []string {
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	return []string{u.ID, u.AccountID, u.Username, u.FirstName, u.LastName, u.Email, strconv.FormatBool(u.EmailVerified),
		u.Phone, strconv.FormatBool(u.PhoneVerified), string(u.Status), strconv.FormatBool(u.Locked), strings.Join(u.Roles, " "),
		teamNames(teams), u.CreatedAt.UTC().Format(time.RFC3339), ts(u.LastLoginAt), string(u.LastLoginMethod)}
}

// teamNames joins the teams' names with "; " (names may hold spaces).
func teamNames(teams []TeamRef) string {
	names := make([]string, len(teams))
	for i, t := range teams {
		names[i] = t.Name
	}
	return strings.Join(names, "; ")
}

// UserJSON is the API representation of a user; it never includes the
// password hash.
type UserJSON struct {
	ID                string     `json:"id"`
	AccountID         string     `json:"account_id"`
	Username          string     `json:"username"`
	FirstName         string     `json:"first_name"`
	LastName          string     `json:"last_name"`
	Email             string     `json:"email"`
	EmailVerified     bool       `json:"email_verified"`
	Phone             string     `json:"phone,omitempty"`
	PhoneVerified     bool       `json:"phone_verified"`
	Status            Status     `json:"status"`
	Locked            bool       `json:"locked"`
	LockedAt          *time.Time `json:"locked_at,omitempty"`
	Roles             []string   `json:"roles"`
	CreatedAt         time.Time  `json:"created_at"`
	PasswordChangedAt *time.Time `json:"password_changed_at,omitempty"`
	LastLogin         *LastLogin `json:"last_login,omitempty"`
	ActivatedAt       *time.Time `json:"activated_at,omitempty"`
	// Teams are the user's teams; lists, exports and GET of one user
	// include them (answers of changes omit them).
	Teams  []TeamRef   `json:"teams,omitzero"`
	Method LoginMethod `json:"-"`
}

// WithTeams returns j with the teams set (an empty list when none).
func WithTeams(j UserJSON, teams []TeamRef) UserJSON {
	j.Teams = teams
	if j.Teams == nil {
		j.Teams = []TeamRef{}
	}
	return j
}

// LastLogin describes a user's last sign-in.
type LastLogin struct {
	Time      time.Time   `json:"time"`
	IP        string      `json:"ip,omitempty"`
	UserAgent string      `json:"user_agent,omitempty"`
	Method    LoginMethod `json:"method"`
}

// ToJSON returns the API representation of u.
func ToJSON(u *User) UserJSON {
	j := UserJSON{ID: u.ID, AccountID: u.AccountID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName,
		Email: u.Email, EmailVerified: u.EmailVerified, Phone: u.Phone, PhoneVerified: u.PhoneVerified, Status: u.Status,
		Locked: u.Locked, LockedAt: u.LockedAt, Roles: httpx.List(u.Roles), CreatedAt: u.CreatedAt, PasswordChangedAt: u.PasswordChangedAt,
		ActivatedAt: u.ActivatedAt}
	if j.Roles == nil {
		j.Roles = []string{}
	}
	if u.LastLoginAt != nil {
		j.LastLogin = &LastLogin{Time: *u.LastLoginAt, IP: u.LastLoginIP, UserAgent: u.LastLoginAgent, Method: u.LastLoginMethod}
	}
	return j
}
