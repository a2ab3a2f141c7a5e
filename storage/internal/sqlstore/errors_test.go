package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"

	"github.com/accountkit/accountkit"
)

// TestTranslate_Kinds: every driver error the fault tests met maps to the
// answer a client can act on; a lost connection is never NotFound or
// Internal.
func TestTranslate_Kinds(t *testing.T) {
	cases := []struct {
		err  error
		code accountkit.Code
	}{
		{sql.ErrNoRows, accountkit.NotFound},
		{&pgconn.PgError{Code: "23505"}, accountkit.Conflict},
		{&mysql.MySQLError{Number: 1062}, accountkit.Conflict},
		{&pgconn.PgError{Code: "57P01"}, accountkit.Unavailable}, // admin shutdown
		{&pgconn.PgError{Code: "08006"}, accountkit.Unavailable}, // connection failure
		{&pgconn.PgError{Code: "53300"}, accountkit.Unavailable}, // too many connections
		{&mysql.MySQLError{Number: 1053}, accountkit.Unavailable},
		{&mysql.MySQLError{Number: 1040}, accountkit.Unavailable},
		{mysql.ErrInvalidConn, accountkit.Unavailable},
		{driver.ErrBadConn, accountkit.Unavailable},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), accountkit.Unavailable},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, accountkit.Unavailable},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), accountkit.Unavailable},
		{&pgconn.PgError{Code: "22P02"}, accountkit.Internal}, // bad input reaching SQL is our bug
		{errors.New("something else"), accountkit.Internal},
	}
	for _, c := range cases {
		err := translate(c.err, "user")
		assert.Equal(t, c.code, accountkit.ErrorCode(err), "%v", c.err)
		if c.code == accountkit.Unavailable {
			assert.Positive(t, accountkit.RetryAfterOf(err), "%v carries Retry-After", c.err)
			assert.ErrorIs(t, err, c.err, "the cause is kept for logs")
		}
	}
	assert.Contains(t, accountkit.ErrorMessage(commitFailed(driver.ErrBadConn)), "outcome is unknown")
}
