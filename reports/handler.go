package reports

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/httpx"
)

// Routes served by Handler.
const (
	RouteRequest = "POST /api/v1/accounts/{id}/reports"
	RouteList    = "GET /api/v1/accounts/{id}/reports"
	RouteGet     = "GET /api/v1/accounts/{id}/reports/{reportID}"
	RouteContent = "GET /api/v1/accounts/{id}/reports/{reportID}/content"
	RouteDelete  = "DELETE /api/v1/accounts/{id}/reports/{reportID}"
)

// Handler serves the reports API. It calls only the Service.
type Handler struct {
	httpx.Mux
	svc *Service
}

// NewHandler returns the reports API handler.
func NewHandler(svc *Service, logger *slog.Logger) *Handler {
	h := &Handler{svc: svc}
	h.Mux = httpx.NewMux(logger, []httpx.Route{
		{Pattern: RouteRequest, Serve: h.request},
		{Pattern: RouteList, Serve: h.list},
		{Pattern: RouteGet, Serve: h.get},
		{Pattern: RouteContent, Serve: h.content},
		{Pattern: RouteDelete, Serve: h.delete},
	}...)
	return h
}

// request serves RouteRequest: {"kind", "format", "params"}; 202 with the
// pending report.
func (h *Handler) request(w http.ResponseWriter, r *http.Request) {
	var in requestIn
	if err := httpx.DecodeJSON(w, r, 0, &in); err != nil {
		h.svc.rec.RecordFailure(r.Context(), entry(r.PathValue("id"), audit.ActionRequest, nil), err)
		h.Fail(w, r, err)
		return
	}
	rep, err := h.svc.Request(r.Context(), r.PathValue("id"), in.Kind, in.Format, in.Params)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/accounts/"+rep.AccountID+"/reports/"+rep.ID)
	httpx.WriteJSON(w, http.StatusAccepted, toJSON(rep, h.svc.Now()))
}

// list serves RouteList: ?limit=&cursor=.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	limit, err := httpx.QueryInt(r, "limit")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.svc.List(r.Context(), ListInput{AccountID: r.PathValue("id"), Cursor: r.URL.Query().Get("cursor"), Limit: limit})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	now := h.svc.Now()
	out := listOut{Items: make([]reportOut, len(page.Reports)), NextCursor: page.NextCursor}
	for i, rep := range page.Reports {
		out.Items[i] = toJSON(rep, now)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// get serves RouteGet.
func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	rep, err := h.svc.Get(r.Context(), r.PathValue("reportID"))
	if err == nil && rep.AccountID != r.PathValue("id") {
		err = errNotFound
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, toJSON(rep, h.svc.Now()))
}

// content serves RouteContent: the report's content, streamed, as an
// attachment.
func (h *Handler) content(w http.ResponseWriter, r *http.Request) {
	if err := h.inAccount(r); err != nil {
		h.Fail(w, r, err)
		return
	}
	rep, rc, err := h.svc.Open(r.Context(), r.PathValue("reportID"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", rep.ContentType())
	w.Header().Set("Content-Disposition", `attachment; filename="`+rep.FileName()+`"`)
	w.Header().Set("Content-Length", strconv.FormatInt(rep.Size, 10))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if _, err := io.Copy(w, rc); err != nil {
		h.Logger().ErrorContext(r.Context(), "report download failed mid-stream", "report", rep.ID, "err", err)
	}
}

// delete serves RouteDelete: 204.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	err := h.inAccount(r)
	if err == nil {
		err = h.svc.Delete(r.Context(), r.PathValue("reportID"))
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// inAccount answers NotFound when the report in the path is not the
// path account's (before anything is recorded or changed).
func (h *Handler) inAccount(r *http.Request) error {
	rep, err := h.svc.Get(r.Context(), r.PathValue("reportID"))
	if err != nil {
		return err
	}
	if rep.AccountID != r.PathValue("id") {
		return errNotFound
	}
	return nil
}

type requestIn struct {
	Kind   Kind   `json:"kind"`
	Format Format `json:"format"`
	Params Params `json:"params"`
}

type reportOut struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"account_id"`
	Kind       Kind       `json:"kind"`
	Format     Format     `json:"format"`
	Params     Params     `json:"params"`
	Status     Status     `json:"status"`
	Rows       int64      `json:"rows"`
	Size       int64      `json:"size"`
	Error      string     `json:"error,omitempty"`
	Requester  string     `json:"requested_by"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	FileName   string     `json:"file_name"`
}

type listOut struct {
	Items      []reportOut `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

func toJSON(r *Report, now time.Time) reportOut {
	return reportOut{ID: r.ID, AccountID: r.AccountID, Kind: r.Kind, Format: r.Format, Params: r.Params, Status: r.State(now),
		Rows: r.Rows, Size: r.Size, Error: r.Error, Requester: r.Requester.Name, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt,
		FinishedAt: r.FinishedAt, ExpiresAt: r.ExpiresAt, FileName: r.FileName()}
}
