package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// Roles is the console's Roles page: the roles usable in the signed-in
// person's account, and the custom roles they create, change and
// delete. *users.Service implements it.
type Roles interface {
	Roles(ctx context.Context, accountID string) ([]users.RoleView, error)
	CreateRole(ctx context.Context, in users.RoleInput) (*users.Role, error)
	UpdateRole(ctx context.Context, id string, in users.RoleInput) (*users.Role, error)
	DeleteRole(ctx context.Context, id string) error
	// Registry lists the permissions a role may hold.
	Registry() *security.Registry
}

// TwoFactorReset removes another user's two-factor authentication (the
// users list's "Reset 2FA"). *auth.Service implements it.
type TwoFactorReset interface {
	ResetTwoFactor(ctx context.Context, userID string) error
}

// AccountTree lists the sub-accounts below an account (the users list's
// account filter and "Move"). *account.Service implements it.
type AccountTree interface {
	Current(ctx context.Context) (*account.Account, error)
	List(ctx context.Context, in account.ListInput) (*account.Page, error)
}

// SeatHolder tells whether a user holds a seat (the user card).
// *seats.Service implements it.
type SeatHolder interface {
	HoldsSeat(ctx context.Context, userID string) (bool, error)
}

// The Roles page's routes.
const (
	routeRoles      = "/console/roles"
	routeRoleNew    = "/console/roles/new"
	routeRole       = "/console/roles/{id}"
	routeRoleDelete = "/console/roles/{id}/delete"
)

// consoleRolesNotices are the success messages of the roles, teams and
// user quick-action redirects.
var consoleRolesNotices = map[string]string{
	"role_created":    "console.notice_role_created",
	"role_saved":      "console.notice_role_saved",
	"role_deleted":    "console.notice_role_deleted",
	"team_created":    "console.notice_team_created",
	"team_saved":      "console.notice_team_saved",
	"team_deleted":    "console.notice_team_deleted",
	"member_added":    "console.notice_member_added",
	"member_removed":  "console.notice_member_removed",
	"user_locked":     "console.notice_user_locked",
	"user_unlocked":   "console.notice_user_unlocked",
	"twofactor_reset": "console.notice_twofactor_reset",
	"user_moved":      "console.notice_user_moved",
	"user_deleted":    "console.notice_user_deleted",
}

func init() {
	for k, v := range consoleRolesNotices {
		notices[k] = v
	}
}

// rolesView is the Roles page's data.
type rolesView struct {
	Builtin, Custom []users.RoleView
	Manage          bool
}

// roleView is a custom role's page: its form (New role or edit) or,
// for those who may not change roles, its permissions.
type roleView struct {
	Role   *users.RoleView
	Perms  []permChoice
	Manage bool
}

// permChoice is one permission checkbox of the role form.
type permChoice struct {
	Key     string
	Desc    string
	Checked bool
}

// rolesRead are the permissions that open the Roles page.
var rolesRead = []security.Permission{security.PermRolesManage, security.PermUsersManage, security.PermUsersRead}

// rolesPage serves GET routeRoles: the built-in and host roles (read
// only) and the account's custom roles, each with its permissions.
func (h *Handler) rolesPage(rq *request) {
	list, err := h.svc.Roles.Roles(rq.ctx(), "")
	if err != nil {
		rq.refused(err)
		return
	}
	v := &rolesView{Manage: may(rq.p, security.PermRolesManage)}
	for _, r := range list {
		if r.Kind == "custom" {
			v.Custom = append(v.Custom, r)
		} else {
			v.Builtin = append(v.Builtin, r)
		}
	}
	p := rq.consolePage("console.roles_title", "roles")
	p.Data = v
	rq.render(http.StatusOK, "roles", p)
}

// customRole finds a custom role usable in the principal's account by
// ID. Another tenant's role is not listed, so it answers NotFound like an
// ID that does not exist.
func (h *Handler) customRole(rq *request, id string) (*users.RoleView, error) {
	list, err := h.svc.Roles.Roles(rq.ctx(), "")
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Kind == "custom" && list[i].Key == id {
			return &list[i], nil
		}
	}
	return nil, accountkit.Errorf(accountkit.NotFound, "role not found")
}

// permChoices are the role form's checkboxes: the permissions the person
// holds (the service refuses any other) and those the role already has.
func (h *Handler) permChoices(rq *request, checked []string) []permChoice {
	var out []permChoice
	for _, perm := range h.svc.Roles.Registry().Permissions() {
		has := slices.Contains(checked, string(perm))
		if !has && !may(rq.p, perm) {
			continue
		}
		desc := ""
		if k := "console.perm_" + string(perm); rq.tr.T(k) != k {
			desc = rq.tr.T(k)
		}
		out = append(out, permChoice{Key: string(perm), Desc: desc, Checked: has})
	}
	return out
}

// roleNewPage serves GET routeRoleNew.
func (h *Handler) roleNewPage(rq *request) {
	p := rq.consolePage("console.new_role_title", "roles")
	p.Data = &roleView{Perms: h.permChoices(rq, nil), Manage: true}
	rq.render(http.StatusOK, "role", p)
}

// rolePage serves GET routeRole: the custom role's form, or its
// permissions for those who may not change it.
func (h *Handler) rolePage(rq *request) {
	r, err := h.customRole(rq, rq.r.PathValue("id"))
	if err != nil {
		rq.refused(err)
		return
	}
	p := rq.consolePage("console.role_title", "roles")
	p.Title = r.Name + " · " + p.Title
	p.Values["name"], p.Values["description"] = r.Name, r.Description
	p.Data = &roleView{Role: r, Perms: h.permChoices(rq, r.Permissions), Manage: may(rq.p, security.PermRolesManage)}
	rq.render(http.StatusOK, "role", p)
}

// roleForm reads the role form into a RoleInput and the page (values and
// ticks), reporting false when the form itself is refused.
func (h *Handler) roleForm(rq *request, p *page, r *users.RoleView) (users.RoleInput, bool) {
	f := h.parseForm(rq.w, rq)
	in := users.RoleInput{Name: f.get("name"), Description: f.get("description"), Permissions: []string{}}
	for _, k := range []string{"name", "description"} {
		if f.fields[k] == "" {
			p.Values[k] = f.get(k)
		}
	}
	for _, perm := range rq.r.PostForm["permissions"] {
		if len(perm) <= 64 && len(in.Permissions) < 200 {
			in.Permissions = append(in.Permissions, perm)
		}
	}
	p.Data = &roleView{Role: r, Perms: h.permChoices(rq, in.Permissions), Manage: true}
	if f.bad() {
		rq.render(rq.formProblem(p, f), "role", p)
		return in, false
	}
	return in, true
}

// roleError shows a refused role change on the form: the service's
// field messages next to their fields, and a permission the person
// does not hold next to the permissions.
func (rq *request) roleError(p *page, err error) {
	status := rq.applyError(p, err)
	if status == 0 {
		rq.fail(err)
		return
	}
	if status == http.StatusForbidden && len(p.FieldErrors) == 0 {
		p.FieldErrors["permissions"] = p.Error
		p.Error = rq.tr.T("error.summary")
	}
	rq.render(status, "role", p)
}

// roleCreate serves POST routeRoleNew.
func (h *Handler) roleCreate(rq *request) {
	p := rq.consolePage("console.new_role_title", "roles")
	in, ok := h.roleForm(rq, p, nil)
	if !ok {
		return
	}
	r, err := h.svc.Roles.CreateRole(rq.ctx(), in)
	if err != nil {
		rq.roleError(p, err)
		return
	}
	rq.redirect(h.base + "/console/roles/" + r.ID + "?done=role_created")
}

// roleUpdate serves POST routeRole.
func (h *Handler) roleUpdate(rq *request) {
	r, err := h.customRole(rq, rq.r.PathValue("id"))
	if err != nil {
		rq.refused(err)
		return
	}
	p := rq.consolePage("console.role_title", "roles")
	in, ok := h.roleForm(rq, p, r)
	if !ok {
		return
	}
	if _, err := h.svc.Roles.UpdateRole(rq.ctx(), r.Key, in); err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			rq.refused(err)
			return
		}
		rq.roleError(p, err)
		return
	}
	rq.redirect(h.base + "/console/roles/" + r.Key + "?done=role_saved")
}

// roleDelete serves POST routeRoleDelete.
func (h *Handler) roleDelete(rq *request) {
	h.deleteAction(rq, routeRoles, "/console/roles/", "role_deleted", h.svc.Roles.DeleteRole)
}

// deleteAction serves the POST that deletes the item {id} with del (a
// custom role, a team): a refused form or a refusal of the service is
// shown with a link back; success leads to the list, which says done.
func (h *Handler) deleteAction(rq *request, list, itemPrefix, done string, del func(ctx context.Context, id string) error) {
	id := rq.r.PathValue("id")
	f := h.parseForm(rq.w, rq)
	if f.bad() {
		h.formRefused(rq, f, h.base+list)
		return
	}
	if err := del(rq.ctx(), id); err != nil {
		h.actionRefused(rq, err, h.base+itemPrefix+id)
		return
	}
	rq.redirect(h.base + list + "?done=" + done)
}

// formRefused answers a console action whose form was refused (CSRF,
// size, encoding) with a page that says so and links back.
func (h *Handler) formRefused(rq *request, f *form, back string) {
	p := rq.consolePage("error.form_title", "")
	text := f.problem
	if text == "" {
		text = "error.form_bad"
	}
	p.Data = messageView{Heading: "error.form_title", Text: text, Link: back, LinkText: "common.back", Tone: "error"}
	rq.render(http.StatusForbidden, "message", p)
}

// actionRefused answers a console action the service refused: NotFound
// and Forbidden as their pages, anything else with the service's message
// and a link back.
func (h *Handler) actionRefused(rq *request, err error, back string) {
	switch accountkit.ErrorCode(err) {
	case accountkit.NotFound, accountkit.Forbidden:
		rq.refused(err)
		return
	}
	p := rq.consolePage("error.form_title", "")
	status := rq.applyError(p, err)
	if status == 0 {
		rq.fail(err)
		return
	}
	if len(p.FieldErrors) > 0 {
		var msgs []string
		for _, m := range p.FieldErrors {
			msgs = append(msgs, m)
		}
		slices.Sort(msgs)
		p.Error = strings.Join(msgs, " ")
	}
	p.Data = messageView{Heading: "error.form_title", Link: back, LinkText: "common.back", Tone: "error"}
	rq.render(status, "message", p)
}
