package sqlstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountkit/accountkit"
)

// maxAttempts bounds how often InTx runs fn when the database reports a
// serialization failure, deadlock, lock timeout or busy database.
const maxAttempts = 6

type txKey struct{}

// idb returns the transaction carried by ctx, or the database.
func (s *Store) idb(ctx context.Context) bun.IDB {
	if tx, ok := ctx.Value(txKey{}).(*bun.Tx); ok {
		return tx
	}
	return s.db
}

// IDB returns the transaction that InTx carries in ctx, or the database
// when ctx carries none. Host code runs its own SQL with it inside
// accountkit's transaction, so that its rows and accountkit's change (and
// the audit event) commit or roll back together:
//
//	err := store.InTx(ctx, func(ctx context.Context) error {
//		u, err := k.Users.Create(ctx, in)
//		if err != nil {
//			return err
//		}
//		_, err = store.IDB(ctx).NewInsert().Model(&Profile{UserID: u.ID}).Exec(ctx)
//		return err
//	})
func (s *Store) IDB(ctx context.Context) bun.IDB { return s.idb(ctx) }

// inTx reports whether ctx carries a transaction.
func inTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*bun.Tx)
	return ok
}

// InTx runs fn in a transaction carried by the context given to fn; see
// accountkit.Transactor. A context that already carries a transaction is
// joined. The outermost InTx retries the whole of fn, up to a few times
// with a short jittered backoff, when the database reports a serialization
// failure, deadlock, lock wait timeout or (SQLite) a busy database. A panic
// in fn rolls the transaction back and is re-raised.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if inTx(ctx) {
		return fn(ctx)
	}
	var err error
	for attempt := 1; ; attempt++ {
		err = s.runTx(ctx, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts || ctx.Err() != nil {
			break
		}
		s.logger.DebugContext(ctx, "accountkit: retrying transaction", "attempt", attempt, "err", err)
		backoff := time.Duration(attempt) * time.Millisecond * time.Duration(2+rand.IntN(8))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return translate(errors.Join(err, ctx.Err()), "transaction")
		case <-t.C:
		}
	}
	return err
}

// runTx runs fn once in a new transaction.
func (s *Store) runTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return translate(err, "transaction")
	}
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback() // fn panicked; the panic continues
		}
	}()
	err = fn(context.WithValue(ctx, txKey{}, &tx))
	done = true
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return commitFailed(err)
	}
	return nil
}

// requireTx returns an error when ctx carries no transaction.
func requireTx(ctx context.Context, method string) error {
	if inTx(ctx) {
		return nil
	}
	return accountkit.Wrap(errors.New("sqlstore: "+method+" called outside a transaction"), "storage error")
}

// commitFailed answers a failed COMMIT. When the connection went away during
// the commit, the database may have applied it or not: the client is told
// so (Unavailable, outcome unknown) and should read the state back, or retry
// with an Idempotency-Key, rather than assume nothing happened.
func commitFailed(err error) error {
	if classify(err) == kindUnavailable {
		return unavailable(err, "the outcome is unknown: the change may have been saved; read it back before retrying")
	}
	return translate(err, "transaction")
}
