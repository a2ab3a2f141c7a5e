package account

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/accountkit/accountkit/internal/httpx"
)

// Routes served by Handler.
const (
	RouteCurrent         = "GET /api/v1/account"
	RouteGet             = "GET /api/v1/accounts/{id}"
	RouteUpdate          = "PATCH /api/v1/accounts/{id}"
	RouteListSubaccounts = "GET /api/v1/accounts/{id}/subaccounts"
	RouteCreateSub       = "POST /api/v1/accounts/{id}/subaccounts"
	RouteEnable          = "POST /api/v1/accounts/{id}/enable"
	RouteDisable         = "POST /api/v1/accounts/{id}/disable"
	RouteGetSecurity     = "GET /api/v1/accounts/{id}/security"
	RouteUpdateSecurity  = "PATCH /api/v1/accounts/{id}/security"
	RouteEnforce         = "PUT /api/v1/accounts/{id}/security/enforced/{group}"
	RouteUnenforce       = "DELETE /api/v1/accounts/{id}/security/enforced/{group}"
)

// Handler serves the accounts API, customization included. It calls only
// the Service.
type Handler struct {
	httpx.Mux
	svc     *Service
	maxBody int64
}

// NewHandler returns the accounts API handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	h := &Handler{svc: svc}
	routes := []httpx.Route{
		{Pattern: RouteCurrent, Serve: h.current},
		{Pattern: RouteGet, Serve: h.get},
		{Pattern: RouteUpdate, Serve: h.update},
		{Pattern: RouteListSubaccounts, Serve: h.list},
		{Pattern: RouteCreateSub, Serve: h.createSub},
		{Pattern: RouteEnable, Serve: h.setStatus(StatusEnabled)},
		{Pattern: RouteDisable, Serve: h.setStatus(StatusDisabled)},
		{Pattern: RouteGetSecurity, Serve: h.getSecurity},
		{Pattern: RouteUpdateSecurity, Serve: h.updateSecurity},
		{Pattern: RouteEnforce, Serve: h.setEnforced(true)},
		{Pattern: RouteUnenforce, Serve: h.setEnforced(false)},
	}
	h.Mux = httpx.NewMux(logger, append(routes, h.customizationRoutes()...)...)
	return h
}

// getSecurity serves RouteGetSecurity: the effective settings, with what
// is inherited and from which account.
func (h *Handler) getSecurity(w http.ResponseWriter, r *http.Request) {
	ep, err := h.svc.EffectivePolicy(r.Context(), r.PathValue("id"))
	h.writeSecurity(w, r, ep, err)
}

// updateSecurity serves RouteUpdateSecurity. For max_inactivity_days and
// password_validity_days, 0 turns the limit off.
func (h *Handler) updateSecurity(w http.ResponseWriter, r *http.Request) {
	var u SecurityUpdate
	if err := httpx.DecodeJSON(w, r, h.maxBody, &u); err != nil {
		h.svc.refused(r.Context(), securityEntry(r.PathValue("id")), err)
		h.Fail(w, r, err)
		return
	}
	if _, err := h.svc.UpdateSecuritySettings(r.Context(), r.PathValue("id"), u); err != nil {
		h.Fail(w, r, err)
		return
	}
	h.getSecurity(w, r)
}

// setEnforced serves RouteEnforce and RouteUnenforce.
func (h *Handler) setEnforced(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, g := r.PathValue("id"), PolicyGroup(r.PathValue("group"))
		var ep *EffectivePolicy
		var err error
		if on {
			ep, err = h.svc.Enforce(r.Context(), id, g)
		} else {
			ep, err = h.svc.Unenforce(r.Context(), id, g)
		}
		h.writeSecurity(w, r, ep, err)
	}
}

func (h *Handler) writeSecurity(w http.ResponseWriter, r *http.Request, ep *EffectivePolicy, err error) {
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	names, err := h.svc.PolicyNames(r.Context(), ep.Settings.AccountID, ep)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	ret, err := h.svc.AuditRetention(r.Context(), ep.Settings.AccountID)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := securityJSON(ep, names)
	out.AuditRetentionDays = ret.Days
	out.AuditRetentionAccount = accountRef{ID: ret.MainAccountID, Name: ret.MainAccountName}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// securityValues are the settings themselves, inlined in securityOut.
type securityValues struct {
	TwoFactorRequired    bool `json:"two_factor_required"`
	MaxInactivityDays    *int `json:"max_inactivity_days"`
	MaxLoginAttempts     int  `json:"max_login_attempts"`
	PasswordValidityDays *int `json:"password_validity_days"`
	SessionIdleMinutes   int  `json:"session_idle_minutes"`
	SessionMaxHours      int  `json:"session_max_hours"`
	PasswordMinLength    int  `json:"password_min_length"`
	PasswordHistory      int  `json:"password_history"`
	LockoutMinutes       int  `json:"lockout_minutes"`
}

type accountRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type policyJSON struct {
	Group      PolicyGroup `json:"group"`
	Settings   []string    `json:"settings"`
	Enforced   bool        `json:"enforced"`
	Inherited  bool        `json:"inherited"`
	EnforcedBy *accountRef `json:"enforced_by"`
}

// securityOut holds the effective values (inline), the groups the account
// enforces on its subtree, each group's inheritance, the settings whose
// value comes from an account above, and the account's own values.
type securityOut struct {
	AccountID string `json:"account_id"`
	securityValues
	UpdatedAt     time.Time             `json:"updated_at"`
	Enforced      []PolicyGroup         `json:"enforced"`
	Policies      []policyJSON          `json:"policies"`
	InheritedFrom map[string]accountRef `json:"inherited_from"`
	Own           securityValues        `json:"own"`
	// AuditRetentionDays is the main account's audit retention (0: kept
	// forever), AuditRetentionAccount the main account it is set on: a
	// sub-account shows its main account's.
	AuditRetentionDays    int        `json:"audit_retention_days"`
	AuditRetentionAccount accountRef `json:"audit_retention_account"`
}

func values(s *SecuritySettings) securityValues {
	return securityValues{TwoFactorRequired: s.TwoFactorRequired, MaxInactivityDays: s.MaxInactivityDays,
		MaxLoginAttempts: s.MaxLoginAttempts, PasswordValidityDays: s.PasswordValidityDays,
		SessionIdleMinutes: s.SessionIdleMinutes, SessionMaxHours: s.SessionMaxHours, PasswordMinLength: s.PasswordMinLength,
		PasswordHistory: s.PasswordHistory, LockoutMinutes: s.LockoutMinutes}
}

func securityJSON(ep *EffectivePolicy, names map[string]string) securityOut {
	s := ep.Settings
	out := securityOut{AccountID: s.AccountID, securityValues: values(s), UpdatedAt: s.UpdatedAt,
		Enforced: SortGroups(s.Enforced), InheritedFrom: map[string]accountRef{}, Own: values(ep.Own)}
	for _, g := range PolicyGroups {
		p := policyJSON{Group: g, Settings: g.Settings(), Enforced: s.Enforces(g)}
		if id, ok := ep.EnforcedBy[g]; ok {
			p.Inherited, p.EnforcedBy = true, &accountRef{ID: id, Name: names[id]}
		}
		out.Policies = append(out.Policies, p)
	}
	for field, id := range ep.InheritedFrom {
		out.InheritedFrom[field] = accountRef{ID: id, Name: names[id]}
	}
	return out
}

// current serves RouteCurrent: the principal's own account.
func (h *Handler) current(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.Current(r.Context())
	h.reply(w, r, http.StatusOK, a, err)
}

// get serves RouteGet.
func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.Get(r.Context(), r.PathValue("id"))
	h.reply(w, r, http.StatusOK, a, err)
}

// update serves RouteUpdate.
func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	var u Update
	if err := httpx.DecodeJSON(w, r, h.maxBody, &u); err != nil {
		h.svc.refused(r.Context(), updateEntry(r.PathValue("id")), err)
		h.Fail(w, r, err)
		return
	}
	a, err := h.svc.Update(r.Context(), r.PathValue("id"), u)
	h.reply(w, r, http.StatusOK, a, err)
}

// createSub serves RouteCreateSub.
func (h *Handler) createSub(w http.ResponseWriter, r *http.Request) {
	var in CreateInput
	if err := httpx.DecodeJSON(w, r, h.maxBody, &in); err != nil {
		h.svc.refused(r.Context(), createEntry(r.PathValue("id"), ""), err)
		h.Fail(w, r, err)
		return
	}
	a, err := h.svc.CreateSub(r.Context(), r.PathValue("id"), in)
	h.reply(w, r, http.StatusCreated, a, err)
}

// setStatus serves RouteEnable and RouteDisable.
func (h *Handler) setStatus(st Status) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := h.svc.SetStatus(r.Context(), r.PathValue("id"), st)
		h.reply(w, r, http.StatusOK, a, err)
	}
}

// list serves RouteListSubaccounts.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	desc, err := httpx.QueryBool(r, "descendants")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.svc.List(r.Context(), ListInput{
		ParentID: r.PathValue("id"), Descendants: desc, Search: q.Get("q"),
		Status: q.Get("status"), Cursor: q.Get("cursor"), Limit: limit,
	})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out := listResponse{Items: make([]accountJSON, len(page.Accounts)), NextCursor: page.NextCursor}
	for i, a := range page.Accounts {
		out.Items[i] = toJSON(a)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) reply(w http.ResponseWriter, r *http.Request, status int, a *Account, err error) {
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, status, toJSON(a))
}

type accountJSON struct {
	ID        string    `json:"id"`
	ParentID  string    `json:"parent_id,omitempty"`
	MainID    string    `json:"main_account_id"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	Status    Status    `json:"status"`
	Depth     int       `json:"depth"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toJSON(a *Account) accountJSON {
	return accountJSON{ID: a.ID, ParentID: a.ParentID, MainID: a.MainID(), Name: a.Name, Slug: a.Slug,
		Status: a.Status, Depth: a.Depth(), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

type listResponse struct {
	Items      []accountJSON `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}
