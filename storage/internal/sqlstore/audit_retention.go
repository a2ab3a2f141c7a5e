package sqlstore

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
)

// auditRetentionRow is a main account's retention in
// accountkit_audit_retention.
type auditRetentionRow struct {
	bun.BaseModel `bun:"table:accountkit_audit_retention"`

	MainAccountID string    `bun:"main_account_id,pk"`
	Days          int       `bun:"days,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

// auditCheckpointRow is a checkpoint in accountkit_audit_checkpoints; the
// signature is kept in standard base64.
type auditCheckpointRow struct {
	bun.BaseModel `bun:"table:accountkit_audit_checkpoints"`

	ID            string    `bun:"id,pk"`
	MainAccountID string    `bun:"main_account_id,notnull"`
	Seq           int64     `bun:"seq,notnull"`
	Hash          string    `bun:"hash,notnull"`
	EventCount    int64     `bun:"event_count,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
	KeyID         string    `bun:"key_id,notnull"`
	Signature     string    `bun:"signature,notnull"`
}

func (r *auditCheckpointRow) checkpoint() (*audit.Checkpoint, error) {
	sig, err := base64.StdEncoding.DecodeString(r.Signature)
	if err != nil {
		return nil, accountkit.Wrap(err, "storage error")
	}
	return &audit.Checkpoint{ID: r.ID, MainAccountID: r.MainAccountID, Seq: r.Seq, Hash: r.Hash, Count: r.EventCount,
		Time: r.CreatedAt.UTC(), KeyID: r.KeyID, Signature: sig}, nil
}

// GetAuditRetention returns the main account's retention. Errors:
// NotFound.
func (s *Store) GetAuditRetention(ctx context.Context, mainAccountID string) (*audit.Retention, error) {
	r := new(auditRetentionRow)
	if err := s.idb(ctx).NewSelect().Model(r).Where("main_account_id = ?", mainAccountID).Scan(ctx); err != nil {
		return nil, translate(err, "audit retention")
	}
	return &audit.Retention{MainAccountID: r.MainAccountID, Days: r.Days, UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// PutAuditRetention inserts or replaces the main account's retention with
// one upsert.
func (s *Store) PutAuditRetention(ctx context.Context, r *audit.Retention) error {
	q := s.idb(ctx).NewInsert().Model(&auditRetentionRow{MainAccountID: r.MainAccountID, Days: r.Days, UpdatedAt: r.UpdatedAt.UTC()})
	if s.dialect == MySQL {
		q = q.On("DUPLICATE KEY UPDATE")
	} else {
		q = q.On("CONFLICT (main_account_id) DO UPDATE")
	}
	_, err := q.Exec(ctx)
	return translate(err, "audit retention")
}

// ListAuditRetentions returns every retention with Days > 0, ordered by
// main account ID.
func (s *Store) ListAuditRetentions(ctx context.Context) ([]*audit.Retention, error) {
	var rows []auditRetentionRow
	err := s.idb(ctx).NewSelect().Model((*auditRetentionRow)(nil)).
		Where("days > 0").OrderExpr("main_account_id ASC").Scan(ctx, &rows)
	if err != nil {
		return nil, translate(err, "audit retention")
	}
	out := make([]*audit.Retention, len(rows))
	for i, r := range rows {
		out[i] = &audit.Retention{MainAccountID: r.MainAccountID, Days: r.Days, UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

// InsertAuditCheckpoint stores c. Errors: Conflict when its ID, or its Seq
// within its main account, exists.
func (s *Store) InsertAuditCheckpoint(ctx context.Context, c *audit.Checkpoint) error {
	r := &auditCheckpointRow{ID: c.ID, MainAccountID: c.MainAccountID, Seq: c.Seq, Hash: c.Hash, EventCount: c.Count,
		CreatedAt: c.Time.UTC(), KeyID: c.KeyID, Signature: base64.StdEncoding.EncodeToString(c.Signature)}
	_, err := s.idb(ctx).NewInsert().Model(r).Exec(ctx)
	return translate(err, "audit checkpoint")
}

// ListAuditCheckpoints returns the main account's checkpoints with Seq <
// beforeSeq (all when beforeSeq <= 0), highest Seq first, at most limit.
func (s *Store) ListAuditCheckpoints(ctx context.Context, mainAccountID string, beforeSeq int64, lim int) ([]*audit.Checkpoint, error) {
	q := s.idb(ctx).NewSelect().Model((*auditCheckpointRow)(nil)).Where("main_account_id = ?", mainAccountID)
	if beforeSeq > 0 {
		q = q.Where("seq < ?", beforeSeq)
	}
	var rows []auditCheckpointRow
	if err := q.OrderExpr("seq DESC").Limit(limit(lim)).Scan(ctx, &rows); err != nil {
		return nil, translate(err, "audit checkpoint")
	}
	out := make([]*audit.Checkpoint, len(rows))
	for i := range rows {
		c, err := rows[i].checkpoint()
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// DeleteAuditEvents deletes the main account's events with Seq <=
// throughSeq and their search words (through the words' event_id index,
// migration 108), in the transaction in ctx or one of its own.
func (s *Store) DeleteAuditEvents(ctx context.Context, mainAccountID string, throughSeq int64) (int64, error) {
	var n int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.idb(ctx)
		_, err := db.NewDelete().Model((*auditWordRow)(nil)).
			Where("main_account_id = ?", mainAccountID).
			Where("event_id IN (SELECT e.id FROM accountkit_audit_events AS e WHERE e.main_account_id = ? AND e.seq <= ?)", mainAccountID, throughSeq).
			Exec(ctx)
		if err != nil {
			return translate(err, "audit event")
		}
		res, err := db.NewDelete().Model((*auditEventRow)(nil)).
			Where("main_account_id = ?", mainAccountID).Where("seq <= ?", throughSeq).Exec(ctx)
		if err != nil {
			return translate(err, "audit event")
		}
		n, err = res.RowsAffected()
		return translate(err, "audit event")
	})
	return n, err
}

var _ audit.RetentionStore = (*Store)(nil)
