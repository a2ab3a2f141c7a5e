package sso

import (
	"net/http"
	"time"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/internal/httpx"
)

// Routes of the claimed email domains and of sign-in discovery. The
// domain routes need a principal with PermSSOManage in the account; the
// discovery route needs none.
const (
	RouteListDomains  = "GET /api/v1/accounts/{id}/sso/domains"
	RouteAddDomain    = "POST /api/v1/accounts/{id}/sso/domains"
	RouteGetDomain    = "GET /api/v1/accounts/{id}/sso/domains/{domain_id}"
	RouteVerifyDomain = "POST /api/v1/accounts/{id}/sso/domains/{domain_id}/verify"
	RouteRemoveDomain = "DELETE /api/v1/accounts/{id}/sso/domains/{domain_id}"
	RouteDiscover     = "GET /api/v1/sso/discover"
)

// registerDomains adds the domain and discovery routes to mux.
func (h *Handler) registerDomains(mux *http.ServeMux) {
	mux.HandleFunc(RouteListDomains, h.listDomains)
	mux.HandleFunc(RouteAddDomain, h.addDomain)
	mux.HandleFunc(RouteGetDomain, h.getDomain)
	mux.HandleFunc(RouteVerifyDomain, h.verifyDomain)
	mux.HandleFunc(RouteRemoveDomain, h.removeDomain)
	mux.HandleFunc(RouteDiscover, h.discover)
}

// listDomains serves RouteListDomains.
func (h *Handler) listDomains(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Domains(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(w, r, h.logger, err)
		return
	}
	out := domainListJSON{Domains: make([]domainJSON, 0, len(list))}
	for _, d := range list {
		out.Domains = append(out.Domains, toDomainJSON(d))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// addDomain serves RouteAddDomain: 201 with the claim and the TXT record
// to create.
func (h *Handler) addDomain(w http.ResponseWriter, r *http.Request) {
	var in addDomainRequest
	if err := httpx.DecodeJSON(w, r, 0, &in); err != nil {
		httpx.WriteError(w, r, h.logger, err)
		return
	}
	d, err := h.svc.AddDomain(r.Context(), r.PathValue("id"), in.Domain)
	h.replyDomain(w, r, http.StatusCreated, d, err)
}

// getDomain serves RouteGetDomain.
func (h *Handler) getDomain(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.Domain(r.Context(), r.PathValue("id"), r.PathValue("domain_id"))
	h.replyDomain(w, r, http.StatusOK, d, err)
}

// verifyDomain serves RouteVerifyDomain: 200 with the claim, verified or
// failed (a failed check is an answer, not an error).
func (h *Handler) verifyDomain(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.VerifyDomain(r.Context(), r.PathValue("id"), r.PathValue("domain_id"))
	h.replyDomain(w, r, http.StatusOK, d, err)
}

// removeDomain serves RouteRemoveDomain: 204.
func (h *Handler) removeDomain(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.RemoveDomain(r.Context(), r.PathValue("id"), r.PathValue("domain_id")); err != nil {
		httpx.WriteError(w, r, h.logger, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// discover serves RouteDiscover: ?email= → {"method":"sso","url":...} or
// {"method":"password"}.
func (h *Handler) discover(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.Discover(r.Context(), r.URL.Query().Get("email"))
	if err != nil {
		httpx.WriteError(w, r, h.logger, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, discoveryJSON{Method: d.Method, URL: d.URL})
}

func (h *Handler) replyDomain(w http.ResponseWriter, r *http.Request, status int, d *Domain, err error) {
	if err != nil {
		httpx.WriteError(w, r, h.logger, err)
		return
	}
	httpx.WriteJSON(w, status, toDomainJSON(d))
}

// addDomainRequest is the body of RouteAddDomain.
type addDomainRequest struct {
	Domain string `json:"domain"`
}

// domainJSON is the API form of a Domain.
type domainJSON struct {
	ID         string            `json:"id"`
	AccountID  string            `json:"account_id"`
	Domain     string            `json:"domain"`
	Status     DomainStatus      `json:"status"`
	Error      string            `json:"error,omitempty"`
	Record     account.DNSRecord `json:"record"`
	CheckedAt  *time.Time        `json:"checked_at,omitempty"`
	VerifiedAt *time.Time        `json:"verified_at,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
}

func toDomainJSON(d *Domain) domainJSON {
	return domainJSON{ID: d.ID, AccountID: d.AccountID, Domain: d.Domain, Status: d.Status, Error: d.Error,
		Record: DomainRecord(d), CheckedAt: d.CheckedAt, VerifiedAt: d.VerifiedAt, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// domainListJSON is the answer of RouteListDomains.
type domainListJSON struct {
	Domains []domainJSON `json:"domains"`
}

// discoveryJSON is the answer of RouteDiscover; URL only with method "sso".
type discoveryJSON struct {
	Method string `json:"method"`
	URL    string `json:"url,omitempty"`
}
