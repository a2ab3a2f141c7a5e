package memory

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/accountkit/accountkit/reports"
)

// reportsState holds reports by ID and the report content chunks by key
// and sequence number; both are made on first use.
type reportsState struct {
	byID   map[string]*reports.Report
	chunks map[string][][]byte
}

func copyReport(r *reports.Report) *reports.Report {
	out := *r
	if r.Params.Locked != nil {
		v := *r.Params.Locked
		out.Params.Locked = &v
	}
	out.Params.From = normTimePtr(r.Params.From)
	out.Params.To = normTimePtr(r.Params.To)
	out.CreatedAt = normTime(r.CreatedAt)
	out.UpdatedAt = normTime(r.UpdatedAt)
	out.StartedAt = normTimePtr(r.StartedAt)
	out.FinishedAt = normTimePtr(r.FinishedAt)
	out.ExpiresAt = normTimePtr(r.ExpiresAt)
	return &out
}

// setReport replaces the stored report, undone on rollback.
func (s *Store) setReport(t *tx, r *reports.Report) {
	prev := s.reports.byID[r.ID]
	s.reports.byID[r.ID] = r
	t.onRollback(func() { s.reports.byID[r.ID] = prev })
}

// CreateReport implements reports.Store.
func (s *Store) CreateReport(ctx context.Context, r *reports.Report) error {
	return s.write(ctx, func(t *tx) error {
		if s.reports.byID == nil {
			s.reports.byID = map[string]*reports.Report{}
		}
		if _, ok := s.reports.byID[r.ID]; ok {
			return conflict("report")
		}
		s.reports.byID[r.ID] = copyReport(r)
		t.onRollback(func() { delete(s.reports.byID, r.ID) })
		return nil
	})
}

// GetReport implements reports.Store.
func (s *Store) GetReport(ctx context.Context, id string) (*reports.Report, error) {
	var out *reports.Report
	err := s.read(ctx, func() error {
		r, ok := s.reports.byID[id]
		if !ok {
			return notFound("report")
		}
		out = copyReport(r)
		return nil
	})
	return out, err
}

// ListReports implements reports.Store.
func (s *Store) ListReports(ctx context.Context, f reports.Filter) ([]*reports.Report, error) {
	var out []*reports.Report
	err := s.read(ctx, func() error {
		for _, r := range s.reports.byID {
			if r.AccountID != f.AccountID || len(f.Kinds) > 0 && !slices.Contains(f.Kinds, r.Kind) {
				continue
			}
			if b := f.Before; b != nil && !(r.CreatedAt.Before(b.CreatedAt) || r.CreatedAt.Equal(b.CreatedAt) && r.ID < b.ID) {
				continue
			}
			out = append(out, copyReport(r))
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, err
}

// runnable reports whether r may be claimed.
func runnable(r *reports.Report, staleBefore time.Time) bool {
	return r.Status == reports.StatusPending || r.Status == reports.StatusRunning && r.UpdatedAt.Before(staleBefore)
}

// ListRunnableReports implements reports.Store.
func (s *Store) ListRunnableReports(ctx context.Context, staleBefore time.Time, limit int) ([]*reports.Report, error) {
	var out []*reports.Report
	err := s.read(ctx, func() error {
		for _, r := range s.reports.byID {
			if runnable(r, staleBefore) {
				out = append(out, copyReport(r))
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// ClaimReport implements reports.Store: transactions are serialized, so
// the check and the write are one step.
func (s *Store) ClaimReport(ctx context.Context, id string, attempt int, now, staleBefore time.Time) (bool, error) {
	done := false
	err := s.write(ctx, func(t *tx) error {
		r, ok := s.reports.byID[id]
		if !ok || r.Attempt != attempt || !runnable(r, staleBefore) {
			return nil
		}
		next := copyReport(r)
		next.Status, next.Attempt, next.StartedAt, next.UpdatedAt = reports.StatusRunning, r.Attempt+1, normTimePtr(&now), normTime(now)
		s.setReport(t, next)
		done = true
		return nil
	})
	return done && err == nil, err
}

// UpdateReportProgress implements reports.Store.
func (s *Store) UpdateReportProgress(ctx context.Context, id string, attempt int, rows, size int64, now time.Time) (bool, error) {
	done := false
	err := s.write(ctx, func(t *tx) error {
		r, ok := s.reports.byID[id]
		if !ok || r.Attempt != attempt || r.Status != reports.StatusRunning {
			return nil
		}
		next := copyReport(r)
		next.Rows, next.Size, next.UpdatedAt = rows, size, normTime(now)
		s.setReport(t, next)
		done = true
		return nil
	})
	return done && err == nil, err
}

// FinishReport implements reports.Store.
func (s *Store) FinishReport(ctx context.Context, f reports.Finish) (bool, error) {
	done := false
	err := s.write(ctx, func(t *tx) error {
		r, ok := s.reports.byID[f.ID]
		if !ok || r.Attempt != f.Attempt || r.Status != reports.StatusRunning {
			return nil
		}
		next := copyReport(r)
		next.Status, next.Rows, next.Size, next.Error, next.BlobKey = f.Status, f.Rows, f.Size, f.Error, f.BlobKey
		next.FinishedAt, next.UpdatedAt, next.ExpiresAt = normTimePtr(&f.At), normTime(f.At), normTimePtr(f.ExpiresAt)
		s.setReport(t, next)
		done = true
		return nil
	})
	return done && err == nil, err
}

// ListExpiredReports implements reports.Store.
func (s *Store) ListExpiredReports(ctx context.Context, now time.Time, limit int) ([]*reports.Report, error) {
	var out []*reports.Report
	err := s.read(ctx, func() error {
		for _, r := range s.reports.byID {
			if r.Status == reports.StatusDone && r.ExpiresAt != nil && !r.ExpiresAt.After(now) {
				out = append(out, copyReport(r))
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ExpiresAt.Equal(*out[j].ExpiresAt) {
			return out[i].ExpiresAt.Before(*out[j].ExpiresAt)
		}
		return out[i].ID < out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// ExpireReport implements reports.Store.
func (s *Store) ExpireReport(ctx context.Context, id string, now time.Time) (bool, error) {
	done := false
	err := s.write(ctx, func(t *tx) error {
		r, ok := s.reports.byID[id]
		if !ok || r.Status != reports.StatusDone {
			return nil
		}
		next := copyReport(r)
		next.Status, next.UpdatedAt = reports.StatusExpired, normTime(now)
		s.setReport(t, next)
		done = true
		return nil
	})
	return done && err == nil, err
}

// DeleteReport implements reports.Store.
func (s *Store) DeleteReport(ctx context.Context, id string) error {
	return s.write(ctx, func(t *tx) error {
		r, ok := s.reports.byID[id]
		if !ok {
			return notFound("report")
		}
		delete(s.reports.byID, id)
		t.onRollback(func() { s.reports.byID[id] = r })
		return nil
	})
}

// PutChunk implements reports.ChunkStore.
func (s *Store) PutChunk(ctx context.Context, key string, seq int, data []byte) error {
	return s.write(ctx, func(t *tx) error {
		if s.reports.chunks == nil {
			s.reports.chunks = map[string][][]byte{}
		}
		list := s.reports.chunks[key]
		if seq < len(list) && list[seq] != nil {
			return conflict("report chunk")
		}
		grown := slices.Clone(list)
		for len(grown) <= seq {
			grown = append(grown, nil)
		}
		grown[seq] = append(make([]byte, 0, len(data)), data...)
		s.reports.chunks[key] = grown
		t.onRollback(func() {
			if list == nil {
				delete(s.reports.chunks, key)
			} else {
				s.reports.chunks[key] = list
			}
		})
		return nil
	})
}

// GetChunk implements reports.ChunkStore.
func (s *Store) GetChunk(ctx context.Context, key string, seq int) ([]byte, error) {
	var out []byte
	err := s.read(ctx, func() error {
		list := s.reports.chunks[key]
		if seq < 0 || seq >= len(list) || list[seq] == nil {
			return notFound("report chunk")
		}
		out = append(make([]byte, 0, len(list[seq])), list[seq]...)
		return nil
	})
	return out, err
}

// DeleteChunks implements reports.ChunkStore.
func (s *Store) DeleteChunks(ctx context.Context, key string) (int, error) {
	n := 0
	err := s.write(ctx, func(t *tx) error {
		list, ok := s.reports.chunks[key]
		if !ok {
			return nil
		}
		for _, c := range list {
			if c != nil {
				n++
			}
		}
		delete(s.reports.chunks, key)
		t.onRollback(func() { s.reports.chunks[key] = list })
		return nil
	})
	return n, err
}
