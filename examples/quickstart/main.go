// Command quickstart runs accountkit in memory: it creates a main account
// with a sub-account and an administrator, prints how to sign in, and
// serves the API and the pages (http://127.0.0.1:8080/account/sign-in, in
// development mode so they work on plain HTTP) until Ctrl-C.
//
//	go run ./examples/quickstart
//
// Emails (invitations, password resets) are printed to the terminal in place
// of a real mail server. The account also gets the custom hostname
// acme.localhost, verified through a local DNS resolver the quickstart
// fills in itself; every URL it prints answers (see
// examples/internal/demo's TestInstructions_URLs).
package main

import (
	"flag"
	"log"
	"os"

	"github.com/accountkit/accountkit/examples/internal/demo"
	"github.com/accountkit/accountkit/storage/memory"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	if err := demo.Run(*addr, memory.New(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}
