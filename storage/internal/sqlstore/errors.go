package sqlstore

import (
	"database/sql"
	"errors"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/accountkit/accountkit"
)

// errKind is what a native database error means to the store.
type errKind int

const (
	kindOther     errKind = iota
	kindNoRows            // sql.ErrNoRows
	kindUnique            // unique or primary key violation
	kindRetryable         // serialization failure, deadlock, lock timeout, busy
)

// sqliteError is implemented by modernc.org/sqlite's *Error. It is matched by
// method so that the PostgreSQL and MySQL builds do not link SQLite.
type sqliteError interface {
	error
	Code() int
}

// classify reads the driver error codes of every supported database.
func classify(err error) errKind {
	if errors.Is(err, sql.ErrNoRows) {
		return kindNoRows
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return kindUnique
		case "40001", "40P01":
			return kindRetryable
		}
		return kindOther
	}
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		switch myErr.Number {
		case 1062:
			return kindUnique
		case 1213, 1205:
			return kindRetryable
		}
		return kindOther
	}
	var liteErr sqliteError
	if errors.As(err, &liteErr) {
		switch code := liteErr.Code(); {
		case code == 2067 || code == 1555: // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
			return kindUnique
		case code&0xff == 5 || code&0xff == 6: // SQLITE_BUSY*, SQLITE_LOCKED*
			return kindRetryable
		}
	}
	return kindOther
}

// translate is the one place where database errors become accountkit
// errors: a unique violation is Conflict, no rows is NotFound, anything else
// is Internal with the cause kept for logs. what names the record in the
// safe message, e.g. "account". accountkit errors pass through unchanged.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *accountkit.Error
	if errors.As(err, &ae) {
		return err
	}
	switch classify(err) {
	case kindUnique:
		return &accountkit.Error{Code: accountkit.Conflict, Message: what + " already exists", Err: err}
	case kindNoRows:
		return &accountkit.Error{Code: accountkit.NotFound, Message: what + " not found", Err: err}
	}
	return accountkit.Wrap(err, "storage error")
}

// notFound returns the NotFound error for what.
func notFound(what string) error { return translate(sql.ErrNoRows, what) }

// retryable reports whether err (possibly wrapped in an accountkit error)
// means the whole transaction may succeed when run again.
func retryable(err error) bool { return err != nil && classify(err) == kindRetryable }
