package dbtest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// recTB records what unavailable asks of a test instead of ending it.
type recTB struct {
	testing.TB
	skipped, failed string
}

func (r *recTB) Helper()                       {}
func (r *recTB) Skipf(format string, a ...any) { r.skipped = fmt.Sprintf(format, a...) }
func (r *recTB) Fatalf(format string, a ...any) {
	r.failed = fmt.Sprintf(format, a...)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// terminal replaces the terminal with a buffer until t ends.
func terminal(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	old := Terminal
	Terminal = func() (io.WriteCloser, error) { return nopCloser{&buf}, nil }
	announceMu.Lock()
	clear(announceDone)
	announceMu.Unlock()
	t.Cleanup(func() { Terminal = old })
	return &buf
}

// TestPostgresDSN_Unset: locally a missing DSN skips the test and writes
// one line naming the package and the variable to the terminal, once per
// binary however many tests skip.
func TestPostgresDSN_Unset(t *testing.T) {
	buf := terminal(t)
	t.Setenv("CI", "")
	t.Setenv(PostgresEnv, "")
	for range 3 {
		r := &recTB{}
		PostgresDSN(r)
		if r.skipped != PostgresEnv+" not set" || r.failed != "" {
			t.Fatalf("skipped %q, failed %q", r.skipped, r.failed)
		}
	}
	NotTested(PostgresEnv)
	want := "accountkit: github.com/accountkit/accountkit/internal/dbtest: database tests NOT run: ACCOUNTKIT_TEST_POSTGRES_DSN not set\n"
	if buf.String() != want {
		t.Fatalf("terminal got %q, want %q", buf.String(), want)
	}
	NotTested(MySQLEnv)
	if !strings.HasSuffix(buf.String(), "NOT run: ACCOUNTKIT_TEST_MYSQL_DSN not set\n") {
		t.Fatalf("terminal got %q", buf.String())
	}
}

// TestMySQLDSN_UnsetOnCI: under CI=true a missing DSN fails the test and
// announces nothing.
func TestMySQLDSN_UnsetOnCI(t *testing.T) {
	buf := terminal(t)
	t.Setenv("CI", "true")
	t.Setenv(MySQLEnv, "")
	r := &recTB{}
	MySQLDSN(r)
	if r.failed != MySQLEnv+" not set" || r.skipped != "" {
		t.Fatalf("skipped %q, failed %q", r.skipped, r.failed)
	}
	if buf.Len() != 0 {
		t.Fatalf("announced on CI: %q", buf.String())
	}
}

// TestAnnounce_NoTerminal: without a terminal nothing breaks.
func TestAnnounce_NoTerminal(t *testing.T) {
	terminal(t)
	Terminal = func() (io.WriteCloser, error) { return nil, io.ErrClosedPipe }
	Announce("x")
}
