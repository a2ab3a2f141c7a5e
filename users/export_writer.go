package users

import (
	"context"
	"io"

	"github.com/accountkit/accountkit"
)

// ExportFunc writes a prepared export to w and returns the rows written;
// progress, when not nil, is told the rows written so far after each
// batch read from the store.
type ExportFunc func(ctx context.Context, w io.Writer, progress func(rows int)) (int, error)

// ExportWriter checks, as Export does, that the principal in ctx may
// export the users matching in (ignoring Cursor and Limit) and that format
// is known, and returns the function that writes exactly what Export
// would write. It records nothing: it is for callers that audit the
// export themselves (the reports package). Call the function with a
// context carrying the same principal. Errors: as List, and Invalid for an
// unknown format.
func (s *Service) ExportWriter(ctx context.Context, in ListInput, format ExportFormat) (ExportFunc, error) {
	in.Cursor, in.Limit = "", 0
	f, err := s.filter(ctx, in)
	if err != nil {
		return nil, err
	}
	if format != ExportCSV && format != ExportJSON {
		return nil, accountkit.InvalidField("format", "must be csv or json")
	}
	return func(ctx context.Context, w io.Writer, progress func(rows int)) (int, error) {
		return s.writeExport(ctx, f, format, w, progress)
	}, nil
}
