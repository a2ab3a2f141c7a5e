package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit/reports"
)

// reportRow is a report in accountkit_reports; Params is a JSON object.
type reportRow struct {
	bun.BaseModel `bun:"table:accountkit_reports"`

	ID              string     `bun:"id,pk"`
	AccountID       string     `bun:"account_id,notnull"`
	Kind            string     `bun:"kind,notnull"`
	Format          string     `bun:"format,notnull"`
	Params          string     `bun:"params,notnull"`
	RequesterUserID string     `bun:"requester_user_id,notnull"`
	RequesterKeyID  string     `bun:"requester_key_id,notnull"`
	RequesterName   string     `bun:"requester_name,notnull"`
	Status          string     `bun:"status,notnull"`
	Attempt         int        `bun:"attempt,notnull"`
	RowCount        int64      `bun:"row_count,notnull"`
	SizeBytes       int64      `bun:"size_bytes,notnull"`
	ErrorMessage    string     `bun:"error_message,notnull"`
	BlobKey         string     `bun:"blob_key,notnull"`
	CreatedAt       time.Time  `bun:"created_at,notnull"`
	UpdatedAt       time.Time  `bun:"updated_at,notnull"`
	StartedAt       *time.Time `bun:"started_at"`
	FinishedAt      *time.Time `bun:"finished_at"`
	ExpiresAt       *time.Time `bun:"expires_at"`
}

// chunkRow is one chunk of report content in accountkit_report_chunks.
type chunkRow struct {
	bun.BaseModel `bun:"table:accountkit_report_chunks"`

	BlobKey string `bun:"blob_key,pk"`
	Seq     int    `bun:"seq,pk"`
	Data    []byte `bun:"data,notnull"`
}

func toReportRow(r *reports.Report) (*reportRow, error) {
	p := r.Params
	p.From, p.To = utcPtr(p.From), utcPtr(p.To)
	b, err := json.Marshal(p)
	if err != nil {
		return nil, translate(err, "report")
	}
	return &reportRow{ID: r.ID, AccountID: r.AccountID, Kind: string(r.Kind), Format: string(r.Format), Params: string(b),
		RequesterUserID: r.Requester.UserID, RequesterKeyID: r.Requester.APIKeyID, RequesterName: r.Requester.Name,
		Status: string(r.Status), Attempt: r.Attempt, RowCount: r.Rows, SizeBytes: r.Size, ErrorMessage: r.Error, BlobKey: r.BlobKey,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt),
		ExpiresAt: utcPtr(r.ExpiresAt)}, nil
}

func (r *reportRow) report() (*reports.Report, error) {
	out := &reports.Report{ID: r.ID, AccountID: r.AccountID, Kind: reports.Kind(r.Kind), Format: reports.Format(r.Format),
		Requester: reports.Requester{UserID: r.RequesterUserID, APIKeyID: r.RequesterKeyID, Name: r.RequesterName},
		Status:    reports.Status(r.Status), Attempt: r.Attempt, Rows: r.RowCount, Size: r.SizeBytes, Error: r.ErrorMessage, BlobKey: r.BlobKey,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt),
		ExpiresAt: utcPtr(r.ExpiresAt)}
	if err := json.Unmarshal([]byte(r.Params), &out.Params); err != nil {
		return nil, translate(err, "report")
	}
	out.Params.From, out.Params.To = utcPtr(out.Params.From), utcPtr(out.Params.To)
	return out, nil
}

func scanReports(ctx context.Context, q *bun.SelectQuery) ([]*reports.Report, error) {
	var rows []reportRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, translate(err, "report")
	}
	out := make([]*reports.Report, len(rows))
	for i := range rows {
		r, err := rows[i].report()
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// CreateReport implements reports.Store.
func (s *Store) CreateReport(ctx context.Context, r *reports.Report) error {
	row, err := toReportRow(r)
	if err != nil {
		return err
	}
	_, err = s.idb(ctx).NewInsert().Model(row).Exec(ctx)
	return translate(err, "report")
}

// GetReport implements reports.Store.
func (s *Store) GetReport(ctx context.Context, id string) (*reports.Report, error) {
	row := new(reportRow)
	if err := s.idb(ctx).NewSelect().Model(row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, translate(err, "report")
	}
	return row.report()
}

// ListReports implements reports.Store with the portable keyset form of
// the Before cursor (see ListAuditEvents).
func (s *Store) ListReports(ctx context.Context, f reports.Filter) ([]*reports.Report, error) {
	q := s.idb(ctx).NewSelect().Model((*reportRow)(nil)).Where("account_id = ?", f.AccountID)
	if len(f.Kinds) > 0 {
		kinds := make([]string, len(f.Kinds))
		for i, k := range f.Kinds {
			kinds[i] = string(k)
		}
		q = q.Where("kind IN (?)", bun.In(kinds))
	}
	if b := f.Before; b != nil {
		t := b.CreatedAt.UTC()
		q = q.Where("created_at <= ?", t).Where("(created_at < ? OR (created_at = ? AND id < ?))", t, t, b.ID)
	}
	return scanReports(ctx, q.OrderExpr("created_at DESC, id DESC").Limit(limit(f.Limit)))
}

// ListRunnableReports implements reports.Store.
func (s *Store) ListRunnableReports(ctx context.Context, staleBefore time.Time, n int) ([]*reports.Report, error) {
	q := s.idb(ctx).NewSelect().Model((*reportRow)(nil)).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("status = ?", string(reports.StatusPending)).
				WhereGroup(" OR ", func(q *bun.SelectQuery) *bun.SelectQuery {
					return q.Where("status = ?", string(reports.StatusRunning)).Where("updated_at < ?", staleBefore.UTC())
				})
		})
	return scanReports(ctx, q.OrderExpr("created_at ASC, id ASC").Limit(limit(n)))
}

// changed runs an update and reports whether it matched one row (MariaDB
// DSNs carry clientFoundRows, so matched rows are counted).
func changed(ctx context.Context, q *bun.UpdateQuery) (bool, error) {
	res, err := q.Exec(ctx)
	if err != nil {
		return false, translate(err, "report")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, translate(err, "report")
	}
	return n == 1, nil
}

// ClaimReport implements reports.Store with one conditional UPDATE: of
// two racers, the second re-checks the condition on the row the first
// changed (PostgreSQL, MariaDB) or runs after it (SQLite) and matches
// nothing.
func (s *Store) ClaimReport(ctx context.Context, id string, attempt int, now, staleBefore time.Time) (bool, error) {
	now = now.UTC()
	return changed(ctx, s.idb(ctx).NewUpdate().Model((*reportRow)(nil)).
		Set("status = ?", string(reports.StatusRunning)).
		Set("attempt = ?", attempt+1).
		Set("started_at = ?", now).
		Set("updated_at = ?", now).
		Where("id = ?", id).
		Where("attempt = ?", attempt).
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("status = ?", string(reports.StatusPending)).
				WhereGroup(" OR ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
					return q.Where("status = ?", string(reports.StatusRunning)).Where("updated_at < ?", staleBefore.UTC())
				})
		}))
}

// UpdateReportProgress implements reports.Store.
func (s *Store) UpdateReportProgress(ctx context.Context, id string, attempt int, rows, size int64, now time.Time) (bool, error) {
	return changed(ctx, s.idb(ctx).NewUpdate().Model((*reportRow)(nil)).
		Set("row_count = ?", rows).
		Set("size_bytes = ?", size).
		Set("updated_at = ?", now.UTC()).
		Where("id = ?", id).
		Where("attempt = ?", attempt).
		Where("status = ?", string(reports.StatusRunning)))
}

// FinishReport implements reports.Store.
func (s *Store) FinishReport(ctx context.Context, f reports.Finish) (bool, error) {
	at := f.At.UTC()
	return changed(ctx, s.idb(ctx).NewUpdate().Model((*reportRow)(nil)).
		Set("status = ?", string(f.Status)).
		Set("row_count = ?", f.Rows).
		Set("size_bytes = ?", f.Size).
		Set("error_message = ?", f.Error).
		Set("blob_key = ?", f.BlobKey).
		Set("finished_at = ?", at).
		Set("updated_at = ?", at).
		Set("expires_at = ?", utcPtr(f.ExpiresAt)).
		Where("id = ?", f.ID).
		Where("attempt = ?", f.Attempt).
		Where("status = ?", string(reports.StatusRunning)))
}

// ListExpiredReports implements reports.Store.
func (s *Store) ListExpiredReports(ctx context.Context, now time.Time, n int) ([]*reports.Report, error) {
	q := s.idb(ctx).NewSelect().Model((*reportRow)(nil)).
		Where("status = ?", string(reports.StatusDone)).Where("expires_at <= ?", now.UTC())
	return scanReports(ctx, q.OrderExpr("expires_at ASC, id ASC").Limit(limit(n)))
}

// ExpireReport implements reports.Store.
func (s *Store) ExpireReport(ctx context.Context, id string, now time.Time) (bool, error) {
	return changed(ctx, s.idb(ctx).NewUpdate().Model((*reportRow)(nil)).
		Set("status = ?", string(reports.StatusExpired)).
		Set("updated_at = ?", now.UTC()).
		Where("id = ?", id).
		Where("status = ?", string(reports.StatusDone)))
}

// DeleteReport implements reports.Store.
func (s *Store) DeleteReport(ctx context.Context, id string) error {
	res, err := s.idb(ctx).NewDelete().Model((*reportRow)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return translate(err, "report")
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err, "report")
	} else if n == 0 {
		return notFound("report")
	}
	return nil
}

// PutChunk implements reports.ChunkStore: one INSERT per chunk.
func (s *Store) PutChunk(ctx context.Context, key string, seq int, data []byte) error {
	if data == nil {
		data = []byte{}
	}
	_, err := s.idb(ctx).NewInsert().Model(&chunkRow{BlobKey: key, Seq: seq, Data: data}).Exec(ctx)
	return translate(err, "report chunk")
}

// GetChunk implements reports.ChunkStore.
func (s *Store) GetChunk(ctx context.Context, key string, seq int) ([]byte, error) {
	row := new(chunkRow)
	if err := s.idb(ctx).NewSelect().Model(row).Where("blob_key = ?", key).Where("seq = ?", seq).Scan(ctx); err != nil {
		return nil, translate(err, "report chunk")
	}
	if row.Data == nil {
		row.Data = []byte{}
	}
	return row.Data, nil
}

// DeleteChunks implements reports.ChunkStore.
func (s *Store) DeleteChunks(ctx context.Context, key string) (int, error) {
	res, err := s.idb(ctx).NewDelete().Model((*chunkRow)(nil)).Where("blob_key = ?", key).Exec(ctx)
	if err != nil {
		return 0, translate(err, "report chunk")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, translate(err, "report chunk")
	}
	return int(n), nil
}

var _ reports.Store = (*Store)(nil)
