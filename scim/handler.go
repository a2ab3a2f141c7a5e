package scim

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/internal/httpx"
	"github.com/accountkit/accountkit/security"
)

// Base is the path the SCIM endpoints live under.
const Base = "/scim/v2"

// Routes, as ServeMux patterns (literals: the kit's OpenAPI test reads
// them).
const (
	RouteServiceProviderConfig = "GET /scim/v2/ServiceProviderConfig"
	RouteResourceTypes         = "GET /scim/v2/ResourceTypes"
	RouteSchemas               = "GET /scim/v2/Schemas"
	RouteUsers                 = "GET /scim/v2/Users"
	RouteCreateUser            = "POST /scim/v2/Users"
	RouteUser                  = "GET /scim/v2/Users/{id}"
	RouteReplaceUser           = "PUT /scim/v2/Users/{id}"
	RoutePatchUser             = "PATCH /scim/v2/Users/{id}"
	RouteDeleteUser            = "DELETE /scim/v2/Users/{id}"
	RouteGroups                = "GET /scim/v2/Groups"
	RouteCreateGroup           = "POST /scim/v2/Groups"
	RouteGroup                 = "GET /scim/v2/Groups/{id}"
	RouteReplaceGroup          = "PUT /scim/v2/Groups/{id}"
	RoutePatchGroup            = "PATCH /scim/v2/Groups/{id}"
	RouteDeleteGroup           = "DELETE /scim/v2/Groups/{id}"
)

// ContentType is the media type of every SCIM response.
const ContentType = "application/scim+json"

// MaxBodyBytes caps a request body.
const MaxBodyBytes = 1 << 20

// Handler serves the SCIM endpoints. It authenticates requests itself,
// with the authenticators given (the kit passes the API key service): a
// SCIM client sends an API key as a bearer token, and every failure is
// answered as a SCIM error body.
type Handler struct {
	svc    *Service
	auths  []security.Authenticator
	logger *slog.Logger
	mux    *http.ServeMux
}

// NewHandler returns the SCIM handler; mount it so that it sees paths
// starting with Base.
func NewHandler(svc *Service, logger *slog.Logger, auths ...security.Authenticator) *Handler {
	if logger == nil {
		logger = slog.Default()
	}
	h := &Handler{svc: svc, auths: auths, logger: logger, mux: http.NewServeMux()}
	for route, fn := range map[string]http.HandlerFunc{
		RouteServiceProviderConfig: h.spConfig, RouteResourceTypes: h.resourceTypes, RouteSchemas: h.schemas,
		RouteUsers: h.listUsers, RouteCreateUser: h.createUser, RouteUser: h.getUser, RouteReplaceUser: h.replaceUser,
		RoutePatchUser: h.patchUser, RouteDeleteUser: h.deleteUser,
		RouteGroups: h.listGroups, RouteCreateGroup: h.createGroup, RouteGroup: h.getGroup, RouteReplaceGroup: h.replaceGroup,
		RoutePatchGroup: h.patchGroup, RouteDeleteGroup: h.deleteGroup,
	} {
		h.mux.HandleFunc(route, fn)
	}
	h.mux.HandleFunc(Base+"/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, accountkit.Errorf(accountkit.NotFound, "no such SCIM endpoint"))
	})
	return h
}

// ServeHTTP checks the query parameters, authenticates the request and
// routes it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, err := pageInput(r); err != nil {
		h.fail(w, r, err)
		return
	}
	for _, a := range h.auths {
		p, err := a.Authenticate(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if p != nil {
			p.IP, p.UserAgent = httpx.ClientIP(r), accountkit.Clip(r.UserAgent(), 512)
			r = r.WithContext(security.WithPrincipal(r.Context(), p))
			break
		}
	}
	if security.PrincipalFrom(r.Context()) == nil && security.BearerToken(r) != "" {
		h.fail(w, r, accountkit.Errorf(accountkit.Unauthenticated, "invalid or expired credentials"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	h.mux.ServeHTTP(w, r)
}

// errorBody is a SCIM error (RFC 7644 §3.12).
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

// fail answers err as a SCIM error; internal errors are logged and
// answered with a generic text.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := httpx.Status(accountkit.ErrorCode(err))
	var se *Error
	if errors.As(err, &se) && se.Status != 0 {
		status = se.Status
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		status, err = http.StatusRequestEntityTooLarge, accountkit.Errorf(accountkit.LimitExceeded, "the request body is larger than 1 MiB")
	}
	body := errorBody{Schemas: []string{SchemaError}, Status: strconv.Itoa(status), Detail: accountkit.ErrorMessage(err)}
	if status == http.StatusBadRequest || status == http.StatusConflict {
		body.ScimType = TypeOf(err)
	}
	if status >= 500 {
		h.logger.ErrorContext(r.Context(), "scim request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="accountkit-scim"`)
	}
	h.write(w, status, body)
}

func (h *Handler) write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// base returns the absolute URL of the SCIM base for the request.
func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + Base
}

// decode reads a JSON body into v (unknown attributes are ignored, as
// RFC 7644 §3.3 allows).
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *Error
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.As(err, &se):
			return err
		}
		return invalid(TypeInvalidSyntax, "body", "is not a valid JSON object of the resource")
	}
	if dec.More() {
		return invalid(TypeInvalidSyntax, "body", "holds more than one JSON value")
	}
	return nil
}

// pageInput reads the list parameters. Text parameters must be valid
// UTF-8 without control characters; startIndex must be an integer of at
// least 1 and count one of at least 0 (stricter than RFC 7644 §3.4.2.4,
// which reads smaller values as 1 and 0: no identity provider sends them,
// and bad input is refused here rather than guessed at).
func pageInput(r *http.Request) (PageInput, error) {
	q := r.URL.Query()
	for _, name := range []string{"filter", "attributes", "excludedAttributes"} {
		if msg := accountkit.TextProblem(q.Get(name), 0, MaxFilterLength, false); msg != "" {
			t := TypeInvalidValue
			if name == "filter" {
				t = TypeInvalidFilter
			}
			return PageInput{}, invalid(t, name, msg)
		}
	}
	in := PageInput{Filter: q.Get("filter")}
	if v := q.Get("startIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return in, invalid(TypeInvalidValue, "startIndex", "must be an integer of at least 1")
		}
		in.StartIndex = n
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return in, invalid(TypeInvalidValue, "count", "must be an integer of at least 0")
		}
		in.Count = &n
	}
	in.SortBy = q.Get("sortBy")
	if msg := accountkit.TextProblem(in.SortBy, 0, 200, false); msg != "" {
		return in, invalid(TypeInvalidValue, "sortBy", msg)
	}
	switch strings.ToLower(q.Get("sortOrder")) {
	case "", "ascending":
	case "descending":
		in.Descending = true
	default:
		return in, invalid(TypeInvalidValue, "sortOrder", "must be ascending or descending")
	}
	proj, err := parseProjection(q.Get("attributes"), q.Get("excludedAttributes"))
	if err != nil {
		return in, err
	}
	in.Projection, in.ExcludeMembers = proj, !proj.wants("members")
	return in, nil
}

// writeProjected writes a resource reduced to the request's attributes
// or excludedAttributes (POST, PUT and PATCH answers included, as RFC
// 7644 §3.9 allows).
func (h *Handler) writeProjected(w http.ResponseWriter, r *http.Request, status int, resource any, core string) {
	in, _ := pageInput(r) // checked in ServeHTTP
	if in.Projection.IsZero() {
		h.write(w, status, resource)
		return
	}
	m, err := in.Projection.apply(resource, core)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.write(w, status, m)
}

// writeListOf writes a list response, each resource reduced to what p asks
// for.
func writeListOf[T any](h *Handler, w http.ResponseWriter, r *http.Request, list *ListResponse[T], p Projection, core string) {
	if p.IsZero() {
		h.write(w, http.StatusOK, list)
		return
	}
	out := ListResponse[map[string]any]{Schemas: list.Schemas, TotalResults: list.TotalResults,
		StartIndex: list.StartIndex, ItemsPerPage: list.ItemsPerPage, Resources: make([]map[string]any, 0, len(list.Resources))}
	for i := range list.Resources {
		m, err := p.apply(list.Resources[i], core)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out.Resources = append(out.Resources, m)
	}
	h.write(w, http.StatusOK, out)
}

func (h *Handler) withLocation(r *http.Request, m *Meta) { m.Location = base(r) + m.Location }

// userURLs makes the user's location and manager reference absolute.
func (h *Handler) userURLs(r *http.Request, u *User) {
	h.withLocation(r, &u.Meta)
	if u.Enterprise != nil && u.Enterprise.Manager != nil {
		u.Enterprise.Manager.Ref = base(r) + u.Enterprise.Manager.Ref
	}
}

func (h *Handler) user(w http.ResponseWriter, r *http.Request, status int, u *User, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.userURLs(r, u)
	w.Header().Set("ETag", u.Meta.Version)
	if status == http.StatusCreated {
		w.Header().Set("Location", u.Meta.Location)
	}
	h.writeProjected(w, r, status, u, SchemaUser)
}

func (h *Handler) group(w http.ResponseWriter, r *http.Request, status int, g *Group, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.withLocation(r, &g.Meta)
	for i := range g.Members {
		g.Members[i].Ref = base(r) + g.Members[i].Ref
	}
	w.Header().Set("ETag", g.Meta.Version)
	if status == http.StatusCreated {
		w.Header().Set("Location", g.Meta.Location)
	}
	h.writeProjected(w, r, status, g, SchemaGroup)
}

// spConfig serves GET /scim/v2/ServiceProviderConfig (no authentication
// needed: it describes the service only).
func (h *Handler) spConfig(w http.ResponseWriter, r *http.Request) {
	c := serviceProviderConfig()
	c["meta"].(map[string]any)["location"] = base(r) + "/ServiceProviderConfig"
	h.write(w, http.StatusOK, c)
}

// resourceTypes serves GET /scim/v2/ResourceTypes.
func (h *Handler) resourceTypes(w http.ResponseWriter, r *http.Request) {
	list := resourceTypes()
	for _, t := range list {
		m := t["meta"].(map[string]any)
		m["location"] = base(r) + m["location"].(string)
	}
	h.write(w, http.StatusOK, ListResponse[map[string]any]{Schemas: []string{SchemaListResponse},
		TotalResults: len(list), StartIndex: 1, ItemsPerPage: len(list), Resources: list})
}

// schemas serves GET /scim/v2/Schemas.
func (h *Handler) schemas(w http.ResponseWriter, r *http.Request) {
	list := schemas()
	for _, t := range list {
		m := t["meta"].(map[string]any)
		m["location"] = base(r) + m["location"].(string)
	}
	h.write(w, http.StatusOK, ListResponse[map[string]any]{Schemas: []string{SchemaListResponse},
		TotalResults: len(list), StartIndex: 1, ItemsPerPage: len(list), Resources: list})
}

// listUsers serves GET /scim/v2/Users.
func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) {
	in, err := pageInput(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.svc.ListUsers(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for i := range list.Resources {
		h.userURLs(r, &list.Resources[i])
	}
	writeListOf(h, w, r, list, in.Projection, SchemaUser)
}

// createUser serves POST /scim/v2/Users.
func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) {
	var in userIn
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.svc.CreateUser(r.Context(), &in)
	h.user(w, r, http.StatusCreated, u, err)
}

// getUser serves GET /scim/v2/Users/{id}.
func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := h.svc.GetUser(r.Context(), r.PathValue("id"))
	h.user(w, r, http.StatusOK, u, err)
}

// replaceUser serves PUT /scim/v2/Users/{id}.
func (h *Handler) replaceUser(w http.ResponseWriter, r *http.Request) {
	var in userIn
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.svc.ReplaceUser(r.Context(), r.PathValue("id"), &in, r.Header.Get("If-Match"))
	h.user(w, r, http.StatusOK, u, err)
}

// patchUser serves PATCH /scim/v2/Users/{id}.
func (h *Handler) patchUser(w http.ResponseWriter, r *http.Request) {
	var req PatchRequest
	if err := decode(r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.svc.PatchUser(r.Context(), r.PathValue("id"), &req, r.Header.Get("If-Match"))
	h.user(w, r, http.StatusOK, u, err)
}

// deleteUser serves DELETE /scim/v2/Users/{id}.
func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteUser(r.Context(), r.PathValue("id"), r.Header.Get("If-Match")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listGroups serves GET /scim/v2/Groups.
func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request) {
	in, err := pageInput(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.svc.ListGroups(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for i := range list.Resources {
		g := &list.Resources[i]
		h.withLocation(r, &g.Meta)
		for j := range g.Members {
			g.Members[j].Ref = base(r) + g.Members[j].Ref
		}
	}
	writeListOf(h, w, r, list, in.Projection, SchemaGroup)
}

// createGroup serves POST /scim/v2/Groups.
func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request) {
	var in groupIn
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	g, err := h.svc.CreateGroup(r.Context(), &in)
	h.group(w, r, http.StatusCreated, g, err)
}

// getGroup serves GET /scim/v2/Groups/{id}.
func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request) {
	in, err := pageInput(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	g, err := h.svc.GetGroup(r.Context(), r.PathValue("id"), !in.ExcludeMembers)
	h.group(w, r, http.StatusOK, g, err)
}

// replaceGroup serves PUT /scim/v2/Groups/{id}.
func (h *Handler) replaceGroup(w http.ResponseWriter, r *http.Request) {
	var in groupIn
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	g, err := h.svc.ReplaceGroup(r.Context(), r.PathValue("id"), &in, r.Header.Get("If-Match"))
	h.group(w, r, http.StatusOK, g, err)
}

// patchGroup serves PATCH /scim/v2/Groups/{id}.
func (h *Handler) patchGroup(w http.ResponseWriter, r *http.Request) {
	var req PatchRequest
	if err := decode(r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	g, err := h.svc.PatchGroup(r.Context(), r.PathValue("id"), &req, r.Header.Get("If-Match"))
	h.group(w, r, http.StatusOK, g, err)
}

// deleteGroup serves DELETE /scim/v2/Groups/{id}.
func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteGroup(r.Context(), r.PathValue("id"), r.Header.Get("If-Match")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
