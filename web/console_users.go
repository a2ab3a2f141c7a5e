package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// usersPageSize is how many users one page of the list shows.
const usersPageSize = 25

// userRow is one user as the console lists it.
type userRow struct {
	*users.User
	Teams []users.TeamRef
}

// usersView is the Users & Teams page's data.
type usersView struct {
	Rows   []userRow
	Filter usersFilter
	Roles  []users.RoleView
	Teams  []*teams.Team
	Manage bool
	// Next and First are the pager's links ("" when there is none).
	Next, First string
	// ExportCSV and ExportJSON download the filtered list.
	ExportCSV, ExportJSON string
	// Here is the list's path and query, where quick actions come back.
	Here string
	// Accounts are the accounts of the tree the person may list (empty
	// without AccountTree or accounts.manage).
	Accounts []accountChoice
	// Can says which quick actions the person may use.
	Can quickActions
}

// usersFilter is the list's search, filters and order, from the query.
type usersFilter struct {
	Q, Status, Role, Team, Cursor string
	// Account is an account of the tree ("" the person's own); Sub
	// includes its sub-accounts.
	Account string
	Sub     bool
	// Locked is "", "yes" or "no"; Inactive a number of days ("" any).
	Locked, Inactive string
	// SignIn is "", "never" (never signed in) or "ever" (signed in at
	// least once).
	SignIn string
	// Sort is one of the orders of users.ListInput.Sort ("" username).
	Sort string
}

func (f usersFilter) query(path string, extra ...string) string {
	sub := ""
	if f.Sub {
		sub = "1"
	}
	return withQuery(path, append([]string{"q", f.Q, "status", f.Status, "role", f.Role, "team", f.Team,
		"account", f.Account, "sub", sub, "locked", f.Locked, "inactive", f.Inactive, "signin", f.SignIn, "sort", f.Sort}, extra...)...)
}

func (f usersFilter) input() users.ListInput {
	in := users.ListInput{Search: f.Q, Status: f.Status, Role: f.Role, Team: f.Team, Cursor: f.Cursor, Limit: usersPageSize,
		AccountID: f.Account, IncludeSubaccounts: f.Sub, Sort: f.Sort}
	switch f.Locked {
	case "yes":
		in.Locked = ptrBool(true)
	case "no":
		in.Locked = ptrBool(false)
	}
	switch f.SignIn {
	case "never":
		in.NeverSignedIn = ptrBool(true)
	case "ever":
		in.NeverSignedIn = ptrBool(false)
	}
	if f.Inactive != "" {
		in.InactiveDays = -1 // refused by the service unless it parses
		if n, err := strconv.Atoi(f.Inactive); err == nil {
			in.InactiveDays = n
		}
	}
	return in
}

func ptrBool(b bool) *bool { return &b }

func usersFilterOf(r *http.Request) usersFilter {
	q := r.URL.Query()
	clip := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) > 200 {
			return s[:200]
		}
		return s
	}
	f := usersFilter{Q: clip(q.Get("q")), Status: clip(q.Get("status")), Role: clip(q.Get("role")), Team: clip(q.Get("team")),
		Cursor: clipToken(q.Get("cursor")), Account: clip(q.Get("account")), Sub: q.Get("sub") == "1",
		Locked: clip(q.Get("locked")), Inactive: clip(q.Get("inactive")), SignIn: clip(q.Get("signin")), Sort: clip(q.Get("sort"))}
	if f.Locked != "yes" && f.Locked != "no" {
		f.Locked = ""
	}
	if f.SignIn != "never" && f.SignIn != "ever" {
		f.SignIn = ""
	}
	return f
}

// choices loads the roles and teams the filters and the New user form
// offer.
func (h *Handler) choices(rq *request) ([]users.RoleView, []*teams.Team, error) {
	roles, err := h.svc.Users.Roles(rq.ctx(), "")
	if err != nil {
		return nil, nil, err
	}
	tp, err := h.svc.Teams.List(rq.ctx(), teams.ListInput{Limit: 100})
	if err != nil {
		return nil, nil, err
	}
	return roles, tp.Teams, nil
}

// usersPage serves GET routeUsers: the users list with search, filters
// and pager.
func (h *Handler) usersPage(rq *request) {
	p := rq.consolePage("console.users_title", "users")
	f := usersFilterOf(rq.r)
	v := &usersView{Filter: f, Manage: may(rq.p, security.PermUsersManage), Can: h.quickActions(rq)}
	var err error
	if v.Roles, v.Teams, err = h.choices(rq); err != nil {
		rq.refused(err)
		return
	}
	if v.Accounts, err = h.accountChoices(rq); err != nil {
		rq.refused(err)
		return
	}
	status := http.StatusOK
	page, err := h.svc.Users.List(rq.ctx(), f.input())
	if accountkit.ErrorCode(err) == accountkit.Invalid {
		// A bad filter: say which, and show nothing rather than guess.
		status = rq.applyError(p, err)
		page, err = &users.Page{}, nil
	}
	if err != nil {
		rq.refused(err)
		return
	}
	for _, u := range page.Users {
		v.Rows = append(v.Rows, userRow{User: u, Teams: page.Teams[u.ID]})
	}
	base := h.base + routeUsers
	if page.NextCursor != "" {
		v.Next = f.query(base, "cursor", page.NextCursor)
	}
	if f.Cursor != "" {
		v.First = f.query(base)
	}
	v.Here = f.query(base, "cursor", f.Cursor)
	v.ExportCSV = f.query(h.base+routeUsersExport, "format", "csv")
	v.ExportJSON = f.query(h.base+routeUsersExport, "format", "json")
	p.Data = v
	rq.render(status, "users", p)
}

// usersExport serves GET routeUsersExport: the filtered list as CSV or
// JSON, streamed by the service (which audits the download).
func (h *Handler) usersExport(rq *request) {
	f := usersFilterOf(rq.r)
	f.Cursor = ""
	format := users.ExportFormat(rq.r.URL.Query().Get("format"))
	if format != users.ExportJSON {
		format = users.ExportCSV
	}
	w := rq.w
	ct := "text/csv; charset=utf-8"
	if format == users.ExportJSON {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="users.`+string(format)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	sw := &startedWriter{w: w}
	if err := h.svc.Users.Export(rq.ctx(), f.input(), format, sw); err != nil {
		if !sw.started {
			w.Header().Del("Content-Disposition")
			rq.refused(err)
			return
		}
		h.logger.ErrorContext(rq.ctx(), "web: users export failed mid-stream", "err", err)
	}
}

// startedWriter tells whether anything was written yet, so a failure
// before the first byte still gets an error page.
type startedWriter struct {
	w       http.ResponseWriter
	started bool
}

func (s *startedWriter) Write(b []byte) (int, error) {
	s.started = true
	return s.w.Write(b)
}

// userView is the user detail card's data.
type userView struct {
	*users.User
	Teams []users.TeamRef
	// AllRoles names the role keys (custom roles are keyed by ID).
	AllRoles []users.RoleView
	Manage   bool
	Here     string
	Can      quickActions
	// Seat is "yes" or "no" when the person may see it, else "".
	Seat string
}

// userPage serves GET routeUser: the detail card. Another tenant's user
// answers the not-found page, like an ID that does not exist.
func (h *Handler) userPage(rq *request) {
	id := rq.r.PathValue("id")
	u, err := h.svc.Users.Get(rq.ctx(), id)
	if err != nil {
		rq.refused(err)
		return
	}
	ts, err := h.svc.Users.Teams(rq.ctx(), u.ID)
	if err != nil {
		rq.refused(err)
		return
	}
	roles, err := h.svc.Users.Roles(rq.ctx(), u.AccountID)
	if err != nil {
		rq.refused(err)
		return
	}
	p := rq.consolePage("console.user_title", "users")
	p.Title = u.DisplayName() + " · " + p.Title
	seat, err := h.seatOf(rq, u.ID)
	if err != nil {
		rq.refused(err)
		return
	}
	p.Data = &userView{User: u, Teams: ts, AllRoles: roles, Manage: may(rq.p, security.PermUsersManage), Here: h.base + "/console/users/" + u.ID,
		Can: h.quickActions(rq), Seat: seat}
	rq.render(http.StatusOK, "user", p)
}

// newUserView is the New user form's data.
type newUserView struct {
	Roles []users.RoleView
	Teams []*teams.Team
	// Checked are the roles and team IDs ticked.
	Checked map[string]bool
	// Account is the sub-account the user is created in (?account=;
	// nil: the person's own account).
	Account *account.Account
}

func (h *Handler) newUserForm(rq *request, p *page, checked map[string]bool, accountID string) bool {
	acc, err := h.userAccount(rq, accountID)
	if err != nil {
		rq.refused(err)
		return false
	}
	var roles []users.RoleView
	var ts []*teams.Team
	if acc == nil {
		roles, ts, err = h.choices(rq)
	} else { // the roles and teams usable in that account
		roles, ts, err = h.choicesIn(rq, acc.ID)
	}
	if err != nil {
		rq.refused(err)
		return false
	}
	var manual []*teams.Team
	for _, t := range ts {
		if t.Source == teams.SourceManual {
			manual = append(manual, t)
		}
	}
	p.Data = &newUserView{Roles: roles, Teams: manual, Checked: checked, Account: acc}
	return true
}

// userNewPage serves GET routeUserNew.
func (h *Handler) userNewPage(rq *request) {
	p := rq.consolePage("console.new_user_title", "users")
	if h.newUserForm(rq, p, map[string]bool{"role:" + security.RoleMember: true}, rq.r.URL.Query().Get("account")) {
		rq.render(http.StatusOK, "usernew", p)
	}
}

// userCreate serves POST routeUserNew: the user is created invited and
// the service emails the invitation.
func (h *Handler) userCreate(rq *request) {
	f := h.parseForm(rq.w, rq)
	p := rq.consolePage("console.new_user_title", "users")
	in := users.CreateInput{Username: strings.TrimSpace(f.get("username")), FirstName: strings.TrimSpace(f.get("first_name")),
		LastName: strings.TrimSpace(f.get("last_name")), Email: strings.TrimSpace(f.get("email")),
		Phone: strings.TrimSpace(f.get("phone"))}
	checked := map[string]bool{}
	for _, k := range []string{"username", "first_name", "last_name", "email", "phone"} {
		if f.fields[k] == "" {
			p.Values[k] = f.get(k)
		}
	}
	for _, key := range rq.r.PostForm["roles"] {
		if len(key) <= 64 && len(in.Roles) < 50 {
			in.Roles = append(in.Roles, key)
			checked["role:"+key] = true
		}
	}
	for _, id := range rq.r.PostForm["teams"] {
		if accountkit.ValidID(id) && len(in.Teams) < 100 {
			in.Teams = append(in.Teams, id)
			checked["team:"+id] = true
		}
	}
	if !h.newUserForm(rq, p, checked, f.get("account")) {
		return
	}
	if v := p.Data.(*newUserView); v.Account != nil {
		in.AccountID = v.Account.ID
	}
	if f.bad() {
		rq.render(rq.formProblem(p, f), "usernew", p)
		return
	}
	u, err := h.svc.Users.Create(rq.ctx(), in)
	if err != nil && u == nil {
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		rq.render(status, "usernew", p)
		return
	}
	done := "user_invited"
	if err != nil { // created, but the invitation email failed: resend later
		done = "user_created_unsent"
	}
	rq.redirect(h.base + "/console/users/" + u.ID + "?done=" + done)
}

// userAction serves the quick actions (POST routeUserDisable,
// routeUserEnable, routeUserInvitation); the browser comes back to the
// page it acted from.
func (h *Handler) userAction(action string) func(rq *request) {
	return func(rq *request) {
		f := h.parseForm(rq.w, rq)
		id := rq.r.PathValue("id")
		back := h.safeReturn(f.get("return_to"))
		if back == "" || !strings.HasPrefix(back, h.base+routeUsers) {
			back = h.base + "/console/users/" + id
		}
		if f.bad() {
			p := rq.consolePage("console.users_title", "users")
			p.Data = messageView{Heading: "error.form_title", Text: f.problem, Link: back, LinkText: "common.back", Tone: "error"}
			if f.problem == "" {
				p.Data = messageView{Heading: "error.form_title", Text: "error.form_bad", Link: back, LinkText: "common.back", Tone: "error"}
			}
			rq.render(http.StatusForbidden, "message", p)
			return
		}
		var err error
		done := ""
		switch action {
		case "disable":
			_, err = h.svc.Users.Disable(rq.ctx(), id)
			done = "user_disabled"
		case "enable":
			_, err = h.svc.Users.Enable(rq.ctx(), id)
			done = "user_enabled"
		case "invitation":
			err = h.svc.Users.ResendInvitation(rq.ctx(), id)
			done = "invitation_sent"
		case "lock":
			_, err = h.svc.Users.Lock(rq.ctx(), id)
			done = "user_locked"
		case "unlock":
			_, err = h.svc.Users.Unlock(rq.ctx(), id)
			done = "user_unlocked"
		case "reset2fa":
			err = h.svc.TwoFactorReset.ResetTwoFactor(rq.ctx(), id)
			done = "twofactor_reset"
		}
		if err != nil {
			if accountkit.ErrorCode(err) == accountkit.NotFound || accountkit.ErrorCode(err) == accountkit.Forbidden {
				rq.refused(err)
				return
			}
			p := rq.consolePage("console.users_title", "users")
			if rq.applyError(p, err) == 0 {
				rq.fail(err)
				return
			}
			p.Data = messageView{Heading: "error.form_title", Link: back, LinkText: "common.back", Tone: "error"}
			rq.render(http.StatusConflict, "message", p)
			return
		}
		sep := "?"
		if strings.Contains(back, "?") {
			sep = "&"
		}
		rq.redirect(back + sep + "done=" + done)
	}
}

// RoleName is a role's name from its key (custom roles are keyed by ID).
func (v *userView) RoleName(key string) string { return roleName(v.AllRoles, key) }

// RoleName is a role's name from its key.
func (v *usersView) RoleName(key string) string { return roleName(v.Roles, key) }

func roleName(roles []users.RoleView, key string) string {
	if i := slices.IndexFunc(roles, func(r users.RoleView) bool { return r.Key == key }); i >= 0 {
		return roles[i].Name
	}
	return key
}
