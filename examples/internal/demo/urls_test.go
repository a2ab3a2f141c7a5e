package demo_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/examples/internal/demo"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
)

var (
	urlRE  = regexp.MustCompile(`https?://[^\s'"]+`)
	bodyRE = regexp.MustCompile(`-d '([^']*)'`)
)

// TestInstructions_URLs runs the quickstart's setup on a real listener
// and follows every URL it prints — in its instructions and in the emails
// it prints — as a newcomer would: pages and links in a browser (which,
// like curl, sends *.localhost to this machine), curl commands as
// written, with the token the first one returns. Each must answer with
// success. The custom hostname is verified and brands its sign-in page.
func TestInstructions_URLs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	var mail strings.Builder
	inst, err := demo.Setup(context.Background(), memory.New(), addr, &mail)
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(inst.Handler)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(inst.Kit.Close)
	text := mail.String() + inst.Instructions(addr)
	t.Log(inst.Instructions(addr))

	c, err := inst.Kit.Accounts.Customization(security.AsSystem(context.Background()), inst.Main.ID)
	require.NoError(t, err)
	require.Equal(t, demo.CustomHostname, c.Hostname)
	require.Equal(t, account.HostnameVerified, c.HostnameStatus, c.HostnameError)

	// A client that resolves *.localhost to the loopback address, as
	// browsers and curl do; it does not follow redirects, so each answer
	// is judged on its own (the redirect's target is checked too).
	_, port, _ := net.SplitHostPort(addr)
	client := &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			if h, p, err := net.SplitHostPort(a); err == nil && strings.HasSuffix(h, ".localhost") {
				a = net.JoinHostPort("127.0.0.1", p)
			}
			return (&net.Dialer{}).DialContext(ctx, network, a)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	do := func(method, u, token, body string) (int, string, http.Header) {
		t.Helper()
		req, err := http.NewRequest(method, u, strings.NewReader(body))
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		require.NoError(t, err, u)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}

	// Each command or line, with shell continuations joined.
	lines := strings.Split(strings.ReplaceAll(text, "\\\n", " "), "\n")
	var token string
	seen := 0
	for _, line := range lines {
		for _, u := range urlRE.FindAllString(line, -1) {
			u = strings.TrimRight(u, ").,")
			seen++
			method, body, auth := "GET", "", ""
			if strings.Contains(line, "curl ") {
				if m := bodyRE.FindStringSubmatch(line); m != nil {
					method, body = "POST", m[1]
				}
				if strings.Contains(line, "$TOKEN") {
					require.NotEmpty(t, token, "the login command comes first")
					auth = token
				}
			}
			status, got, h := do(method, u, auth, body)
			if status == http.StatusSeeOther {
				loc, err := http.NewRequest("GET", u, nil)
				require.NoError(t, err)
				next, err := loc.URL.Parse(h.Get("Location"))
				require.NoError(t, err)
				status, got, _ = do("GET", next.String(), "", "")
			}
			assert.True(t, status >= 200 && status < 300, "%s %s answered %d: %s", method, u, status, got)
			if strings.HasSuffix(u, "/auth/login") {
				var login struct{ Token string }
				require.NoError(t, json.Unmarshal([]byte(got), &login))
				token = login.Token
			}
			if strings.HasPrefix(u, "http://"+demo.CustomHostname+":") {
				assert.Contains(t, got, "Acme", "the custom hostname's page is the account's")
			}
			if strings.HasSuffix(u, "/customization") {
				assert.Contains(t, got, `"verified"`)
			}
		}
	}
	assert.Contains(t, text, "http://"+demo.CustomHostname+":"+port+"/account/sign-in")
	_, plain, _ := do("GET", "http://"+addr+"/account/sign-in", "", "")
	assert.NotContains(t, plain, "Acme", "only the custom hostname brands the plain sign-in page")
	assert.Contains(t, text, "/account/accept-invitation?token=", "the invitation email's link is followed")
	assert.GreaterOrEqual(t, seen, 11)
}
