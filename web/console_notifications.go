package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/notifications"
	"github.com/accountkit/accountkit/security"
)

// The console's Notifications page: for managers, the notifications
// published to an account of their tree (their own or a sub-account's)
// and the subscriptions of that account's users, with a toggle per type.
// The signed-in person's own inbox and subscriptions stay on the "My
// account" Notifications page, which this page links to.

// ManagedNotifications is what the console's Notifications page does.
// *notifications.Service implements it.
type ManagedNotifications interface {
	Types() []notifications.TypeInfo
	AccountNotifications(ctx context.Context, in notifications.AccountInput) (*notifications.Page, error)
	AccountSubscriptions(ctx context.Context, in notifications.MembersInput) (*notifications.MembersPage, error)
	SetUserSubscriptions(ctx context.Context, userID string, set map[notifications.Type]bool) ([]notifications.Subscription, error)
}

// SubAccounts lists the accounts below an account, for the console's
// account pickers. *account.Service implements it.
type SubAccounts interface {
	List(ctx context.Context, in account.ListInput) (*account.Page, error)
}

// The Notifications page's routes.
const (
	routeNotifConsole = "/console/notifications"
	routeNotifUser    = "/console/notifications/users/{id}"
)

// notifPerms is who sees the console's Notifications page: those who may
// read an account's notifications or manage its users' subscriptions.
var notifPerms = []security.Permission{security.PermAccountSettings, security.PermUsersManage}

// notifRoutes registers the Notifications page's routes.
func (h *Handler) notifRoutes(c func(fn func(rq *request)) http.HandlerFunc) {
	h.mux.HandleFunc("GET "+h.base+routeNotifConsole, c(h.notifConsole))
	h.mux.HandleFunc("POST "+h.base+routeNotifUser, c(h.notifSetUser))
}

// notifChoice is an account the page can show.
type notifChoice struct {
	ID, Name string
	Selected bool
}

// notifView is the Notifications page's data.
type notifView struct {
	Account string
	Choices []notifChoice
	// Published is nil when the person may not read the account's
	// notifications; Members nil when they may not manage subscriptions.
	Published     *notifications.Page
	Members       *notifications.MembersPage
	Types         []notifications.TypeInfo
	Q             string
	NextPublished string
	NextMembers   string
	Here          string
	Own           string
}

// Subscribed tells whether a member receives a type.
func (v *notifView) Subscribed(m *notifications.MemberSubscriptions, t notifications.Type) bool {
	for _, s := range m.Subscriptions {
		if s.Type == t {
			return s.Subscribed
		}
	}
	return false
}

// TypeInfo describes a type by its key (a type no longer registered
// keeps its key as its name).
func (v *notifView) TypeInfo(t notifications.Type) notifications.TypeInfo {
	for _, ti := range v.Types {
		if ti.Type == t {
			return ti
		}
	}
	return notifications.TypeInfo{Type: t, Name: string(t)}
}

// notifConsole serves GET routeNotifConsole?account=: the account's
// published notifications and its users' subscriptions. Another tenant's
// account answers the not-found page, like a random ID.
func (h *Handler) notifConsole(rq *request) {
	p := rq.seatsPage("console.notif_title")
	p.Nav = "console:notifications"
	q := rq.r.URL.Query()
	acc := clipID(q.Get("account"))
	if acc == "" {
		acc = rq.p.AccountID
	}
	v := &notifView{Account: acc, Types: h.svc.ManagedNotifications.Types(), Q: clipQuery(q.Get("q")), Own: h.base + routeNotifications}
	pubCursor, memCursor := clipToken(q.Get("pcursor")), clipToken(q.Get("mcursor"))
	found := false
	if may(rq.p, security.PermAccountSettings) {
		pg, err := h.svc.ManagedNotifications.AccountNotifications(rq.ctx(), notifications.AccountInput{AccountID: acc, Cursor: pubCursor, Limit: 10})
		if accountkit.ErrorCode(err) == accountkit.Invalid {
			pubCursor = ""
			pg, err = h.svc.ManagedNotifications.AccountNotifications(rq.ctx(), notifications.AccountInput{AccountID: acc, Limit: 10})
		}
		switch accountkit.ErrorCode(err) {
		case "":
			v.Published, found = pg, true
		case accountkit.Forbidden:
		default:
			rq.refused(err)
			return
		}
	}
	if may(rq.p, security.PermUsersManage) {
		in := notifications.MembersInput{AccountID: acc, Search: v.Q, Cursor: memCursor, Limit: 25}
		mp, err := h.svc.ManagedNotifications.AccountSubscriptions(rq.ctx(), in)
		if accountkit.ErrorCode(err) == accountkit.Invalid {
			rq.applyError(p, err)
			v.Q, memCursor = "", ""
			mp, err = h.svc.ManagedNotifications.AccountSubscriptions(rq.ctx(), notifications.MembersInput{AccountID: acc, Limit: 25})
		}
		switch accountkit.ErrorCode(err) {
		case "":
			v.Members, found = mp, true
		case accountkit.Forbidden:
		default:
			rq.refused(err)
			return
		}
	}
	if !found {
		h.forbiddenPage(rq)
		return
	}
	v.Choices = h.notifChoices(rq, acc)
	v.Here = withQuery(h.base+routeNotifConsole, "account", acc, "q", v.Q, "pcursor", pubCursor, "mcursor", memCursor)
	if v.Published != nil && v.Published.NextCursor != "" {
		v.NextPublished = withQuery(h.base+routeNotifConsole, "account", acc, "q", v.Q, "pcursor", v.Published.NextCursor, "mcursor", memCursor)
	}
	if v.Members != nil && v.Members.NextCursor != "" {
		v.NextMembers = withQuery(h.base+routeNotifConsole, "account", acc, "q", v.Q, "pcursor", pubCursor, "mcursor", v.Members.NextCursor)
	}
	p.Data = v
	rq.render(http.StatusOK, "notifications_console", p)
}

// notifChoices lists the person's account and, when they may manage
// accounts, the accounts below it.
func (h *Handler) notifChoices(rq *request, selected string) []notifChoice {
	own := notifChoice{ID: rq.p.AccountID, Name: rq.tr.T("console.notif_own_account"), Selected: selected == rq.p.AccountID}
	if rq.brand != nil && rq.brand.Name != "" {
		own.Name = rq.brand.Name
	}
	out := []notifChoice{own}
	if h.svc.SubAccounts == nil {
		return out
	}
	page, err := h.svc.SubAccounts.List(rq.ctx(), account.ListInput{ParentID: rq.p.AccountID, Descendants: true, Limit: 200})
	if err != nil {
		return out // no accounts.manage: the own account only
	}
	for _, a := range page.Accounts {
		out = append(out, notifChoice{ID: a.ID, Name: a.Name, Selected: a.ID == selected})
	}
	return out
}

// notifSetUser serves POST routeNotifUser: one user's subscriptions, a
// toggle per type (ticked = receives it), saved by the service.
func (h *Handler) notifSetUser(rq *request) {
	f := h.parseForm(rq.w, rq)
	back := h.safeReturn(f.get("return_to"))
	if back == "" || !strings.HasPrefix(back, h.base+routeNotifConsole) {
		back = h.base + routeNotifConsole
	}
	if f.bad() {
		h.seatsFormRefused(rq, f, back)
		return
	}
	set := map[notifications.Type]bool{}
	for _, t := range h.svc.ManagedNotifications.Types() {
		set[t.Type] = f.get("sub_"+string(t.Type)) != ""
	}
	if _, err := h.svc.ManagedNotifications.SetUserSubscriptions(rq.ctx(), rq.r.PathValue("id"), set); err != nil {
		rq.refused(err)
		return
	}
	rq.redirect(withDone(back, "subscriptions_set"))
}
