package audit

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/accountkit/accountkit"
)

// ExportFunc writes a prepared export to w and returns the rows written;
// progress, when not nil, is told the rows written so far after each
// batch read from the store.
type ExportFunc func(ctx context.Context, w io.Writer, progress func(rows int)) (int, error)

// ExportWriter checks, as Export does, that the principal in ctx may
// export the events matching q (ignoring Cursor and Limit), and returns
// the function that writes them, newest first: format "csv" writes
// exactly what Export writes, "json" a JSON array of the events as the
// list API shows them. It records nothing: it is for callers that audit
// the export themselves (the reports package). Call the function with a
// context carrying the same principal. Errors: as List, and Invalid for
// an unknown format.
func (s *Service) ExportWriter(ctx context.Context, q Query, format string) (ExportFunc, error) {
	q.Cursor, q.Limit = "", 0
	f, err := s.filter(ctx, q)
	if err != nil {
		return nil, err
	}
	loc := time.UTC
	if q.TimeZone != "" {
		loc, _ = time.LoadLocation(q.TimeZone) // validated by filter
	}
	switch format {
	case "csv":
		return func(ctx context.Context, w io.Writer, progress func(rows int)) (int, error) {
			return s.writeCSV(ctx, f, loc, w, progress)
		}, nil
	case "json":
		return func(ctx context.Context, w io.Writer, progress func(rows int)) (int, error) {
			return s.writeJSON(ctx, f, w, progress)
		}, nil
	}
	return nil, accountkit.InvalidField("format", "must be csv or json")
}

// writeJSON writes the events matching f to w as a JSON array, newest
// first, as the store streams them (Store.StreamAuditEvents).
func (s *Service) writeJSON(ctx context.Context, f Filter, w io.Writer, progress func(rows int)) (int, error) {
	enc := json.NewEncoder(w)
	if _, err := io.WriteString(w, "["); err != nil {
		return 0, err
	}
	rows := 0
	err := s.store.StreamAuditEvents(ctx, f, func(e *Event) error {
		if rows > 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		if err := enc.Encode(toJSON(e)); err != nil {
			return err
		}
		rows++
		if progress != nil && rows%s.opts.ExportBatch == 0 {
			progress(rows)
		}
		return nil
	})
	if err != nil {
		return rows, err
	}
	if progress != nil {
		progress(rows)
	}
	_, err = io.WriteString(w, "]\n")
	return rows, err
}
