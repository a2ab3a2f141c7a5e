package web

import (
	"net/http"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/users"
)

// The users list's further quick actions. Lock, unlock and reset 2FA are
// one POST each; move and delete first show a page (the account to move
// to; the confirmation), then POST.
const (
	routeUserLock     = "/console/users/{id}/lock"
	routeUserUnlock   = "/console/users/{id}/unlock"
	routeUserReset2FA = "/console/users/{id}/reset-2fa"
	routeUserMove     = "/console/users/{id}/move"
	routeUserDelete   = "/console/users/{id}/delete"
)

// quickActions says which of the optional quick actions the person may
// use; the services check again.
type quickActions struct {
	Reset2FA, Move bool
}

func (h *Handler) quickActions(rq *request) quickActions {
	return quickActions{
		Reset2FA: h.svc.TwoFactorReset != nil && may(rq.p, security.PermSecurityManage),
		Move:     h.svc.AccountTree != nil && may(rq.p, security.PermAccountsManage) && may(rq.p, security.PermUsersManage),
	}
}

// accountChoice is an account of the tree, for the account filter and
// the move form.
type accountChoice struct {
	ID, Name string
	// Depth is 0 for the person's own account, 1 below it.
	Depth int
}

// accountChoices lists the person's account and the accounts below it
// (at most 200), or nothing when the pages have no AccountTree or the
// person may not list accounts.
func (h *Handler) accountChoices(rq *request) ([]accountChoice, error) {
	if h.svc.AccountTree == nil || !may(rq.p, security.PermAccountsManage) {
		return nil, nil
	}
	own, err := h.svc.AccountTree.Current(rq.ctx())
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			return nil, nil // the system principal
		}
		return nil, err
	}
	out := []accountChoice{{ID: own.ID, Name: own.Name}}
	cursor := ""
	for len(out) < 200 {
		page, err := h.svc.AccountTree.List(rq.ctx(), account.ListInput{ParentID: own.ID, Descendants: true, Cursor: cursor, Limit: 100})
		if err != nil {
			if accountkit.ErrorCode(err) == accountkit.Forbidden {
				return nil, nil
			}
			return nil, err
		}
		for _, a := range page.Accounts {
			out = append(out, accountChoice{ID: a.ID, Name: a.Name, Depth: 1})
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(out) == 1 {
		return nil, nil // no sub-accounts: nothing to choose
	}
	return out, nil
}

// seatOf is "yes" or "no" when the pages can tell whether the user holds
// a seat and the person may see it, else "".
func (h *Handler) seatOf(rq *request, userID string) (string, error) {
	if h.svc.SeatHolder == nil {
		return "", nil
	}
	ok, err := h.svc.SeatHolder.HoldsSeat(rq.ctx(), userID)
	switch {
	case accountkit.ErrorCode(err) == accountkit.Forbidden:
		return "", nil
	case err != nil:
		return "", err
	case ok:
		return "yes", nil
	}
	return "no", nil
}

// userStepView is the Move and Delete pages' data.
type userStepView struct {
	*users.User
	Accounts []accountChoice
}

// userMovePage serves GET routeUserMove: the accounts the user may move
// to.
func (h *Handler) userMovePage(rq *request) {
	h.userStep(rq, "move", http.StatusOK)
}

// userDeletePage serves GET routeUserDelete: the confirmation step.
func (h *Handler) userDeletePage(rq *request) {
	h.userStep(rq, "delete", http.StatusOK)
}

// userStep renders the move or delete page of the user in the path.
func (h *Handler) userStep(rq *request, step string, status int) {
	u, err := h.svc.Users.Get(rq.ctx(), rq.r.PathValue("id"))
	if err != nil {
		rq.refused(err)
		return
	}
	v := &userStepView{User: u}
	if step == "move" {
		all, err := h.accountChoices(rq)
		if err != nil {
			rq.refused(err)
			return
		}
		for _, a := range all {
			if a.ID != u.AccountID {
				v.Accounts = append(v.Accounts, a)
			}
		}
	}
	p := rq.consolePage("console.user_"+step+"_title", "users")
	p.Title = u.DisplayName() + " · " + p.Title
	p.Data = v
	rq.render(status, "user"+step, p)
}

// userMove serves POST routeUserMove.
func (h *Handler) userMove(rq *request) {
	id := rq.r.PathValue("id")
	f := h.parseForm(rq.w, rq)
	if f.bad() {
		h.formRefused(rq, f, h.base+"/console/users/"+id)
		return
	}
	if _, err := h.svc.Users.Move(rq.ctx(), id, f.get("account_id")); err != nil {
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			rq.refused(err)
			return
		}
		h.actionRefused(rq, err, h.base+"/console/users/"+id+"/move")
		return
	}
	rq.redirect(h.base + "/console/users/" + id + "?done=user_moved")
}

// userDelete serves POST routeUserDelete.
func (h *Handler) userDelete(rq *request) {
	id := rq.r.PathValue("id")
	f := h.parseForm(rq.w, rq)
	if f.bad() {
		h.formRefused(rq, f, h.base+"/console/users/"+id)
		return
	}
	if err := h.svc.Users.Delete(rq.ctx(), id); err != nil {
		h.actionRefused(rq, err, h.base+"/console/users/"+id)
		return
	}
	rq.redirect(h.base + routeUsers + "?done=user_deleted")
}
