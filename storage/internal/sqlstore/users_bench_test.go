package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/accountkit/accountkit/internal/dbtest"
	"github.com/accountkit/accountkit/storage/internal/sqlstore"
	"github.com/accountkit/accountkit/storage/mysql"
	"github.com/accountkit/accountkit/storage/postgres"
	"github.com/accountkit/accountkit/users"
)

// The seeded population of BenchmarkUsersList.
const (
	usersBenchSubs    = 12        // sub-accounts under the main account
	usersBenchRare    = "auditor" // the rare role: 1 user in 500
	usersBenchCommon  = "member"  // the common role: 3 users in 5
	usersBenchManager = "manager" // a third role, 1 in 10
	usersBenchFew     = "zebedee" // the last name of exactly usersBenchFewN users
	usersBenchFewN    = 5
	usersBenchBatch   = 1000
	usersBenchWriters = 2
)

var (
	usersBenchFirst = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Ken", "Dennis", "Margaret", "Niklaus",
		"John", "Frances", "Leslie", "Tony", "Radia", "Shafi", "Butler", "Robin", "Jean", "Katherine"}
	usersBenchLast = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Thompson", "Ritchie", "Hamilton",
		"Wirth", "Backus", "Allen", "Lamport", "Hoare", "Perlman", "Goldwasser", "Lampson", "Milner", "Sammet", "Johnson"}
)

// usersBenchN is the number of users BenchmarkUsersList seeds
// (ACCOUNTKIT_BENCH_USERS, default 100,000, a multiple of 1,000).
func usersBenchN(b *testing.B) int {
	if v := os.Getenv("ACCOUNTKIT_BENCH_USERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10*usersBenchBatch {
			b.Fatalf("ACCOUNTKIT_BENCH_USERS=%q: want a number >= %d", v, 10*usersBenchBatch)
		}
		return n - n%usersBenchBatch
	}
	return 100_000
}

// BenchmarkUsersList measures users list pages (issue 18) over
// ACCOUNTKIT_BENCH_USERS users (default 100,000; the figures are
// at 10,000, 100,000 and 1,000,000) of one main account with 12
// sub-accounts, 40 % of them in the main account: 85 % active, 10 %
// invited, 5 % disabled, 80 % signed in at least once, with direct role
// grants (member 60 %, manager 10 %, auditor 0.2 %). Each case passes
// the account filter the users service adds (the tree, or the main
// account alone) and a limit of 51 (a page of 50 and one).
//
// The data are seeded once per database and size, into a database (MariaDB)
// or schema (PostgreSQL) named akbench_userslist_<n> that is kept, with
// a marker table, so later runs reuse it (drop it to seed again). Each
// iteration also runs, in alternating order, the baseline: a bare
// SELECT * of 51 users by primary-key range. Each case reports p50-ms and
// p90-ms, base-p50-ms and x-base (the median of the per-iteration ratios):
//
//	ACCOUNTKIT_BENCH_USERS=1000000 go test -run '^$' -bench UsersList -benchtime 20x ./storage/internal/sqlstore
func BenchmarkUsersList(b *testing.B) {
	n := usersBenchN(b)
	for _, o := range []struct {
		name string
		open func(b *testing.B, n int) migrator
	}{{"postgres", keptPostgres}, {"mysql", keptMySQL}} {
		b.Run(o.name, func(b *testing.B) {
			ctx := context.Background()
			m := o.open(b, n)
			s := innerStore(b, m)
			mainID, subs := usersBenchSeed(b, s, n)
			tree := append([]string{mainID}, subs...)
			main := []string{mainID}

			after := func(f users.Filter, col string, desc bool, where string) users.Filter {
				key, at, id := usersMid(b, s, col, desc, f.AccountIDs, where)
				f.AfterID, f.AfterKey = id, key
				if col == "last_login_at" {
					f.AfterLastLogin = &at
				}
				return f
			}
			page := func(accountIDs []string) users.Filter { return users.Filter{AccountIDs: accountIDs, Limit: 51} }
			with := func(f users.Filter, fn func(*users.Filter)) users.Filter { fn(&f); return f }
			rare, common, invited, never := usersBenchRare, usersBenchCommon, users.StatusInvited, true
			sorted := func(sort users.Sort) users.Filter { return with(page(tree), func(f *users.Filter) { f.Sort = sort }) }

			cases := []struct {
				name string
				f    users.Filter
				want int // the page size expected, -1 for "any", -2 for 1 to usersBenchFewN
			}{
				{"FirstPage/Tree", page(tree), 51},
				{"FirstPage/Main", page(main), 51},
				{"DeepCursor/Tree", after(page(tree), "username", false, ""), 51},
				{"DeepCursor/Main", after(page(main), "username", false, ""), 51},
				{"RoleRare/Tree", with(page(tree), func(f *users.Filter) { f.Role = &rare }), -1},
				{"RoleCommon/Tree", with(page(tree), func(f *users.Filter) { f.Role = &common }), 51},
				{"RoleCommon/Main", with(page(main), func(f *users.Filter) { f.Role = &common }), 51},
				{"RoleCommonDeep/Tree", after(with(page(tree), func(f *users.Filter) { f.Role = &common }), "username", false, ""), 51},
				{"StatusInvited/Tree", with(page(tree), func(f *users.Filter) { f.Status = &invited }), 51},
				{"SortName/Tree", sorted(users.SortName), 51},
				{"SortNameDesc/Tree", sorted(users.SortNameDesc), 51},
				{"SortNameDeep/Tree", after(sorted(users.SortName), "name_key", false, ""), 51},
				{"SortNameDescDeep/Tree", after(sorted(users.SortNameDesc), "name_key", true, ""), 51},
				{"SortEmail/Tree", sorted(users.SortEmail), 51},
				{"SortEmailDesc/Tree", sorted(users.SortEmailDesc), 51},
				{"SortEmailDeep/Tree", after(sorted(users.SortEmail), "email", false, ""), 51},
				{"SortEmailDescDeep/Tree", after(sorted(users.SortEmailDesc), "email", true, ""), 51},
				{"SortLastLogin/Tree", sorted(users.SortLastLogin), 51},
				{"SortLastLoginDesc/Tree", sorted(users.SortLastLoginDesc), 51},
				{"SortLastLoginDeep/Tree", after(sorted(users.SortLastLogin), "last_login_at", false, "AND last_login_at IS NOT NULL"), 51},
				{"SortLastLoginDescDeep/Tree", after(sorted(users.SortLastLoginDesc), "last_login_at", true, "AND last_login_at IS NOT NULL"), 51},
				{"NeverSignedIn/Tree", with(page(tree), func(f *users.Filter) { f.NeverSignedIn = &never }), 51},
				{"SearchNoMatch/Tree", with(page(tree), func(f *users.Filter) { f.Search = "zzqx" }), 0},
				{"SearchFew/Tree", with(page(tree), func(f *users.Filter) { f.Search = usersBenchFew }), -2},
			}

			// The baseline: 51 whole rows by primary-key range from the
			// middle of the table.
			var baseID string
			if err := s.DB().QueryRowContext(ctx, "SELECT id FROM accountkit_users ORDER BY id LIMIT 1 OFFSET ?", usersBenchCount(b, s)/2).Scan(&baseID); err != nil {
				b.Fatal(err)
			}
			base := func() error {
				rows, err := s.DB().QueryContext(ctx, "SELECT * FROM accountkit_users WHERE id > ? ORDER BY id LIMIT 51", baseID)
				if err != nil {
					return err
				}
				defer rows.Close()
				cols, err := rows.Columns()
				if err != nil {
					return err
				}
				vals := make([]any, len(cols))
				for i := range vals {
					vals[i] = new(sql.RawBytes)
				}
				k := 0
				for rows.Next() {
					if err := rows.Scan(vals...); err != nil {
						return err
					}
					k++
				}
				if k != 51 {
					return fmt.Errorf("baseline read %d rows", k)
				}
				return rows.Err()
			}

			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					run := func() error {
						list, err := m.ListUsers(ctx, c.f)
						if err == nil && c.want == -2 && (len(list) < 1 || len(list) > usersBenchFewN) {
							err = fmt.Errorf("%s: %d users, want 1 to %d", c.name, len(list), usersBenchFewN)
						}
						if err == nil && c.want >= 0 && len(list) != c.want {
							err = fmt.Errorf("%s: %d users, want %d", c.name, len(list), c.want)
						}
						return err
					}
					// Warm up (and fail early).
					if err := run(); err != nil {
						b.Fatal(err)
					}
					sideBySide(b, run, base)
				})
			}
		})
	}
}

// usersBenchDB is the kept database or schema of the n-user population.
func usersBenchDB(n int) string { return "akbench_userslist_" + strconv.Itoa(n) }

// keptPostgres opens and migrates the kept PostgreSQL schema of the
// n-user population, creating it if needed.
func keptPostgres(b *testing.B, n int) migrator {
	dsn := os.Getenv(dbtest.PostgresEnv)
	if dsn == "" {
		b.Skip(dbtest.PostgresEnv + " is not set")
	}
	name := usersBenchDB(n)
	keptCreate(b, "pgx", dsn, "CREATE SCHEMA IF NOT EXISTS "+name, "DROP SCHEMA "+name+" CASCADE", "CREATE SCHEMA "+name,
		dbtest.WithSearchPath(b, dsn, name))
	s, err := postgres.Open(context.Background(), dbtest.WithSearchPath(b, dsn, name), postgres.WithMaxOpenConns(4))
	return keptMigrate(b, s, err)
}

// keptMySQL is keptPostgres for MariaDB: a kept database.
func keptMySQL(b *testing.B, n int) migrator {
	dsn := os.Getenv(dbtest.MySQLEnv)
	if dsn == "" {
		b.Skip(dbtest.MySQLEnv + " is not set")
	}
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		b.Fatal(err)
	}
	name := usersBenchDB(n)
	cfg.DBName = name
	create := "CREATE DATABASE IF NOT EXISTS " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
	keptCreate(b, "mysql", dsn, create, "DROP DATABASE "+name, create, cfg.FormatDSN())
	s, err := mysql.Open(context.Background(), cfg.FormatDSN(), mysql.WithMaxOpenConns(4))
	return keptMigrate(b, s, err)
}

// keptCreate creates the kept database or schema, and starts it again
// (drop, then create) when it lacks the marker table of a finished seed.
func keptCreate(b *testing.B, driver, admin, create, drop, recreate, dsn string) {
	ctx := context.Background()
	db, err := sql.Open(driver, admin)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, create); err != nil {
		b.Fatal(err)
	}
	kept, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer kept.Close()
	var mainID string
	if kept.QueryRowContext(ctx, "SELECT main_id FROM akbench_seeded").Scan(&mainID) == nil {
		return
	}
	for _, q := range []string{drop, recreate} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

func keptMigrate[S migrator](b *testing.B, s S, err error) migrator {
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	start := time.Now()
	if err := s.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		b.Logf("migrated in %s", d.Round(time.Millisecond))
	}
	return s
}

// usersBenchSeed returns the main account and sub-accounts of the seeded
// population, seeding n users first unless the marker table says it was
// done.
func usersBenchSeed(b *testing.B, s *sqlstore.Store, n int) (string, []string) {
	ctx := context.Background()
	var mainID, subList string
	if s.DB().QueryRowContext(ctx, "SELECT main_id, subs FROM akbench_seeded").Scan(&mainID, &subList) == nil {
		return mainID, strings.Split(subList, ",")
	}
	start := time.Now()
	mainID = ids.NewID()
	subs := make([]string, usersBenchSubs)
	for i := range subs {
		subs[i] = ids.NewID()
	}
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var (
		wg       sync.WaitGroup
		sem      = make(chan struct{}, usersBenchWriters)
		errOnce  sync.Once
		firstErr error
	)
	fewEvery := n / usersBenchFewN
	for batch := 0; batch < n/usersBenchBatch; batch++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			err := usersBenchBatchInsert(ctx, s, batch, mainID, subs, now, fewEvery)
			if err != nil {
				errOnce.Do(func() { firstErr = err })
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	for _, t := range []string{"accountkit_users", "accountkit_user_roles", "accountkit_user_words"} {
		// VACUUM sets PostgreSQL's visibility map, as autovacuum would
		// after a bulk load, so index-only scans stay index-only.
		q := "VACUUM ANALYZE " + t
		if s.Dialect() == sqlstore.MySQL {
			q = "ANALYZE TABLE " + t
		}
		rows, err := s.DB().QueryContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		rows.Close()
	}
	for _, q := range []string{"CREATE TABLE akbench_seeded (main_id VARCHAR(36) NOT NULL, subs TEXT NOT NULL)",
		"INSERT INTO akbench_seeded (main_id, subs) VALUES (?, ?)"} {
		if _, err := s.DB().ExecContext(ctx, q, mainID, strings.Join(subs, ",")); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d users in %s", n, time.Since(start).Round(time.Second))
	return mainID, subs
}

// usersBenchBatchInsert stores batch number batch of the population: its
// users, their words and their role grants, each in one multi-row INSERT.
func usersBenchBatchInsert(ctx context.Context, s *sqlstore.Store, batch int, mainID string, subs []string, now time.Time, fewEvery int) error {
	rng := rand.New(rand.NewPCG(uint64(batch), 18))
	list := make([]*users.User, usersBenchBatch)
	var grants strings.Builder
	var args []any
	for i := range list {
		k := batch*usersBenchBatch + i
		acc := mainID
		if rng.IntN(10) >= 4 {
			acc = subs[rng.IntN(len(subs))]
		}
		first, last := usersBenchFirst[rng.IntN(len(usersBenchFirst))], usersBenchLast[rng.IntN(len(usersBenchLast))]
		if k%fewEvery == 7 {
			last = "Zebedee"
		}
		username := fmt.Sprintf("%s.%s%d", strings.ToLower(first), strings.ToLower(last), rng.IntN(1_000_000)*10+k%10)
		username += "-" + strconv.Itoa(k) // unique
		created := now.Add(-time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
		u := &users.User{ID: ids.NewID(), AccountID: acc, MainAccountID: mainID, Username: username,
			FirstName: first, LastName: last, Email: username + "@example" + strconv.Itoa(rng.IntN(50)) + ".com",
			Status: users.StatusActive, CreatedAt: created, UpdatedAt: created, PasswordHash: "x"}
		switch r := rng.IntN(100); {
		case r < 10:
			u.Status = users.StatusInvited
		case r < 15:
			u.Status = users.StatusDisabled
		}
		if u.Status != users.StatusInvited {
			u.ActivatedAt = &created
			if rng.IntN(100) < 89 { // 80 % of all users
				t := created.Add(time.Duration(rng.Int64N(int64(now.Sub(created)))))
				u.LastLoginAt = &t
			}
		}
		list[i] = u
		for _, g := range []struct {
			role string
			in   int // per 1000
		}{{usersBenchCommon, 600}, {usersBenchManager, 100}, {usersBenchRare, 2}} {
			if rng.IntN(1000) < g.in {
				if grants.Len() > 0 {
					grants.WriteString(", ")
				}
				grants.WriteString("(?, ?)")
				args = append(args, u.ID, g.role)
			}
		}
	}
	if err := sqlstore.BulkInsertUsers(ctx, s, list, false); err != nil {
		return err
	}
	if len(args) == 0 {
		return nil
	}
	_, err := s.DB().ExecContext(ctx, "INSERT INTO accountkit_user_roles (user_id, role_key) VALUES "+grants.String(), args...)
	return err
}

// usersBenchCount is how many users the seeded database holds.
func usersBenchCount(b *testing.B, s *sqlstore.Store) int {
	var n int
	if err := s.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM accountkit_users").Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}
