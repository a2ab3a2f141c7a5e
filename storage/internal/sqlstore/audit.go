package sqlstore

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
)

// auditEventRow is an event as stored in accountkit_audit_events.
// DescriptionLower is strings.ToLower(Description), computed in Go so that
// Search is a byte-wise LIKE that ignores case for all of Unicode on every
// database. Details is JSON text; a nil map is stored as NULL and read back
// as nil, an empty map as "{}" and read back as an empty map, so the chain
// hash of a stored event is unchanged.
type auditEventRow struct {
	bun.BaseModel `bun:"table:accountkit_audit_events"`

	ID               string    `bun:"id,pk"`
	MainAccountID    string    `bun:"main_account_id,notnull"`
	AccountID        string    `bun:"account_id,notnull"`
	OccurredAt       time.Time `bun:"occurred_at,notnull"`
	ActorID          string    `bun:"actor_id,notnull"`
	ActorName        string    `bun:"actor_name,notnull"`
	Item             string    `bun:"item,notnull"`
	Action           string    `bun:"action,notnull"`
	Status           string    `bun:"status,notnull"`
	Description      string    `bun:"description,notnull"`
	DescriptionLower string    `bun:"description_lower,notnull"`
	TargetType       string    `bun:"target_type,notnull"`
	TargetID         string    `bun:"target_id,notnull"`
	TargetName       string    `bun:"target_name,notnull"`
	IP               string    `bun:"ip,notnull"`
	UserAgent        string    `bun:"user_agent,notnull"`
	Details          *string   `bun:"details"`
	Seq              int64     `bun:"seq,notnull"`
	PrevHash         string    `bun:"prev_hash,notnull"`
	Hash             string    `bun:"hash,notnull"`
}

// auditChainRow is the head of one main account's hash chain.
type auditChainRow struct {
	bun.BaseModel `bun:"table:accountkit_audit_chains"`

	MainAccountID string `bun:"main_account_id,pk"`
	Seq           int64  `bun:"seq,notnull"`
	Hash          string `bun:"hash,notnull"`
}

func toAuditEventRow(e *audit.Event) (*auditEventRow, error) {
	r := &auditEventRow{
		ID:               e.ID,
		MainAccountID:    e.MainAccountID,
		AccountID:        e.AccountID,
		OccurredAt:       e.Time.UTC(),
		ActorID:          e.ActorID,
		ActorName:        e.ActorName,
		Item:             string(e.Item),
		Action:           string(e.Action),
		Status:           string(e.Status),
		Description:      e.Description,
		DescriptionLower: strings.ToLower(e.Description),
		TargetType:       e.TargetType,
		TargetID:         e.TargetID,
		TargetName:       e.TargetName,
		IP:               e.IP,
		UserAgent:        e.UserAgent,
		Seq:              e.Seq,
		PrevHash:         e.PrevHash,
		Hash:             e.Hash,
	}
	if e.Details != nil {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return nil, accountkit.Wrap(err, "storage error")
		}
		d := string(b)
		r.Details = &d
	}
	return r, nil
}

func (r *auditEventRow) event() (*audit.Event, error) {
	e := &audit.Event{
		ID:            r.ID,
		AccountID:     r.AccountID,
		MainAccountID: r.MainAccountID,
		Time:          r.OccurredAt.UTC(),
		ActorID:       r.ActorID,
		ActorName:     r.ActorName,
		Item:          audit.Item(r.Item),
		Action:        audit.Action(r.Action),
		Status:        audit.Status(r.Status),
		Description:   r.Description,
		TargetType:    r.TargetType,
		TargetID:      r.TargetID,
		TargetName:    r.TargetName,
		IP:            r.IP,
		UserAgent:     r.UserAgent,
		Seq:           r.Seq,
		PrevHash:      r.PrevHash,
		Hash:          r.Hash,
	}
	if r.Details != nil && *r.Details != "null" {
		if err := json.Unmarshal([]byte(*r.Details), &e.Details); err != nil {
			return nil, accountkit.Wrap(err, "storage error")
		}
		if e.Details == nil {
			e.Details = map[string]string{}
		}
	}
	return e, nil
}

func auditEvents(rows []auditEventRow) ([]*audit.Event, error) {
	out := make([]*audit.Event, len(rows))
	for i := range rows {
		e, err := rows[i].event()
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// InsertAuditEvent stores e. Errors: Conflict when e.ID exists.
func (s *Store) InsertAuditEvent(ctx context.Context, e *audit.Event) error {
	r, err := toAuditEventRow(e)
	if err != nil {
		return err
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.idb(ctx).NewInsert().Model(r).Exec(ctx); err != nil {
			return translate(err, "audit event")
		}
		return s.insertAuditWords(ctx, e.MainAccountID, e.ID, e.Description)
	})
}

// InsertAuditWords stores the search words of e's description (see
// audit.WordsFirstStore). The words table has no foreign key to the
// events, so the words may precede their event in the transaction.
func (s *Store) InsertAuditWords(ctx context.Context, e *audit.Event) error {
	return s.insertAuditWords(ctx, e.MainAccountID, e.ID, e.Description)
}

// AppendAuditEvent stores e without its search words and advances the
// chain to it (see audit.WordsFirstStore). On PostgreSQL it is one
// statement, WITH e AS (INSERT … event) UPDATE accountkit_audit_chains …,
// so the chain's lock is held for one statement less; the hash is
// computed in Go as before. Errors: Conflict when e.ID exists, NotFound
// when the chain does not.
func (s *Store) AppendAuditEvent(ctx context.Context, e *audit.Event) error {
	r, err := toAuditEventRow(e)
	if err != nil {
		return err
	}
	db := s.idb(ctx)
	if s.dialect != Postgres {
		if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
			return translate(err, "audit event")
		}
		return s.AdvanceAuditChain(ctx, e.MainAccountID, e.Seq, e.Hash)
	}
	res, err := db.NewUpdate().With("e", db.NewInsert().Model(r)).Model((*auditChainRow)(nil)).
		Set("seq = ?", e.Seq).Set("hash = ?", e.Hash).
		Where("main_account_id = ?", e.MainAccountID).
		Exec(ctx)
	if err != nil {
		return translate(err, "audit event")
	}
	return s.affectedOne(ctx, res, (*auditChainRow)(nil), "main_account_id = ?", e.MainAccountID, "audit chain")
}

// ListAuditEvents returns the events matching f, newest first (by Time, then
// ID, both descending), at most f.Limit of them.
//
// The Before cursor is written as occurred_at <= t AND (occurred_at < t OR
// (occurred_at = t AND id < id0)) rather than as a row-value comparison,
// which MariaDB cannot serve from an index.
//
// On MariaDB a page with a limit is read in two steps of one statement
// (auditPageQuery): the ids of the page by an index-only scan, then those
// rows by primary key.
func (s *Store) ListAuditEvents(ctx context.Context, f audit.Filter) ([]*audit.Event, error) {
	if f.AccountIDs != nil && len(f.AccountIDs) == 0 {
		return []*audit.Event{}, nil
	}
	var rows []auditEventRow
	if s.dialect == MySQL && f.Limit > 0 {
		if err := s.auditPageQuery(ctx, f).Scan(ctx, &rows); err != nil {
			return nil, translate(err, "audit event")
		}
		// The outer query has no ORDER BY (it would sort in a temporary
		// table): the page is put back in order here.
		slices.SortFunc(rows, func(a, b auditEventRow) int {
			if c := b.OccurredAt.Compare(a.OccurredAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		return auditEvents(rows)
	}
	if err := s.auditQuery(ctx, f).Scan(ctx, &rows); err != nil {
		return nil, translate(err, "audit event")
	}
	return auditEvents(rows)
}

// auditPageQuery is the MariaDB query of a ListAuditEvents page:
//
//	SELECT e.* FROM (SELECT id FROM accountkit_audit_events FORCE INDEX (...)
//	  WHERE ... ORDER BY occurred_at DESC, id DESC LIMIT n) AS k
//	JOIN accountkit_audit_events AS e ON e.id = k.id
//
// MariaDB 10.11 pushes no condition into a descending index scan (no
// index condition pushdown backwards), so the flat query reads the table
// row of every index entry it passes to test the filters: a filter that
// keeps one event in 80 read 4,000 rows for a page of 50, from disk once
// the log outgrows the buffer pool (measured: p90 108 ms at 1M events).
// The derived table reads only the index, which holds every filtered
// column (migration 120), and the join then reads the page's rows by
// primary key. With a word search the word ranges drive the plan instead
// (see auditQuery).
func (s *Store) auditPageQuery(ctx context.Context, f audit.Filter) *bun.SelectQuery {
	ids := s.auditQuery(ctx, f).Column("id")
	return s.idb(ctx).NewSelect().
		TableExpr("(?) AS k", ids).
		Join("JOIN accountkit_audit_events AS e ON e.id = k.id").
		ColumnExpr("e.*")
}

// auditStreamPage is the page size of StreamAuditEvents where it reads
// pages.
const auditStreamPage = 1000

// auditStreamColumns are the columns StreamAuditEvents reads, in the order
// it scans them; a Brief stream reads the first auditBriefColumns.
var auditStreamColumns = []string{"account_id", "occurred_at", "actor_id", "actor_name",
	"item", "action", "status", "description", "target_type", "target_id", "target_name", "ip", "user_agent",
	"id", "main_account_id", "seq", "prev_hash", "hash", "details"}

const auditBriefColumns = 13

// StreamAuditEvents calls fn with each event matching f, newest first. On
// PostgreSQL and MariaDB it runs the query of ListAuditEvents once, without
// a limit, and scans the rows as they arrive into one event that it reuses
// (one statement, however many events: the export of a large log no
// longer costs a query per 500 rows); it holds one connection while fn
// runs, so fn may use the store (the pools have at least two). On SQLite,
// whose pool may be one connection and whose readers would hold up
// writers, and inside a transaction, whose connection fn may need, it reads
// pages as audit.StreamPages does.
func (s *Store) StreamAuditEvents(ctx context.Context, f audit.Filter, fn func(*audit.Event) error) error {
	if f.AccountIDs != nil && len(f.AccountIDs) == 0 {
		return nil
	}
	if s.dialect == SQLite || inTx(ctx) {
		return audit.StreamPages(ctx, s.ListAuditEvents, f, auditStreamPage, fn)
	}
	f.Limit = 0
	cols := auditStreamColumns
	if f.Brief {
		cols = cols[:auditBriefColumns]
	}
	rows, err := s.auditQuery(ctx, f).Column(cols...).Rows(ctx)
	if err != nil {
		return translate(err, "audit event")
	}
	defer rows.Close()
	var (
		e                    audit.Event
		item, action, status string
		details              *string
		dest                 = []any{&e.AccountID, &e.Time, &e.ActorID, &e.ActorName,
			&item, &action, &status, &e.Description, &e.TargetType, &e.TargetID, &e.TargetName, &e.IP, &e.UserAgent,
			&e.ID, &e.MainAccountID, &e.Seq, &e.PrevHash, &e.Hash, &details}[:len(cols)]
	)
	for rows.Next() {
		details = nil
		if err := rows.Scan(dest...); err != nil {
			return translate(err, "audit event")
		}
		e.Time = e.Time.UTC()
		e.Item, e.Action, e.Status = audit.Item(item), audit.Action(action), audit.Status(status)
		e.Details = nil
		if details != nil && *details != "null" {
			if err := json.Unmarshal([]byte(*details), &e.Details); err != nil {
				return accountkit.Wrap(err, "storage error")
			}
			if e.Details == nil {
				e.Details = map[string]string{}
			}
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return translate(err, "audit event")
	}
	return nil
}

// auditQuery builds the query of ListAuditEvents.
func (s *Store) auditQuery(ctx context.Context, f audit.Filter) *bun.SelectQuery {
	q := s.idb(ctx).NewSelect().Model((*auditEventRow)(nil)).
		Where("main_account_id = ?", f.MainAccountID)
	if f.AccountIDs != nil {
		q = q.Where("account_id IN (?)", bun.List(f.AccountIDs))
	}
	if f.From != nil {
		q = q.Where("occurred_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("occurred_at < ?", f.To.UTC())
	}
	if f.ActorID != nil {
		q = q.Where("actor_id = ?", *f.ActorID)
	}
	if f.ActorName != nil {
		q = q.Where("actor_name = ?", *f.ActorName)
	}
	if f.Item != nil {
		q = q.Where("item = ?", string(*f.Item))
	}
	if f.Action != nil {
		q = q.Where("action = ?", string(*f.Action))
	}
	if f.Status != nil {
		q = q.Where("status = ?", string(*f.Status))
	}
	q = auditSearch(q, f.MainAccountID, f.Search)
	if c := f.Before; c != nil {
		t := c.Time.UTC()
		q = q.Where("occurred_at <= ?", t).
			Where("(occurred_at < ? OR (occurred_at = ? AND id < ?))", t, t, c.ID)
	}
	// With a word search the word ranges drive the plan (a search with no
	// match reads an empty range); forcing a time index would make MariaDB
	// walk the account's log probing each event's words instead.
	if s.dialect == MySQL && f.Search == "" {
		q = q.ForceIndex(auditIndex(f))
	}
	return q.OrderExpr("occurred_at DESC, id DESC").Limit(limit(f.Limit))
}

// auditIndex picks the index MySQL must use for f. Left alone, MariaDB 10.11
// reads an index by "ref" on its first column alone instead of as a range
// that starts at the cursor or at To: a page half way through a large
// account's log then reads half the log (measured: 50 s instead of 5 ms
// at 1M events). FORCE INDEX makes it take the range. Both indexes (see
// migration 120) continue with occurred_at and id, so they return rows in
// the page order, and then hold every column a filter tests, so that
// auditPageQuery's id scan reads the index alone: actor_list for a filter
// on the actor (one entry in 40 would match in the others), account_list
// for one account (the principal's own log), main_list for a tree.
func auditIndex(f audit.Filter) string {
	if f.ActorID != nil {
		return "accountkit_audit_events_actor_list_idx"
	}
	if len(f.AccountIDs) == 1 {
		return "accountkit_audit_events_account_list_idx"
	}
	return "accountkit_audit_events_main_list_idx"
}

// LockAuditChain returns the sequence number and hash of the last event of
// the main account's chain (0 and "" for an empty chain), creating the chain
// head if needed, and locks it until the transaction in ctx ends. It must be
// called inside a transaction; outside one it returns an Internal error.
//
// The head is read with SELECT ... FOR UPDATE first (the common case), and
// only when it is missing inserted if absent and read again. Inserting
// first would take a shared lock on MariaDB that every concurrent caller
// then tries to upgrade: a deadlock. SQLite has no row locks; its
// transactions are serialized by BEGIN IMMEDIATE.
func (s *Store) LockAuditChain(ctx context.Context, mainAccountID string) (int64, string, error) {
	if err := requireTx(ctx, "LockAuditChain"); err != nil {
		return 0, "", err
	}
	head, err := s.selectChainForUpdate(ctx, mainAccountID)
	if err == nil {
		return head.Seq, head.Hash, nil
	}
	if !isNotFound(err) {
		return 0, "", err
	}
	ins := s.idb(ctx).NewInsert().Model(&auditChainRow{MainAccountID: mainAccountID})
	if s.dialect == MySQL {
		ins = ins.Ignore()
	} else {
		ins = ins.On("CONFLICT (main_account_id) DO NOTHING")
	}
	if _, err := ins.Exec(ctx); err != nil {
		return 0, "", translate(err, "audit chain")
	}
	head, err = s.selectChainForUpdate(ctx, mainAccountID)
	if err != nil {
		return 0, "", err
	}
	return head.Seq, head.Hash, nil
}

func (s *Store) selectChainForUpdate(ctx context.Context, mainAccountID string) (*auditChainRow, error) {
	head := new(auditChainRow)
	q := s.idb(ctx).NewSelect().Model(head).Where("main_account_id = ?", mainAccountID)
	if s.dialect != SQLite {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, translate(err, "audit chain")
	}
	return head, nil
}

// AdvanceAuditChain records the new last event of the chain. It must follow
// LockAuditChain in the same transaction. Errors: NotFound.
func (s *Store) AdvanceAuditChain(ctx context.Context, mainAccountID string, seq int64, hash string) error {
	res, err := s.idb(ctx).NewUpdate().Model((*auditChainRow)(nil)).
		Set("seq = ?", seq).Set("hash = ?", hash).
		Where("main_account_id = ?", mainAccountID).
		Exec(ctx)
	if err != nil {
		return translate(err, "audit chain")
	}
	return s.affectedOne(ctx, res, (*auditChainRow)(nil), "main_account_id = ?", mainAccountID, "audit chain")
}

// ListAuditChain returns the main account's events with Seq > afterSeq in
// ascending Seq order, at most limit of them (50 when limit <= 0).
func (s *Store) ListAuditChain(ctx context.Context, mainAccountID string, afterSeq int64, lim int) ([]*audit.Event, error) {
	var rows []auditEventRow
	err := s.idb(ctx).NewSelect().Model((*auditEventRow)(nil)).
		Where("main_account_id = ?", mainAccountID).
		Where("seq > ?", afterSeq).
		OrderExpr("seq ASC").
		Limit(limit(lim)).
		Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "audit event")
	}
	return auditEvents(rows)
}
