// Command postgres runs the quickstart on PostgreSQL: it migrates the
// database (tables prefixed accountkit_), creates a main account with a
// sub-account and an administrator, and serves the API until Ctrl-C.
//
//	go run ./examples/postgres -dsn 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// The account slugs are fixed, so a second run on the same database stops
// with a conflict: use a fresh database or schema (search_path in the DSN).
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/accountkit/accountkit/examples/internal/demo"
	"github.com/accountkit/accountkit/storage/postgres"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dsn := flag.String("dsn", os.Getenv("DATABASE_URL"), "PostgreSQL DSN (default $DATABASE_URL)")
	flag.Parse()
	if *dsn == "" {
		log.Fatal("give -dsn or set DATABASE_URL")
	}
	store, err := postgres.Open(context.Background(), *dsn, postgres.WithMigrate())
	if err != nil {
		log.Fatal(err)
	}
	if err := demo.Run(*addr, store, os.Stdout); err != nil {
		log.Fatal(err)
	}
}
