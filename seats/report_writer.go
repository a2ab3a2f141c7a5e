package seats

import (
	"context"
	"io"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/users"
)

// ReportWriter checks, as Report does, that the principal in ctx may
// report on accountID's subtree (PermSeatsManage), and returns the
// function that writes the report: as CSV, exactly what Report writes, or
// as a JSON array of the same columns (format "csv" or "json"). It
// records nothing: it is for callers that audit the report themselves
// (the reports package). Call the function with a context carrying the
// same principal. Errors: Unauthenticated, NotFound, Forbidden, Invalid
// for an unknown format.
func (s *Service) ReportWriter(ctx context.Context, accountID string, format string) (users.ExportFunc, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if accountID == "" {
		accountID = p.AccountID
	}
	top, err := s.scope(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if format != "csv" && format != "json" {
		return nil, accountkit.InvalidField("format", "must be csv or json")
	}
	return func(ctx context.Context, w io.Writer, progress func(rows int)) (int, error) {
		return s.writeReport(ctx, top, format == "json", w, progress)
	}, nil
}
