package sqlstore

import (
	"context"

	"github.com/accountkit/accountkit/seats"
)

// SeatHoldersSQL returns the SQL text of ListSeatHolders' page query for f.
func SeatHoldersSQL(ctx context.Context, s *Store, f seats.HolderFilter) string {
	return s.holderPageQuery(ctx, f).String()
}

// CountSeatHoldersSQL returns the SQL text CountSeatHolders runs for f.
func CountSeatHoldersSQL(ctx context.Context, s *Store, f seats.HolderFilter) string {
	return s.holderQuery(ctx, f, false).ColumnExpr("count(*)").String()
}

// SeatLogSQL returns the SQL text ListSeatLog runs for f.
func SeatLogSQL(ctx context.Context, s *Store, f seats.LogFilter) string {
	return s.seatLogQuery(ctx, f).String()
}

// CountSeatsSQL returns the SQL text of CountSeats(mainAccountID, "") as
// written in seats.go (bun's Count adds the count(*)).
func CountSeatsSQL(s *Store, mainAccountID string) string {
	return s.db.NewSelect().Model((*seatRow)(nil)).ColumnExpr("count(*)").Where("main_account_id = ?", mainAccountID).String()
}

// CountSeatsByAccountSQL returns the SQL text of CountSeatsByAccount.
func CountSeatsByAccountSQL(s *Store, mainAccountID string) string {
	return s.db.NewSelect().Model((*seatRow)(nil)).Column("account_id").ColumnExpr("COUNT(*) AS n").
		Where("main_account_id = ?", mainAccountID).Group("account_id").String()
}
