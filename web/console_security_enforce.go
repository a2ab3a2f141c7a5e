package web

import (
	"context"
	"net/http"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/account"
)

// The Security page's "Enforce on sub-accounts": per policy group, the
// account enforces its settings on every account below it, or stops
// (account.Service.Enforce and Unenforce, docs/policies.md). The service
// decides who may and what it means; the page shows the state and
// forwards the choice.

// routeSecurityEnforce is the POST of one group's switch.
const routeSecurityEnforce = "/console/security/enforce"

// PolicyEnforcer enforces a policy group of an account on its
// sub-accounts, or lifts that. *account.Service implements it; when
// Services.Policies implements it too, the Security page offers it.
type PolicyEnforcer interface {
	Enforce(ctx context.Context, accountID string, g account.PolicyGroup) (*account.EffectivePolicy, error)
	Unenforce(ctx context.Context, accountID string, g account.PolicyGroup) (*account.EffectivePolicy, error)
}

// consecGroup is one policy group as the enforce section shows it.
type consecGroup struct {
	Group    string
	Label    string
	Settings string
	// Enforced is whether this account enforces it on its sub-accounts.
	Enforced bool
	// Above says which account above enforces it ("" when none).
	Above string
}

// enforcer returns the Policies service as a PolicyEnforcer, or nil.
func (h *Handler) enforcer() PolicyEnforcer {
	e, _ := h.svc.Policies.(PolicyEnforcer)
	return e
}

// consecGroups fills the enforce section: shown when the account has
// sub-accounts, already enforces a group, or the page cannot tell (the
// person may not list sub-accounts; the service decides anyway).
func (h *Handler) consecGroups(rq *request, v *consecView, ep *account.EffectivePolicy, names map[string]string) bool {
	if h.enforcer() == nil {
		return true
	}
	show := len(ep.Settings.Enforced) > 0 || h.svc.SubAccounts == nil
	if !show {
		pg, err := h.svc.SubAccounts.List(rq.ctx(), account.ListInput{ParentID: rq.p.AccountID, Limit: 1})
		switch {
		case accountkit.ErrorCode(err) == accountkit.Forbidden:
			show = true
		case err != nil:
			rq.refused(err)
			return false
		default:
			show = len(pg.Accounts) > 0
		}
	}
	if !show {
		return true
	}
	v.ShowEnforce = true
	for _, g := range account.PolicyGroups {
		cg := consecGroup{Group: string(g), Label: rq.tr.T("consec.group_" + string(g)), Enforced: ep.Settings.Enforces(g)}
		var labels []string
		for _, name := range g.Settings() {
			labels = append(labels, rq.tr.T("consec.setting_"+name))
		}
		cg.Settings = joinLabels(labels)
		if src, ok := ep.EnforcedBy[g]; ok {
			cg.Above = rq.tr.T("consec.enforce_above", names[src])
		}
		v.Groups = append(v.Groups, cg)
	}
	return true
}

// joinLabels joins setting names for a hint.
func joinLabels(ls []string) string {
	out := ""
	for i, l := range ls {
		if i > 0 {
			out += " · "
		}
		out += l
	}
	return out
}

// securityEnforce serves POST routeSecurityEnforce: enforce=on enforces
// the group on the sub-accounts, enforce=off lifts this account's
// enforcement (one from an account above stays: the service lifts only
// the account's own, and the page says so).
func (h *Handler) securityEnforce(rq *request) {
	f := h.parseForm(rq.w, rq)
	p := rq.consolePage("consec.title", "security")
	if f.bad() {
		if h.consecData(rq, p) {
			rq.render(rq.formProblem(p, f), "console_security", p)
		}
		return
	}
	g := account.PolicyGroup(f.get("group"))
	on := f.get("enforce") == "on"
	var ep *account.EffectivePolicy
	var err error
	if on {
		ep, err = h.enforcer().Enforce(rq.ctx(), rq.p.AccountID, g)
	} else {
		ep, err = h.enforcer().Unenforce(rq.ctx(), rq.p.AccountID, g)
	}
	if err != nil {
		if accountkit.ErrorCode(err) == accountkit.Invalid {
			rq.applyError(p, err)
			if msg, ok := p.FieldErrors["group"]; ok {
				p.Error = rq.tr.T("consec.enforce_bad_group", msg)
			}
			if h.consecData(rq, p) {
				rq.render(http.StatusUnprocessableEntity, "console_security", p)
			}
			return
		}
		h.consecRefused(rq, p, err)
		return
	}
	done := "enforce_on"
	if !on {
		done = "enforce_off"
		if _, above := ep.EnforcedBy[g]; above {
			done = "enforce_still"
		}
	}
	rq.redirect(withQuery(h.base+routeSecurityConsole, "done", done, "group", string(g)))
}

// enforceNotice is the notice after a group's switch, or "".
func enforceNotice(rq *request) string {
	q := rq.r.URL.Query()
	g := account.PolicyGroup(q.Get("group"))
	key, ok := map[string]string{"enforce_on": "consec.enforce_on_done", "enforce_off": "consec.enforce_off_done",
		"enforce_still": "consec.enforce_still_done"}[q.Get("done")]
	if !ok || !g.Valid() {
		return ""
	}
	return rq.tr.T(key, rq.tr.T("consec.group_"+string(g)))
}
