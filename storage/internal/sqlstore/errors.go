package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/accountkit/accountkit"
)

// errKind is what a native database error means to the store.
type errKind int

const (
	kindOther       errKind = iota
	kindNoRows              // sql.ErrNoRows
	kindUnique              // unique or primary key violation
	kindRetryable           // serialization failure, deadlock, lock timeout, busy
	kindUnavailable         // the database cannot be reached or went away
)

// unavailableRetry is the Retry-After sent with an Unavailable error: the
// fault tests saw recovery within 0.1–0.4 s of a database restart.
const unavailableRetry = 2 * time.Second

// connectionLost reports whether err says the connection to the database
// failed, was refused, was cut, or did not answer within the deadline.
func connectionLost(err error) bool {
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.As(err, &netErr), errors.As(err, &connectErr),
		pgconn.Timeout(err):
		return true
	}
	// pgx reports a connection closed under it in plain text.
	return strings.Contains(err.Error(), "conn closed")
}

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
		switch {
		case pgErr.Code == "23505":
			return kindUnique
		case pgErr.Code == "40001", pgErr.Code == "40P01":
			return kindRetryable
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", // shutdown, cannot connect now
			pgErr.Code == "53300": // too many connections
			return kindUnavailable
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
		case 1040, 1053, 1927, 2002, 2003, 2006, 2013: // too many connections, shutdown, killed, gone
			return kindUnavailable
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
	if connectionLost(err) {
		return kindUnavailable
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
	case kindUnavailable:
		return unavailable(err, "the database cannot be reached now; try again shortly")
	}
	return accountkit.Wrap(err, "storage error")
}

// unavailable is the Unavailable error for a lost database connection.
func unavailable(err error, message string) error {
	return &accountkit.Error{Code: accountkit.Unavailable, Message: message, Err: err, RetryAfter: unavailableRetry}
}

// notFound returns the NotFound error for what.
func notFound(what string) error { return translate(sql.ErrNoRows, what) }

// retryable reports whether err (possibly wrapped in an accountkit error)
// means the whole transaction may succeed when run again.
func retryable(err error) bool { return err != nil && classify(err) == kindRetryable }
