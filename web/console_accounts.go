package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// The console's Accounts page: the signed-in person's account and the
// sub-accounts below it as a tree, search and status filter, a three-dot
// menu per account (edit, disable/enable, new user here, notifications,
// seats) and the New sub-account page. The account service decides every
// rule (who may list, create, rename, disable); the page shows its answer.

// Console routes of the Accounts page.
const (
	routeAccounts       = "/console/accounts"
	routeAccountNew     = "/console/accounts/new"
	routeAccount        = "/console/accounts/{id}"
	routeAccountDisable = "/console/accounts/{id}/disable"
	routeAccountEnable  = "/console/accounts/{id}/enable"
)

// accountsTreeCap is how many accounts below the person's the tree view
// (and the parent choice of New sub-account) reads; beyond it the page
// says so and the search, which pages, finds the others.
const accountsTreeCap = 500

// accountsPageSize is how many matches one page of a search shows.
const accountsPageSize = 50

// Accounts is the console's Accounts page: the account tree (Current and
// List, as AccountTree), one account, creating a sub-account, renaming,
// enabling and disabling. *account.Service implements it.
type Accounts interface {
	AccountTree
	Get(ctx context.Context, id string) (*account.Account, error)
	CreateSub(ctx context.Context, parentID string, in account.CreateInput) (*account.Account, error)
	Update(ctx context.Context, id string, u account.Update) (*account.Account, error)
	Enable(ctx context.Context, id string) (*account.Account, error)
	Disable(ctx context.Context, id string) (*account.Account, error)
}

// accountRow is one account as the page lists it.
type accountRow struct {
	*account.Account
	// Level is the aria-level: 1 for the person's own account.
	Level int
	// Path names the accounts between the person's own and this one
	// (shown when filtering, so the tree stays readable).
	Path []string
	// Own is the person's own account.
	Own bool
}

// accountsView is the Accounts page's data.
type accountsView struct {
	Rows []accountRow
	// Q and Status are the filter; Filtered is true when one is set.
	Q, Status string
	Filtered  bool
	// Truncated: the tree has more accounts than accountsTreeCap.
	Truncated bool
	Cap       int
	// Next and First are the search's pager links ("" when none).
	Next, First string
	// Here is the list's path and query, where the menu's actions come back.
	Here string
	// Seats and Notifications: those pages exist (the menu links them).
	Seats, Notifications bool
}

// accountEditView is the edit and New sub-account pages' data.
type accountEditView struct {
	Account *account.Account
	// Parents are the accounts a sub-account may be created below.
	Parents []accountRow
	Parent  string
}

// accountsRoutes registers the Accounts page's routes (consoleRoutes
// calls it).
func (h *Handler) accountsRoutes(c func(fn func(rq *request)) http.HandlerFunc) {
	get := func(p string, fn http.HandlerFunc) { h.mux.HandleFunc("GET "+h.base+p, fn) }
	post := func(p string, fn http.HandlerFunc) { h.mux.HandleFunc("POST "+h.base+p, fn) }
	get(routeAccounts, c(h.accountsPage))
	get(routeAccountNew, c(h.accountNewPage))
	post(routeAccountNew, c(h.accountCreate))
	get(routeAccount, c(h.accountEditPage))
	post(routeAccount, c(h.accountSave))
	post(routeAccountDisable, c(h.accountStatus(false)))
	post(routeAccountEnable, c(h.accountStatus(true)))
}

// accountTree reads the person's account and up to accountsTreeCap
// accounts below it, in tree order (each account followed by its
// sub-accounts, siblings by slug as the service orders them).
func (h *Handler) accountTree(rq *request) (rows []accountRow, truncated bool, err error) {
	own, err := h.svc.Accounts.Current(rq.ctx())
	if err != nil {
		return nil, false, err
	}
	var below []*account.Account
	cursor := ""
	for {
		page, err := h.svc.Accounts.List(rq.ctx(), account.ListInput{ParentID: own.ID, Descendants: true, Cursor: cursor, Limit: 100})
		if err != nil {
			return nil, false, err
		}
		below = append(below, page.Accounts...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
		if len(below) >= accountsTreeCap {
			truncated = true
			break
		}
	}
	if len(below) > accountsTreeCap {
		below, truncated = below[:accountsTreeCap], true
	}
	children := map[string][]*account.Account{}
	for _, a := range below {
		children[a.ParentID] = append(children[a.ParentID], a)
	}
	seen := map[string]bool{}
	var walk func(a *account.Account)
	walk = func(a *account.Account) {
		seen[a.ID] = true
		rows = append(rows, accountRow{Account: a, Level: a.Depth() - own.Depth() + 1, Own: a.ID == own.ID})
		for _, c := range children[a.ID] {
			walk(c)
		}
	}
	walk(own)
	// With a truncated read an account's parent may be missing: it is
	// still listed, at its depth, after the tree.
	for _, a := range below {
		if !seen[a.ID] {
			rows = append(rows, accountRow{Account: a, Level: a.Depth() - own.Depth() + 1})
		}
	}
	return rows, truncated, nil
}

// accountsFilter reads the list's filter from the query.
func accountsFilter(r *http.Request) (q, status, cursor string) {
	qv := r.URL.Query()
	q = strings.TrimSpace(qv.Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	status = qv.Get("status")
	if status != "" && status != string(account.StatusEnabled) && status != string(account.StatusDisabled) {
		status = "" // the select offers only these; anything else shows all
	}
	return q, status, clipToken(qv.Get("cursor"))
}

// accountsData fills the list: the whole tree, or with a filter one page
// of the service's matches, each with the path down to it.
func (h *Handler) accountsData(rq *request, p *page) bool {
	q, status, cursor := accountsFilter(rq.r)
	v := &accountsView{Q: q, Status: status, Filtered: q != "" || status != "", Cap: accountsTreeCap,
		Here:          withQuery(h.base+routeAccounts, "q", q, "status", status, "cursor", cursor),
		Seats:         h.svc.Seats != nil,
		Notifications: h.svc.ManagedNotifications != nil}
	var err error
	if !v.Filtered {
		if v.Rows, v.Truncated, err = h.accountTree(rq); err != nil {
			rq.refused(err)
			return false
		}
		p.Data = v
		return true
	}
	own, err := h.svc.Accounts.Current(rq.ctx())
	if err != nil {
		rq.refused(err)
		return false
	}
	page, err := h.svc.Accounts.List(rq.ctx(), account.ListInput{ParentID: own.ID, Descendants: true, Search: q, Status: status,
		Cursor: cursor, Limit: accountsPageSize})
	if accountkit.ErrorCode(err) == accountkit.Invalid {
		// A bad cursor or search: say so, and show nothing rather than guess.
		rq.applyError(p, err)
		p.Data = v
		return true
	}
	if err != nil {
		rq.refused(err)
		return false
	}
	names := map[string]string{own.ID: own.Name}
	for _, a := range page.Accounts {
		names[a.ID] = a.Name
	}
	for _, a := range page.Accounts {
		row := accountRow{Account: a, Level: a.Depth() - own.Depth() + 1}
		start := slices.Index(a.Ancestry, own.ID)
		if start < 0 {
			start = len(a.Ancestry) - 1 // not below own: the service would not list it
		}
		for _, id := range a.Ancestry[start+1 : max(start+1, len(a.Ancestry)-1)] {
			name, ok := names[id]
			if !ok {
				anc, err := h.svc.Accounts.Get(rq.ctx(), id)
				if err != nil {
					rq.refused(err)
					return false
				}
				name, names[id] = anc.Name, anc.Name
			}
			row.Path = append(row.Path, name)
		}
		row.Path = append([]string{own.Name}, row.Path...)
		v.Rows = append(v.Rows, row)
	}
	if page.NextCursor != "" {
		v.Next = withQuery(h.base+routeAccounts, "q", q, "status", status, "cursor", page.NextCursor)
	}
	if cursor != "" {
		v.First = withQuery(h.base+routeAccounts, "q", q, "status", status)
	}
	p.Data = v
	return true
}

// accountsNotices are the list's success messages (?done=).
var accountsNotices = map[string]string{"account_created": "conacc.created", "account_saved": "conacc.saved",
	"account_disabled": "conacc.disabled_done", "account_enabled": "conacc.enabled_done"}

// accountsPage serves GET routeAccounts.
func (h *Handler) accountsPage(rq *request) {
	p := rq.consolePage("conacc.title", "accounts")
	if k, ok := accountsNotices[rq.r.URL.Query().Get("done")]; ok {
		p.Notice = rq.tr.T(k)
	}
	if h.accountsData(rq, p) {
		rq.render(http.StatusOK, "console_accounts", p)
	}
}

// accountStatus serves POST routeAccountDisable and routeAccountEnable.
// The service refuses what is not allowed (an account outside the
// person's subtree is not found; the own account and a main account
// change status only from above); the refusal is shown on the list.
func (h *Handler) accountStatus(enable bool) func(rq *request) {
	return func(rq *request) {
		f := h.parseForm(rq.w, rq)
		id := rq.r.PathValue("id")
		back := h.safeReturn(f.get("return_to"))
		if back == "" || !strings.HasPrefix(back, h.base+routeAccounts) {
			back = h.base + routeAccounts
		}
		p := rq.consolePage("conacc.title", "accounts")
		if f.bad() {
			status := rq.formProblem(p, f)
			if h.accountsData(rq, p) {
				rq.render(status, "console_accounts", p)
			}
			return
		}
		var err error
		done := "account_enabled"
		if enable {
			_, err = h.svc.Accounts.Enable(rq.ctx(), id)
		} else {
			_, err = h.svc.Accounts.Disable(rq.ctx(), id)
			done = "account_disabled"
		}
		if err != nil {
			if accountkit.ErrorCode(err) == accountkit.NotFound {
				rq.refused(err)
				return
			}
			status := rq.applyError(p, err)
			if status == 0 {
				rq.fail(err)
				return
			}
			if h.accountsData(rq, p) {
				rq.render(status, "console_accounts", p)
			}
			return
		}
		sep := "?"
		if strings.Contains(back, "?") {
			sep = "&"
		}
		rq.redirect(back + sep + "done=" + done)
	}
}

// accountEditPage serves GET routeAccount: the account's name.
func (h *Handler) accountEditPage(rq *request) {
	a, err := h.svc.Accounts.Get(rq.ctx(), rq.r.PathValue("id"))
	if err != nil {
		rq.refused(err)
		return
	}
	p := rq.consolePage("conacc.edit_title", "accounts")
	p.Values["name"] = a.Name
	p.Data = &accountEditView{Account: a}
	rq.render(http.StatusOK, "console_account", p)
}

// accountSave serves POST routeAccount: the new name, sent to the
// service, whose refusal is shown on the field.
func (h *Handler) accountSave(rq *request) {
	f := h.parseForm(rq.w, rq)
	a, err := h.svc.Accounts.Get(rq.ctx(), rq.r.PathValue("id"))
	if err != nil {
		rq.refused(err)
		return
	}
	p := rq.consolePage("conacc.edit_title", "accounts")
	p.Data = &accountEditView{Account: a}
	if f.fields["name"] == "" {
		p.Values["name"] = f.get("name")
	}
	if f.bad() {
		rq.render(rq.formProblem(p, f), "console_account", p)
		return
	}
	name := f.get("name")
	if _, err := h.svc.Accounts.Update(rq.ctx(), a.ID, account.Update{Name: &name}); err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			rq.refused(err)
			return
		}
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		rq.render(status, "console_account", p)
		return
	}
	rq.redirect(h.base + routeAccounts + "?done=account_saved")
}

// accountNewForm fills the New sub-account page: the accounts of the
// tree a sub-account may be created below.
func (h *Handler) accountNewForm(rq *request, p *page, parent string) bool {
	rows, _, err := h.accountTree(rq)
	if err != nil {
		rq.refused(err)
		return false
	}
	if parent == "" && len(rows) > 0 {
		parent = rows[0].ID
	}
	p.Data = &accountEditView{Parents: rows, Parent: parent}
	return true
}

// accountNewPage serves GET routeAccountNew (?parent= preselects one).
func (h *Handler) accountNewPage(rq *request) {
	p := rq.consolePage("conacc.new_title", "accounts")
	if h.accountNewForm(rq, p, clipID(rq.r.URL.Query().Get("parent"))) {
		rq.render(http.StatusOK, "console_account_new", p)
	}
}

// accountCreate serves POST routeAccountNew: the service creates the
// sub-account below the chosen parent (which it checks is in the
// person's subtree) or says which field is wrong.
func (h *Handler) accountCreate(rq *request) {
	f := h.parseForm(rq.w, rq)
	p := rq.consolePage("conacc.new_title", "accounts")
	parent := clipID(f.get("parent"))
	for _, k := range []string{"name", "slug"} {
		if f.fields[k] == "" {
			p.Values[k] = f.get(k)
		}
	}
	if f.bad() {
		if h.accountNewForm(rq, p, parent) {
			rq.render(rq.formProblem(p, f), "console_account_new", p)
		}
		return
	}
	_, err := h.svc.Accounts.CreateSub(rq.ctx(), parent, account.CreateInput{Name: f.get("name"), Slug: strings.TrimSpace(f.get("slug"))})
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			rq.refused(err) // another tenant's parent answers like a random ID
			return
		}
		status := rq.applyError(p, err)
		if status == 0 {
			rq.fail(err)
			return
		}
		if status == http.StatusTooManyRequests {
			status = http.StatusUnprocessableEntity // too deep: not a rate limit
		}
		if h.accountNewForm(rq, p, parent) {
			rq.render(status, "console_account_new", p)
		}
		return
	}
	rq.redirect(h.base + routeAccounts + "?done=account_created")
}

// userAccount is the account named by ?account= (GET) or the hidden
// "account" field (POST) of the New user page: nil for the person's own
// account. An account outside the person's subtree, of another tenant or
// random, is not found (the service answers NotFound for all of them).
func (h *Handler) userAccount(rq *request, id string) (*account.Account, error) {
	id = clipID(id)
	if id == "" {
		return nil, nil
	}
	if h.svc.Accounts == nil {
		return nil, accountkit.Errorf(accountkit.NotFound, "account not found")
	}
	return h.svc.Accounts.Get(rq.ctx(), id)
}

// choicesIn lists the roles and teams usable in an account of the tree
// (the New user page of a sub-account).
func (h *Handler) choicesIn(rq *request, accountID string) ([]users.RoleView, []*teams.Team, error) {
	roles, err := h.svc.Users.Roles(rq.ctx(), accountID)
	if err != nil {
		return nil, nil, err
	}
	tp, err := h.svc.Teams.List(rq.ctx(), teams.ListInput{AccountID: accountID, Limit: 100})
	if err != nil {
		return nil, nil, err
	}
	return roles, tp.Teams, nil
}

// PathText is the path to the account, "Acme › Sales".
func (r accountRow) PathText() string { return strings.Join(r.Path, " › ") }

// Indent shows the account's depth in a select's option (which cannot
// be styled): two spaces and a dash per level below the person's.
func (r accountRow) Indent() string {
	if r.Level <= 1 {
		return ""
	}
	return strings.Repeat("\u00a0\u00a0", r.Level-2) + "— "
}
