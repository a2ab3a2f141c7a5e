package web

import (
	"net/http"
	"strings"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
)

// auditPageSize is how many events one page of the log shows.
const auditPageSize = 50

// auditPresets are the time ranges the page offers, in order.
var auditPresets = []audit.Range{audit.RangeLast15Minutes, audit.RangeLast3Hours, audit.RangeToday,
	audit.RangeYesterday, audit.RangeThisWeek, audit.RangeLastWeek}

// auditFilter is the log's preset and filters, from the query.
type auditFilter struct {
	Range, Item, Action, Status, Q, Cursor string
	// Sub is "1" to add the events of the accounts below the person's.
	Sub string
}

func auditFilterOf(r *http.Request) auditFilter {
	q := r.URL.Query()
	clip := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) > 200 {
			return s[:200]
		}
		return s
	}
	return auditFilter{Range: clip(q.Get("range")), Item: clip(q.Get("item")), Action: clip(q.Get("action")),
		Status: clip(q.Get("status")), Q: clip(q.Get("q")), Cursor: clipToken(q.Get("cursor")), Sub: oneOrEmpty(q.Get("sub"))}
}

// oneOrEmpty keeps a checkbox's "1" and drops anything else.
func oneOrEmpty(s string) string {
	if s == "1" {
		return "1"
	}
	return ""
}

func (f auditFilter) query(path string, extra ...string) string {
	return withQuery(path, append([]string{"range", f.Range, "item", f.Item, "action", f.Action, "status", f.Status, "q", f.Q, "sub", f.Sub}, extra...)...)
}

func (f auditFilter) input() audit.Query {
	return audit.Query{Range: audit.Range(f.Range), Item: f.Item, Action: f.Action, Status: f.Status, Search: f.Q,
		Cursor: f.Cursor, Limit: auditPageSize, IncludeSubaccounts: f.Sub == "1"}
}

// presetLink is one preset of the range bar.
type presetLink struct {
	Label, Href string
	Current     bool
}

// auditView is the audit log page's data.
type auditView struct {
	Events  []*audit.Event
	Filter  auditFilter
	Presets []presetLink
	// AllTime links to the log without a time bound.
	AllTime    string
	Catalogue  *audit.CatalogueView
	Next       string
	First      string
	ExportCSV  string
	VerifyHref string
	Verify     *audit.VerifyResult
}

func (h *Handler) auditData(rq *request, p *page) (*auditView, int, bool) {
	f := auditFilterOf(rq.r)
	v := &auditView{Filter: f}
	base := h.base + routeAudit
	for _, r := range auditPresets {
		g := f
		g.Range = string(r)
		v.Presets = append(v.Presets, presetLink{Label: rq.tr.T("console.range_" + string(r)), Href: g.query(base), Current: f.Range == string(r)})
	}
	all := f
	all.Range = ""
	v.AllTime = all.query(base)
	cat, err := h.svc.Audit.Catalogue(rq.ctx())
	if err != nil {
		rq.refused(err)
		return nil, 0, false
	}
	v.Catalogue = cat
	status := http.StatusOK
	page, err := h.svc.Audit.List(rq.ctx(), f.input())
	if accountkit.ErrorCode(err) == accountkit.Invalid {
		status = rq.applyError(p, err)
		page, err = &audit.Page{}, nil
	}
	if err != nil {
		rq.refused(err)
		return nil, 0, false
	}
	v.Events = page.Events
	if page.NextCursor != "" {
		v.Next = f.query(base, "cursor", page.NextCursor)
	}
	if f.Cursor != "" {
		v.First = f.query(base)
	}
	v.ExportCSV = f.query(h.base + routeAuditExport)
	v.VerifyHref = f.query(h.base + routeAuditVerify)
	p.Data = v
	return v, status, true
}

// auditPage serves GET routeAudit.
func (h *Handler) auditPage(rq *request) {
	p := rq.consolePage("console.audit_title", "audit")
	if _, status, ok := h.auditData(rq, p); ok {
		rq.render(status, "audit", p)
	}
}

// auditVerify serves GET routeAuditVerify: the page with the result of
// the hash chain check (a read: it changes nothing).
func (h *Handler) auditVerify(rq *request) {
	p := rq.consolePage("console.audit_title", "audit")
	v, status, ok := h.auditData(rq, p)
	if !ok {
		return
	}
	res, err := h.svc.Audit.Verify(rq.ctx(), "")
	if err != nil {
		rq.refused(err)
		return
	}
	v.Verify = res
	rq.render(status, "audit", p)
}

// auditExport serves GET routeAuditExport: the filtered log as CSV,
// streamed by the service (which audits the download).
func (h *Handler) auditExport(rq *request) {
	f := auditFilterOf(rq.r)
	f.Cursor = ""
	q := f.input()
	q.Limit = 0
	w := rq.w
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-log.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	sw := &startedWriter{w: w}
	if err := h.svc.Audit.Export(rq.ctx(), q, sw); err != nil {
		if !sw.started {
			w.Header().Del("Content-Disposition")
			if accountkit.ErrorCode(err) == accountkit.Invalid {
				rq.redirect(f.query(h.base + routeAudit))
				return
			}
			rq.refused(err)
			return
		}
		h.logger.ErrorContext(rq.ctx(), "web: audit export failed mid-stream", "err", err)
	}
}
