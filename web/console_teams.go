package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/teams"
	"github.com/accountkit/accountkit/users"
)

// The Teams page's routes.
const (
	routeTeams             = "/console/teams"
	routeTeamNew           = "/console/teams/new"
	routeTeam              = "/console/teams/{id}"
	routeTeamDelete        = "/console/teams/{id}/delete"
	routeTeamMembers       = "/console/teams/{id}/members"
	routeTeamMembersRemove = "/console/teams/{id}/members/remove"
)

// teamsRead are the permissions that open the Teams page.
var teamsRead = []security.Permission{security.PermTeamsManage, security.PermUsersRead}

// teamsView is the Teams page's data.
type teamsView struct {
	Teams  []*teams.Team
	Q      string
	Manage bool
	Next   string
	Roles  []users.RoleView
}

// RoleName is a role's name from its key.
func (v *teamsView) RoleName(key string) string { return roleName(v.Roles, key) }

// teamsPage serves GET routeTeams: the account's teams with their member
// counts, roles and source.
func (h *Handler) teamsPage(rq *request) {
	q := rq.r.URL.Query()
	v := &teamsView{Q: clipText(q.Get("q"), 100), Manage: may(rq.p, security.PermTeamsManage)}
	page, err := h.svc.Teams.List(rq.ctx(), teams.ListInput{Search: v.Q, Cursor: clipToken(q.Get("cursor")), Limit: 50})
	p := rq.consolePage("console.teams_title", "teams")
	status := http.StatusOK
	if accountkit.ErrorCode(err) == accountkit.Invalid {
		status = rq.applyError(p, err)
		page, err = &teams.Page{}, nil
	}
	if err != nil {
		rq.refused(err)
		return
	}
	if v.Roles, err = h.svc.Users.Roles(rq.ctx(), ""); err != nil {
		rq.refused(err)
		return
	}
	v.Teams = page.Teams
	if page.NextCursor != "" {
		v.Next = withQuery(h.base+routeTeams, "q", v.Q, "cursor", page.NextCursor)
	}
	p.Data = v
	rq.render(status, "teams", p)
}

// teamView is a team's page: its settings form (or the New team form),
// its members and the users that may be added.
type teamView struct {
	Team    *teams.Team
	Roles   []users.RoleView
	Checked map[string]bool
	Members []*users.User
	// MoreMembers is the link to the next page of members.
	MoreMembers string
	// Find is the member search; Found the users it found who are not
	// members yet.
	Find   string
	Found  []*users.User
	Manage bool
}

// SSO reports whether the identity provider manages the members.
func (v *teamView) SSO() bool { return v.Team != nil && v.Team.Source == teams.SourceSSO }

// RoleName is a role's name from its key.
func (v *teamView) RoleName(key string) string { return roleName(v.Roles, key) }

// teamNewPage serves GET routeTeamNew.
func (h *Handler) teamNewPage(rq *request) {
	p := rq.consolePage("console.new_team_title", "teams")
	roles, err := h.svc.Users.Roles(rq.ctx(), "")
	if err != nil {
		rq.refused(err)
		return
	}
	p.Data = &teamView{Roles: roles, Checked: map[string]bool{}, Manage: true}
	rq.render(http.StatusOK, "team", p)
}

// teamData fills a team's page: roles, members (one page), and the
// users the member search finds.
func (h *Handler) teamData(rq *request, p *page, t *teams.Team, checked map[string]bool) bool {
	v := &teamView{Team: t, Checked: checked, Manage: may(rq.p, security.PermTeamsManage)}
	var err error
	if v.Roles, err = h.svc.Users.Roles(rq.ctx(), t.AccountID); err != nil {
		rq.refused(err)
		return false
	}
	q := rq.r.URL.Query()
	cursor := clipToken(q.Get("cursor"))
	mp, err := h.svc.Teams.Members(rq.ctx(), t.ID, teams.MembersInput{Cursor: cursor, Limit: 50})
	if accountkit.ErrorCode(err) == accountkit.Invalid { // a bad cursor: the first page
		mp, err = h.svc.Teams.Members(rq.ctx(), t.ID, teams.MembersInput{Limit: 50})
	}
	if err != nil {
		rq.refused(err)
		return false
	}
	v.Members = mp.Users
	if mp.NextCursor != "" {
		v.MoreMembers = withQuery(h.base+"/console/teams/"+t.ID, "cursor", mp.NextCursor)
	}
	if v.Manage && t.Source == teams.SourceManual && may(rq.p, security.PermUsersRead, security.PermUsersManage) {
		v.Find = clipText(q.Get("find"), 100)
		found, err := h.svc.Users.List(rq.ctx(), users.ListInput{AccountID: t.AccountID, Search: v.Find, Limit: 20})
		if err != nil && accountkit.ErrorCode(err) != accountkit.Invalid {
			rq.refused(err)
			return false
		}
		if err == nil {
			for _, u := range found.Users {
				if !slices.ContainsFunc(found.Teams[u.ID], func(r users.TeamRef) bool { return r.ID == t.ID }) {
					v.Found = append(v.Found, u)
				}
			}
		}
	}
	if checked == nil {
		v.Checked = map[string]bool{}
		for _, r := range t.Roles {
			v.Checked[r] = true
		}
	}
	p.Data = v
	return true
}

// teamPage serves GET routeTeam. Another tenant's team answers the
// not-found page, like an ID that does not exist.
func (h *Handler) teamPage(rq *request) {
	t, err := h.svc.Teams.Get(rq.ctx(), rq.r.PathValue("id"))
	if err != nil {
		rq.refused(err)
		return
	}
	p := rq.consolePage("console.team_title", "teams")
	p.Title = t.Name + " · " + p.Title
	p.Values["name"], p.Values["description"] = t.Name, t.Description
	if h.teamData(rq, p, t, nil) {
		rq.render(http.StatusOK, "team", p)
	}
}

// teamForm reads the team form: name, description and roles.
func teamForm(rq *request, p *page, f *form) (name, desc string, roles []string, checked map[string]bool) {
	for _, k := range []string{"name", "description"} {
		if f.fields[k] == "" {
			p.Values[k] = f.get(k)
		}
	}
	roles, checked = []string{}, map[string]bool{}
	for _, key := range rq.r.PostForm["roles"] {
		if len(key) <= 64 && len(roles) < 50 {
			roles = append(roles, key)
			checked[key] = true
		}
	}
	return strings.TrimSpace(f.get("name")), f.get("description"), roles, checked
}

// teamCreate serves POST routeTeamNew.
func (h *Handler) teamCreate(rq *request) {
	f := h.parseForm(rq.w, rq)
	p := rq.consolePage("console.new_team_title", "teams")
	name, desc, roles, checked := teamForm(rq, p, f)
	all, err := h.svc.Users.Roles(rq.ctx(), "")
	if err != nil {
		rq.refused(err)
		return
	}
	p.Data = &teamView{Roles: all, Checked: checked, Manage: true}
	if f.bad() {
		rq.render(rq.formProblem(p, f), "team", p)
		return
	}
	t, err := h.svc.Teams.Create(rq.ctx(), teams.CreateInput{Name: name, Description: desc, Roles: roles})
	if err != nil {
		h.teamError(rq, p, err)
		return
	}
	rq.redirect(h.base + "/console/teams/" + t.ID + "?done=team_created")
}

// teamError shows a refused team change on the form; a role the person
// may not grant is shown next to the roles.
func (h *Handler) teamError(rq *request, p *page, err error) {
	if accountkit.ErrorCode(err) == accountkit.NotFound {
		rq.refused(err)
		return
	}
	status := rq.applyError(p, err)
	if status == 0 {
		rq.fail(err)
		return
	}
	if status == http.StatusForbidden && len(p.FieldErrors) == 0 {
		p.FieldErrors["roles"] = p.Error
		p.Error = rq.tr.T("error.summary")
	}
	rq.render(status, "team", p)
}

// teamUpdate serves POST routeTeam: name, description and roles.
func (h *Handler) teamUpdate(rq *request) {
	t, err := h.svc.Teams.Get(rq.ctx(), rq.r.PathValue("id"))
	if err != nil {
		rq.refused(err)
		return
	}
	f := h.parseForm(rq.w, rq)
	p := rq.consolePage("console.team_title", "teams")
	name, desc, roles, checked := teamForm(rq, p, f)
	if !h.teamData(rq, p, t, checked) {
		return
	}
	if f.bad() {
		rq.render(rq.formProblem(p, f), "team", p)
		return
	}
	if _, err := h.svc.Teams.Update(rq.ctx(), t.ID, teams.Update{Name: &name, Description: &desc, Roles: &roles}); err != nil {
		h.teamError(rq, p, err)
		return
	}
	rq.redirect(h.base + "/console/teams/" + t.ID + "?done=team_saved")
}

// teamDelete serves POST routeTeamDelete.
func (h *Handler) teamDelete(rq *request) {
	h.deleteAction(rq, routeTeams, "/console/teams/", "team_deleted", h.svc.Teams.Delete)
}

// teamMembers serves POST routeTeamMembers (add) and
// routeTeamMembersRemove: one user per form.
func (h *Handler) teamMembers(add bool) func(rq *request) {
	return func(rq *request) {
		id := rq.r.PathValue("id")
		back := h.base + "/console/teams/" + id
		f := h.parseForm(rq.w, rq)
		if f.bad() {
			h.formRefused(rq, f, back)
			return
		}
		ids := []string{f.get("user_id")}
		var err error
		done := "member_added"
		if add {
			_, err = h.svc.Teams.AddMembers(rq.ctx(), id, ids)
		} else {
			_, err = h.svc.Teams.RemoveMembers(rq.ctx(), id, ids)
			done = "member_removed"
		}
		if err != nil {
			h.actionRefused(rq, err, back)
			return
		}
		rq.redirect(back + "?done=" + done)
	}
}

// clipText trims s and cuts it to at most n bytes (on a rune boundary).
func clipText(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
