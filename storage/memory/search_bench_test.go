package memory_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accountkit/accountkit"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
)

// BenchmarkSearch measures q= word search with no match over 100,000 users
// and 100,000 audit events of one account, side by side with the baseline
// in the same run: the substring scan the memory store did before
// (strings.Contains over each row's lower-cased text). Each case reports
// p50-ms and p90-ms.
func BenchmarkSearch(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	s := memory.New()
	defer s.Close()
	var ids accountkit.UUIDv7
	acc := ids.NewID()
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	all := make([]*users.User, n)
	descs := make([]string, n)
	err := s.InTx(ctx, func(ctx context.Context) error {
		for k := range n {
			u := &users.User{ID: ids.NewID(), AccountID: acc, MainAccountID: acc,
				Username: fmt.Sprintf("user%07d", k), FirstName: "Jean-Luc", LastName: fmt.Sprintf("Picard%d", k),
				Email: fmt.Sprintf("user%07d@example.com", k), Status: users.StatusActive, CreatedAt: now, UpdatedAt: now}
			if err := s.CreateUser(ctx, u); err != nil {
				return err
			}
			all[k] = u
			descs[k] = fmt.Sprintf("Something happened to thing %d.", k)
			e := &audit.Event{ID: ids.NewID(), AccountID: acc, MainAccountID: acc, Time: now.Add(time.Duration(k) * time.Second),
				ActorName: "system", Item: "User", Action: "update", Status: audit.StatusSuccess,
				Description: descs[k], Seq: int64(k + 1)}
			if err := s.InsertAuditEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		run  func() int
	}{
		{"Users/NoMatch/Words", func() int {
			l, err := s.ListUsers(ctx, users.Filter{AccountIDs: []string{acc}, Search: "zzqx", Limit: 51})
			if err != nil {
				b.Fatal(err)
			}
			return len(l)
		}},
		{"Users/NoMatch/SubstringBaseline", func() int {
			c := 0
			for _, u := range all {
				if strings.Contains(u.SearchText(), "zzqx") {
					c++
				}
			}
			return c
		}},
		{"Audit/NoMatch/Words", func() int {
			l, err := s.ListAuditEvents(ctx, audit.Filter{MainAccountID: acc, Search: "zzqx", Limit: 51})
			if err != nil {
				b.Fatal(err)
			}
			return len(l)
		}},
		{"Audit/NoMatch/SubstringBaseline", func() int {
			c := 0
			for _, d := range descs {
				if strings.Contains(strings.ToLower(d), "zzqx") {
					c++
				}
			}
			return c
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if got := c.run(); got != 0 {
					b.Fatalf("%d matches, want 0", got)
				}
				times = append(times, time.Since(t0))
			}
			slices.Sort(times)
			ms := func(p float64) float64 {
				return float64(times[int(p*float64(len(times)-1))]) / float64(time.Millisecond)
			}
			b.ReportMetric(ms(0.5), "p50-ms")
			b.ReportMetric(ms(0.9), "p90-ms")
		})
	}
}
