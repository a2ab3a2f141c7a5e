package reports_test

import (
	"context"
	"fmt"
	"io"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/reports"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
)

// A report requested by the host (the system) is written by the reports
// job, then downloaded and deleted.
func Example() {
	k, err := kit.New(kit.Options{Store: memory.New()})
	if err != nil {
		panic(err)
	}
	sys := security.AsSystem(context.Background())
	acme, err := k.Accounts.CreateMain(sys, account.CreateInput{Name: "Acme", Slug: "acme"})
	if err != nil {
		panic(err)
	}

	r, err := k.Reports.Request(sys, acme.ID, reports.KindSeats, reports.FormatCSV, reports.Params{})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Status)

	k.RunJobsOnce(context.Background()) // or go k.RunJobs(ctx) in every replica

	r, _ = k.Reports.Get(sys, r.ID)
	fmt.Println(r.Status, r.Rows, r.ContentType())
	_, content, err := k.Reports.Open(sys, r.ID)
	if err != nil {
		panic(err)
	}
	defer content.Close()
	body, _ := io.ReadAll(content)
	fmt.Printf("%.61s\n", body)
	fmt.Println(k.Reports.Delete(sys, r.ID))
	// Output:
	// pending
	// done 1 text/csv; charset=utf-8
	// account_id,account_name,account_slug,parent_id,limit,assigned
	// <nil>
}
