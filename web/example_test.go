package web_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage/memory"
	"github.com/accountkit/accountkit/users"
	"github.com/accountkit/accountkit/web"
)

// ExampleNew mounts the pages under /account beside the kit's API.
func ExampleNew() {
	k, err := kit.New(kit.Options{Store: memory.New(),
		Users: users.Options{LinkBaseURL: "https://app.example.com/account"},
		SSO:   sso.Options{BaseURL: "https://app.example.com", TwoFactorPath: web.TwoFactorPath("/account")}})
	if err != nil {
		log.Fatal(err)
	}
	pages, err := web.New(web.Options{Services: web.Services{SignIn: k.Auth, Links: k.Auth, Self: k.Users, Security: k.Auth,
		Branding: k.Accounts, SSO: k.SSO, Notifications: k.Notifications},
		FormKey: []byte("a 32-byte secret shared by every instance")})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/account/", pages)
	mux.Handle("/", k.Handler())

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://app.example.com/account/sign-in", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output: 200 text/html; charset=utf-8
}
