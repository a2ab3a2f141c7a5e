package scim

import (
	"log/slog"
	"net/http"

	"github.com/accountkit/accountkit/internal/httpx"
)

// The JSON API routes of an account's SCIM settings.
const (
	RouteGetSettings = "GET /api/v1/accounts/{id}/scim/settings"
	RouteSetSettings = "PUT /api/v1/accounts/{id}/scim/settings"
)

// SettingsHandler serves the SCIM settings in the JSON API (session or
// API key authentication, as the rest of /api/v1).
type SettingsHandler struct {
	httpx.Mux
	svc *Service
}

// NewSettingsHandler returns the JSON API handler of SCIM settings.
func NewSettingsHandler(svc *Service, logger *slog.Logger) *SettingsHandler {
	h := &SettingsHandler{svc: svc}
	h.Mux = httpx.NewMux(logger, []httpx.Route{
		{Pattern: RouteGetSettings, Serve: h.get},
		{Pattern: RouteSetSettings, Serve: h.set},
	}...)
	return h
}

// settingsJSON is the settings as the API answers them.
type settingsJSON struct {
	AccountID             string        `json:"account_id"`
	DeactivationFreesSeat bool          `json:"deactivation_frees_seat"`
	RoleMappings          []RoleMapping `json:"role_mappings"`
}

func settingsOut(st *Settings) settingsJSON {
	maps := st.RoleMappings
	if maps == nil {
		maps = []RoleMapping{}
	}
	return settingsJSON{AccountID: st.AccountID, DeactivationFreesSeat: st.DeactivationFreesSeat, RoleMappings: maps}
}

// get serves RouteGetSettings.
func (h *SettingsHandler) get(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.Settings(r.Context(), r.PathValue("id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, settingsOut(st))
}

// set serves RouteSetSettings: {"deactivation_frees_seat": true,
// "role_mappings": [{"attribute": "roles", "value": "admin", "role":
// "account_manager"}]}.
func (h *SettingsHandler) set(w http.ResponseWriter, r *http.Request) {
	var in SettingsInput
	if err := httpx.DecodeJSON(w, r, 64<<10, &in); err != nil {
		h.Fail(w, r, err)
		return
	}
	st, err := h.svc.SetSettings(r.Context(), r.PathValue("id"), in)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, settingsOut(st))
}
