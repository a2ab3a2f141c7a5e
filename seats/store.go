package seats

import (
	"context"
	"time"

	"github.com/accountkit/accountkit/users"
)

// Store is what the seats package needs from storage: seat pools, limits,
// seats and the seat log, and through users.Store the users, accounts and
// audit log. Adapters implement it; storagetest checks them. Stores hold
// no rules: limits are enforced by the Service, which calls LockSeatPool
// before it counts.
type Store interface {
	users.Store

	// LockSeatPool returns the main account's pool, creating it (Purchased
	// 0, UpdatedAt now) when absent, and locks its row until the transaction in ctx ends
	// (adapters that serialize whole transactions need no lock). It must
	// be called inside a transaction, and before any other seat write of
	// that transaction, so every writer takes the locks in the same order.
	LockSeatPool(ctx context.Context, mainAccountID string, now time.Time) (*Pool, error)
	// GetSeatPool returns the main account's pool. Errors: NotFound.
	GetSeatPool(ctx context.Context, mainAccountID string) (*Pool, error)
	// UpdateSeatPool saves p's Purchased, Warned and UpdatedAt.
	// Errors: NotFound.
	UpdateSeatPool(ctx context.Context, p *Pool) error

	// GetSeatLimit returns the account's limit. Errors: NotFound (no limit).
	GetSeatLimit(ctx context.Context, accountID string) (*Limit, error)
	// PutSeatLimit creates or replaces the account's limit. l.Assigned is
	// ignored: a new limit counts the account's seats, a replaced one
	// keeps its counter.
	PutSeatLimit(ctx context.Context, l *Limit) error
	// DeleteSeatLimit removes the account's limit. Errors: NotFound.
	DeleteSeatLimit(ctx context.Context, accountID string) error
	// ListSeatLimits returns the limits of the main account's tree ordered
	// by account ID.
	ListSeatLimits(ctx context.Context, mainAccountID string) ([]*Limit, error)

	// CreateSeat stores s and adds it to the Assigned counters of its
	// pool and of its account's limit, if any, whatever they are.
	// Errors: Conflict when the user holds a seat.
	CreateSeat(ctx context.Context, s *Seat) error
	// TakeSeat is CreateSeat under conditions checked by the statement
	// that locks the pool's row, for an assignment whose reads were done
	// before its transaction: pool and lim are the main account's pool and
	// the account's limit (nil when it has none) as the caller read them.
	// It adds 1 to the pool's Assigned only while it is below Purchased
	// and only when the pool's Purchased and Warned, the limit's presence,
	// Limit and Warned are still those read, the limit (if any) is not
	// reached, and s's user is still a user of s.AccountID that is not
	// disabled; then it adds 1 to the limit's Assigned, stores s, sets
	// pool.Assigned and lim.Assigned to the counters after the change and
	// returns true. When a condition does not hold it changes nothing and
	// returns false; the caller then locks the pool (LockSeatPool) and
	// checks again. It must be called inside a transaction. Errors:
	// Conflict when the user holds a seat (the transaction must then roll
	// back).
	TakeSeat(ctx context.Context, s *Seat, pool *Pool, lim *Limit) (bool, error)
	// GetSeat returns the user's seat. Errors: NotFound.
	GetSeat(ctx context.Context, userID string) (*Seat, error)
	// DeleteSeats removes the seats of the users, subtracts them from the
	// Assigned counters of their pools and limits, and returns how many it
	// removed; users without a seat are ignored. The users package calls
	// it (through Service.ReleaseUser) when a user is deleted or moved.
	DeleteSeats(ctx context.Context, userIDs []string) (int, error)
	// CountSeats counts the seats of the main account's tree, or of one
	// account of it when accountID is not "".
	CountSeats(ctx context.Context, mainAccountID, accountID string) (int, error)
	// CountSeatsByAccount returns the number of seats per account of the
	// main account's tree; accounts without seats are absent.
	CountSeatsByAccount(ctx context.Context, mainAccountID string) (map[string]int, error)
	// ListSeatHolders returns the seats matching f with their users,
	// ordered by username then user ID, at most f.Limit of them.
	ListSeatHolders(ctx context.Context, f HolderFilter) ([]*Holder, error)
	// CountSeatHolders counts the seats matching f, ignoring its paging.
	CountSeatHolders(ctx context.Context, f HolderFilter) (int, error)

	// InsertSeatLogEntry stores e. Errors: Conflict when e.ID exists.
	InsertSeatLogEntry(ctx context.Context, e *LogEntry) error
	// ListSeatLog returns the entries matching f, newest first (Time, then
	// ID, both descending), at most f.Limit of them.
	ListSeatLog(ctx context.Context, f LogFilter) ([]*LogEntry, error)
}
