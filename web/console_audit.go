package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
)

// auditPageSize is how many events one page of the log shows.
const auditPageSize = 50

// auditPresets are the time ranges the page offers, in order.
var auditPresets = []audit.Range{audit.RangeLast15Minutes, audit.RangeLast3Hours, audit.RangeToday,
	audit.RangeYesterday, audit.RangeThisWeek, audit.RangeLastWeek}

// auditTimeZones are the time zones the page offers (IANA names): UTC
// and the common ones, west to east. A valid zone typed into the URL is
// offered too; the service refuses an unknown one.
var auditTimeZones = []string{"UTC",
	"Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Phoenix",
	"America/Chicago", "America/Mexico_City", "America/New_York", "America/Bogota", "America/Toronto",
	"America/Halifax", "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "America/St_Johns",
	"Atlantic/Reykjavik", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Africa/Lagos",
	"Europe/Paris", "Europe/Berlin", "Europe/Amsterdam", "Europe/Brussels", "Europe/Madrid", "Europe/Rome",
	"Europe/Zurich", "Europe/Vienna", "Europe/Stockholm", "Europe/Warsaw", "Europe/Prague",
	"Africa/Johannesburg", "Africa/Cairo", "Europe/Athens", "Europe/Helsinki", "Europe/Kyiv",
	"Europe/Istanbul", "Europe/Moscow", "Africa/Nairobi", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata",
	"Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore", "Asia/Shanghai", "Asia/Hong_Kong",
	"Australia/Perth", "Asia/Tokyo", "Asia/Seoul", "Australia/Adelaide", "Australia/Brisbane",
	"Australia/Sydney", "Pacific/Auckland"}

// auditLocalLayouts are the forms a datetime-local input sends.
var auditLocalLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02T15:04:05.000"}

// auditFilter is the log's range, time zone and filters, from the query.
// From and To are what a datetime-local input sends, in TZ.
type auditFilter struct {
	Range, From, To, TZ, User, Item, Action, Status, Q, Cursor string
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
	f := auditFilter{Range: clip(q.Get("range")), From: clip(q.Get("from")), To: clip(q.Get("to")), TZ: clip(q.Get("tz")),
		User: clip(q.Get("user")), Item: clip(q.Get("item")), Action: clip(q.Get("action")),
		Status: clip(q.Get("status")), Q: clip(q.Get("q")), Cursor: clipToken(q.Get("cursor")), Sub: oneOrEmpty(q.Get("sub"))}
	if f.From != "" || f.To != "" {
		f.Range = string(audit.RangeCustom) // typed dates replace the preset
	}
	return f
}

// query is the page (or export) link with every filter kept.
func (f auditFilter) query(path string, extra ...string) string {
	rng := f.Range
	if rng == string(audit.RangeCustom) {
		rng = "" // from and to say it
	}
	return withQuery(path, append([]string{"range", rng, "from", f.From, "to", f.To, "tz", f.TZ, "user", f.User,
		"item", f.Item, "action", f.Action, "status", f.Status, "q", f.Q, "sub", f.Sub}, extra...)...)
}

// input turns the filter into the service's query. The page only reads
// the typed dates in the chosen zone; the service checks the zone, the
// order of from and to and everything else. errs names the fields whose
// dates are malformed (then nothing must be asked of the service).
func (f auditFilter) input() (q audit.Query, errs map[string]string) {
	q = audit.Query{Range: audit.Range(f.Range), TimeZone: f.TZ, Username: f.User, Item: f.Item, Action: f.Action,
		Status: f.Status, Search: f.Q, Cursor: f.Cursor, Limit: auditPageSize, IncludeSubaccounts: f.Sub == "1"}
	loc := time.UTC
	if l, err := time.LoadLocation(f.TZ); err == nil && f.TZ != "Local" {
		loc = l // an unknown zone is the service's to refuse
	}
	parse := func(name, s string) *time.Time {
		if s == "" {
			return nil
		}
		for _, layout := range auditLocalLayouts {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				return &t
			}
		}
		if errs == nil {
			errs = map[string]string{}
		}
		errs[name] = "consaudit.bad_date"
		return nil
	}
	q.From, q.To = parse("from", f.From), parse("to", f.To)
	return q, errs
}

// presetLink is one preset of the range bar.
type presetLink struct {
	Label, Href string
	Current     bool
}

// auditRow is one event of the list with its time in the chosen zone.
type auditRow struct {
	*audit.Event
	When string
}

// auditView is the audit log page's data.
type auditView struct {
	Events  []auditRow
	Filter  auditFilter
	Presets []presetLink
	// AllTime links to the log without a time bound.
	AllTime string
	// Zone is the IANA name of the zone the times are shown in; Zones
	// the choices.
	Zone       string
	Zones      []string
	Catalogue  *audit.CatalogueView
	Next       string
	First      string
	ExportCSV  string
	VerifyHref string
	Verify     *audit.VerifyResult
}

// dateIn formats a time in loc the way the language writes dates, with
// the zone's abbreviation: "March 4, 2026, 10:00 CET".
func (t *translator) dateIn(tm time.Time, loc *time.Location) string {
	tm = tm.In(loc)
	base, _ := t.tag.Base()
	if base.String() == "de" {
		return tm.Format("2.") + " " + monthsDE[tm.Month()-1] + tm.Format(" 2006, 15:04 MST")
	}
	return tm.Format("January 2, 2006, 15:04 MST")
}

func (h *Handler) auditData(rq *request, p *page) (*auditView, int, bool) {
	f := auditFilterOf(rq.r)
	zone := f.TZ
	if zone == "" {
		zone = "UTC" // users have no profile time zone yet
	}
	v := &auditView{Filter: f, Zone: zone, Zones: auditTimeZones}
	if !slices.Contains(v.Zones, zone) {
		v.Zones = append([]string{zone}, v.Zones...) // as typed; the service judges it
	}
	base := h.base + routeAudit
	for _, r := range auditPresets {
		g := f
		g.Range, g.From, g.To = string(r), "", ""
		v.Presets = append(v.Presets, presetLink{Label: rq.tr.T("console.range_" + string(r)), Href: g.query(base), Current: f.Range == string(r)})
	}
	all := f
	all.Range, all.From, all.To = "", "", ""
	v.AllTime = all.query(base)
	p.Values["from"], p.Values["to"], p.Values["tz"], p.Values["user"] = f.From, f.To, zone, f.User
	cat, err := h.svc.Audit.Catalogue(rq.ctx())
	if err != nil {
		rq.refused(err)
		return nil, 0, false
	}
	v.Catalogue = cat
	v.ExportCSV = f.query(h.base + routeAuditExport)
	v.VerifyHref = f.query(h.base + routeAuditVerify)
	p.Data = v
	q, bad := f.input()
	if bad != nil {
		for name, key := range bad {
			p.FieldErrors[name] = rq.tr.T(key)
		}
		p.Error = rq.tr.T("error.summary")
		return v, http.StatusUnprocessableEntity, true
	}
	page, err := h.svc.Audit.List(rq.ctx(), q)
	if accountkit.ErrorCode(err) == accountkit.Invalid {
		status := rq.applyError(p, err)
		if msg, ok := p.FieldErrors["username"]; ok {
			p.FieldErrors["user"] = msg
		}
		return v, status, true
	}
	if err != nil {
		rq.refused(err)
		return nil, 0, false
	}
	loc, err := time.LoadLocation(zone) // accepted by the service
	if err != nil {
		loc = time.UTC
	}
	for _, e := range page.Events {
		v.Events = append(v.Events, auditRow{Event: e, When: rq.tr.dateIn(e.Time, loc)})
	}
	if page.NextCursor != "" {
		v.Next = f.query(base, "cursor", page.NextCursor)
	}
	if f.Cursor != "" {
		v.First = f.query(base)
	}
	return v, http.StatusOK, true
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

// auditExport serves GET routeAuditExport: the filtered log as CSV, its
// times in the chosen zone, streamed by the service (which audits the
// download). Bad filters lead back to the page, which names them.
func (h *Handler) auditExport(rq *request) {
	f := auditFilterOf(rq.r)
	f.Cursor = ""
	q, bad := f.input()
	if bad != nil {
		rq.redirect(f.query(h.base + routeAudit))
		return
	}
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

// oneOrEmpty keeps a checkbox's "1" and drops anything else.
func oneOrEmpty(s string) string {
	if s == "1" {
		return "1"
	}
	return ""
}
