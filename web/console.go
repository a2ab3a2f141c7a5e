package web

import (
	"net/http"
	"net/url"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/security"
)

// The console: the account's administration pages under routeConsole.
// Each page is listed in the navigation only for those whose permissions
// allow it, and refused with the 403 page to anyone else; the services
// check the permissions again (the pages never decide alone).
const (
	routeConsole        = "/console"
	routeUsers          = "/console/users"
	routeUsersExport    = "/console/users/export"
	routeUserNew        = "/console/users/new"
	routeUser           = "/console/users/{id}"
	routeUserDisable    = "/console/users/{id}/disable"
	routeUserEnable     = "/console/users/{id}/enable"
	routeUserInvitation = "/console/users/{id}/invitation"
	routeAPIKeys        = "/console/api-keys"
	routeAPIKeyRevoke   = "/console/api-keys/{id}/revoke"
	routeAudit          = "/console/audit"
	routeAuditExport    = "/console/audit/export"
	routeAuditVerify    = "/console/audit/verify"
)

// consolePage is one page of the console navigation: its nav key, path,
// label, and the permissions of which one is needed to see it.
type consolePage struct {
	Key, Path, Label string
	perms            []security.Permission
	enabled          func(s Services) bool
}

var consolePages = []consolePage{
	{Key: "users", Path: routeUsers, Label: "console.nav_users",
		perms:   []security.Permission{security.PermUsersRead, security.PermUsersManage},
		enabled: func(s Services) bool { return s.Users != nil && s.Teams != nil }},
	// Console part 2: Teams and Roles.
	{Key: "teams", Path: routeTeams, Label: "console.nav_teams",
		perms:   teamsRead,
		enabled: func(s Services) bool { return s.Users != nil && s.Teams != nil }},
	{Key: "roles", Path: routeRoles, Label: "console.nav_roles",
		perms:   rolesRead,
		enabled: func(s Services) bool { return s.Roles != nil && s.Users != nil }},
	{Key: "apikeys", Path: routeAPIKeys, Label: "console.nav_apikeys",
		perms:   []security.Permission{security.PermAPIKeysManage},
		enabled: func(s Services) bool { return s.APIKeys != nil }},
	{Key: "audit", Path: routeAudit, Label: "console.nav_audit",
		perms:   []security.Permission{security.PermAuditRead},
		enabled: func(s Services) bool { return s.Audit != nil }},
	// Seats and Notifications for managers (issue 20, part 2).
	{Key: "seats", Path: routeSeats, Label: "console.nav_seats", perms: seatsPerms,
		enabled: func(s Services) bool { return s.Seats != nil }},
	{Key: "notifications", Path: routeNotifConsole, Label: "console.nav_notifications", perms: notifPerms,
		enabled: func(s Services) bool { return s.ManagedNotifications != nil }},
	// Security (console_security.go).
	{Key: "security", Path: routeSecurityConsole, Label: "consec.nav",
		perms:   []security.Permission{security.PermSecurityManage},
		enabled: func(s Services) bool { return s.Policies != nil }},
	// SSO configuration (console_sso.go).
	{Key: "sso", Path: routeSSOConsole, Label: "conssso.nav",
		perms:   []security.Permission{security.PermSSOManage},
		enabled: func(s Services) bool { return s.SSOConfig != nil }},
	// Accounts (console_accounts.go).
	{Key: "accounts", Path: routeAccounts, Label: "conacc.nav",
		perms:   []security.Permission{security.PermAccountsManage},
		enabled: func(s Services) bool { return s.Accounts != nil }},
	// Customization (console_custom.go).
	{Key: "customization", Path: routeCustomConsole, Label: "concust.nav",
		perms:   []security.Permission{security.PermAccountSettings},
		enabled: func(s Services) bool { return s.Customization != nil }},
}

// navLink is one link of the console navigation.
type navLink struct{ Key, Href, Label string }

// may reports whether the principal holds one of the permissions in its
// own account (the pages show the principal's account tree).
func may(p *security.Principal, perms ...security.Permission) bool {
	if p == nil {
		return false
	}
	if p.System {
		return true
	}
	for _, perm := range perms {
		if p.Permissions.Has(perm) {
			return true
		}
	}
	return false
}

// consoleNav returns the console pages the signed-in person may open.
func (rq *request) consoleNav() []navLink {
	var out []navLink
	for _, cp := range consolePages {
		if cp.enabled(rq.h.svc) && may(rq.p, cp.perms...) {
			out = append(out, navLink{Key: cp.Key, Href: rq.h.base + cp.Path, Label: rq.tr.T(cp.Label)})
		}
	}
	return out
}

// consoleRoutes registers the console pages whose services are set.
func (h *Handler) consoleRoutes() {
	get := func(p string, fn http.HandlerFunc) { h.mux.HandleFunc("GET "+h.base+p, fn) }
	post := func(p string, fn http.HandlerFunc) { h.mux.HandleFunc("POST "+h.base+p, fn) }
	any := false
	for _, cp := range consolePages {
		if !cp.enabled(h.svc) {
			continue
		}
		any = true
		c := func(fn func(rq *request)) http.HandlerFunc { return h.signedIn(h.allowed(cp.perms, fn)) }
		switch cp.Key {
		case "users":
			manage := func(fn func(rq *request)) http.HandlerFunc {
				return h.signedIn(h.allowed([]security.Permission{security.PermUsersManage}, fn))
			}
			get(routeUsers, c(h.usersPage))
			get(routeUsersExport, c(h.usersExport))
			get(routeUserNew, manage(h.userNewPage))
			post(routeUserNew, manage(h.userCreate))
			get(routeUser, c(h.userPage))
			post(routeUserDisable, manage(h.userAction("disable")))
			post(routeUserEnable, manage(h.userAction("enable")))
			post(routeUserInvitation, manage(h.userAction("invitation")))
			// Console part 2: the further quick actions.
			post(routeUserLock, manage(h.userAction("lock")))
			post(routeUserUnlock, manage(h.userAction("unlock")))
			if h.svc.TwoFactorReset != nil {
				post(routeUserReset2FA, h.signedIn(h.allowed([]security.Permission{security.PermSecurityManage}, h.userAction("reset2fa"))))
			}
			get(routeUserMove, manage(h.userMovePage))
			post(routeUserMove, manage(h.userMove))
			get(routeUserDelete, manage(h.userDeletePage))
			post(routeUserDelete, manage(h.userDelete))
		case "teams":
			tm := func(fn func(rq *request)) http.HandlerFunc {
				return h.signedIn(h.allowed([]security.Permission{security.PermTeamsManage}, fn))
			}
			get(routeTeams, c(h.teamsPage))
			get(routeTeamNew, tm(h.teamNewPage))
			post(routeTeamNew, tm(h.teamCreate))
			get(routeTeam, c(h.teamPage))
			post(routeTeam, tm(h.teamUpdate))
			post(routeTeamDelete, tm(h.teamDelete))
			post(routeTeamMembers, tm(h.teamMembers(true)))
			post(routeTeamMembersRemove, tm(h.teamMembers(false)))
		case "roles":
			rm := func(fn func(rq *request)) http.HandlerFunc {
				return h.signedIn(h.allowed([]security.Permission{security.PermRolesManage}, fn))
			}
			get(routeRoles, c(h.rolesPage))
			get(routeRoleNew, rm(h.roleNewPage))
			post(routeRoleNew, rm(h.roleCreate))
			get(routeRole, c(h.rolePage))
			post(routeRole, rm(h.roleUpdate))
			post(routeRoleDelete, rm(h.roleDelete))
		case "apikeys":
			get(routeAPIKeys, c(h.apiKeysPage))
			post(routeAPIKeys, c(h.apiKeyCreate))
			post(routeAPIKeyRevoke, c(h.apiKeyRevoke))
		case "audit":
			get(routeAudit, c(h.auditPage))
			get(routeAuditExport, c(h.auditExport))
			get(routeAuditVerify, c(h.auditVerify))
		case "seats":
			h.seatsRoutes(c)
		case "notifications":
			h.notifRoutes(c)
		case "security":
			get(routeSecurityConsole, c(h.securityConsolePage))
			post(routeSecurityConsole, c(h.securitySave))
			post(routeSecurityTwoFactor, c(h.securityTwoFactor))
			if h.enforcer() != nil {
				post(routeSecurityEnforce, c(h.securityEnforce))
			}
		case "sso":
			h.ssoConsoleRoutes(c)
		case "accounts":
			h.accountsRoutes(c)
		case "customization":
			h.customRoutes(c)
		}
	}
	if any {
		get(routeConsole, h.signedIn(h.consoleHome))
		get(routeConsole+"/{$}", h.signedIn(h.consoleHome))
	}
}

// allowed refuses a console page with the 403 page to a principal who
// holds none of the permissions.
func (h *Handler) allowed(perms []security.Permission, fn func(rq *request)) func(rq *request) {
	return func(rq *request) {
		if !may(rq.p, perms...) {
			h.forbiddenPage(rq)
			return
		}
		fn(rq)
	}
}

// consoleHome serves GET routeConsole: the first page the person may
// open, or the 403 page.
func (h *Handler) consoleHome(rq *request) {
	nav := rq.consoleNav()
	if len(nav) == 0 {
		h.forbiddenPage(rq)
		return
	}
	rq.redirect(nav[0].Href)
}

// forbiddenPage answers 403 with a page that says so, inside the signed-in
// layout (the person keeps their navigation).
func (h *Handler) forbiddenPage(rq *request) {
	p := rq.newPage("console.forbidden_title")
	p.Data = messageView{Heading: "console.forbidden_title", Text: "console.forbidden_text", Link: h.base + routeProfile, LinkText: "console.to_account", Tone: "error"}
	rq.render(http.StatusForbidden, "message", p)
}

// consolePage returns a console page with its nav item and notice.
func (rq *request) consolePage(title, nav string) *page {
	p := rq.newPage(title)
	p.Nav = "console:" + nav
	rq.notice(p)
	return p
}

// refused renders a service error of a console page: NotFound is the
// not-found page (the same for another tenant's ID as for a random one),
// Forbidden the 403 page, anything else the internal error page.
func (rq *request) refused(err error) {
	switch accountkit.ErrorCode(err) {
	case accountkit.NotFound:
		rq.h.notFoundPage(rq)
	case accountkit.Forbidden:
		rq.h.forbiddenPage(rq)
	default:
		rq.fail(err)
	}
}

// withQuery returns path with the non-empty values as its query.
func withQuery(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
