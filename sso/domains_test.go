package sso_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
	"github.com/accountkit/accountkit/storage/memory"
)

// txtDNS is a Resolver answering TXT lookups from a map, for tests only.
type txtDNS struct {
	mu  sync.Mutex
	txt map[string][]string
}

func (d *txtDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if v, ok := d.txt[name]; ok {
		return v, nil
	}
	return nil, errors.New("no such host")
}

func (d *txtDNS) LookupCNAME(context.Context, string) (string, error) {
	return "", errors.New("no such host")
}

func (d *txtDNS) set(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.txt == nil {
		d.txt = map[string][]string{}
	}
	d.txt[name] = values
}

// domainJSON is the API form of a claimed domain, as the tests read it.
type domainJSON struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"account_id"`
	Domain     string     `json:"domain"`
	Status     string     `json:"status"`
	Error      string     `json:"error"`
	VerifiedAt *time.Time `json:"verified_at"`
	CheckedAt  *time.Time `json:"checked_at"`
	Record     struct {
		Type, Name, Value string
	} `json:"record"`
}

// newDomainEnv returns an env whose DNS answers from the returned txtDNS,
// given to kit as the customization's Resolver (kit passes it on to sso).
func newDomainEnv(t *testing.T, opts ...func(*kit.Options)) (*kittest.Env, *txtDNS) {
	t.Helper()
	dns := &txtDNS{}
	opts = append([]func(*kit.Options){func(o *kit.Options) { o.Account.Customization.Resolver = dns }}, opts...)
	return kittest.NewWithStore(t, memory.New(), opts...), dns
}

func domainsPath(acc *account.Account) string { return "/api/v1/accounts/" + acc.ID + "/sso/domains" }

func addDomain(t *testing.T, env *kittest.Env, acc *account.Account, token, domain string) *domainJSON {
	t.Helper()
	r := env.Do(t, http.MethodPost, domainsPath(acc), token, map[string]any{"domain": domain})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var d domainJSON
	r.JSON(t, &d)
	return &d
}

func verifyDomain(t *testing.T, env *kittest.Env, acc *account.Account, token, id string) *domainJSON {
	t.Helper()
	r := env.Do(t, http.MethodPost, domainsPath(acc)+"/"+id+"/verify", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var d domainJSON
	r.JSON(t, &d)
	return &d
}

func TestDomains_ClaimAndVerify(t *testing.T) {
	t.Parallel()
	env, dns := newDomainEnv(t)
	acc := env.MainAccount(t, "acme")
	boss := env.Tokens.Issue(kittest.Manager(acc.ID, "boss"))

	d := addDomain(t, env, acc, boss, " ACME.example. ")
	assert.Equal(t, "acme.example", d.Domain, "normalised: trimmed, lower case, no trailing dot")
	assert.Equal(t, "pending", d.Status)
	assert.Equal(t, "TXT", d.Record.Type)
	assert.Equal(t, "_accountkit-domain.acme.example", d.Record.Name)
	assert.Regexp(t, `^accountkit-domain-verification=[a-z2-7]{32}$`, d.Record.Value)
	assert.Equal(t, "SSO domain added.", env.LastEvent(t, acc.ID).Description)

	t.Run("NoRecordFails", func(t *testing.T) {
		got := verifyDomain(t, env, acc, boss, d.ID)
		assert.Equal(t, "failed", got.Status)
		assert.Contains(t, got.Error, "_accountkit-domain.acme.example was not found")
		assert.Nil(t, got.VerifiedAt)
		require.NotNil(t, got.CheckedAt)
		ev := env.LastEvent(t, acc.ID)
		assert.Equal(t, audit.StatusFailure, ev.Status)
		assert.Equal(t, "SSO domain verification failed.", ev.Description)
		assert.Equal(t, "acme.example", ev.Details["domain"])
	})
	t.Run("WrongValueFails", func(t *testing.T) {
		dns.set(d.Record.Name, "v=spf1 -all", "accountkit-domain-verification=someoneelse")
		got := verifyDomain(t, env, acc, boss, d.ID)
		assert.Equal(t, "failed", got.Status)
		assert.Contains(t, got.Error, "does not hold the verification value")
	})
	t.Run("Verified", func(t *testing.T) {
		dns.set(d.Record.Name, "v=spf1 -all", " "+d.Record.Value+" ")
		got := verifyDomain(t, env, acc, boss, d.ID)
		assert.Equal(t, "verified", got.Status)
		assert.Empty(t, got.Error)
		require.NotNil(t, got.VerifiedAt)
		ev := env.LastEvent(t, acc.ID)
		assert.Equal(t, audit.StatusSuccess, ev.Status)
		assert.Equal(t, "SSO domain verified.", ev.Description)

		r := env.Do(t, http.MethodGet, domainsPath(acc), boss, nil)
		require.Equal(t, http.StatusOK, r.Status)
		var list struct{ Domains []domainJSON }
		r.JSON(t, &list)
		require.Len(t, list.Domains, 1)
		assert.Equal(t, "verified", list.Domains[0].Status)
	})
	t.Run("ReverifyKeepsFirstVerifiedAt", func(t *testing.T) {
		first := verifyDomain(t, env, acc, boss, d.ID)
		env.Clock.Advance(time.Hour)
		again := verifyDomain(t, env, acc, boss, d.ID)
		assert.Equal(t, "verified", again.Status)
		assert.True(t, first.VerifiedAt.Equal(*again.VerifiedAt))
		assert.True(t, again.CheckedAt.After(*first.CheckedAt))
	})
	t.Run("RecordGoneUnverifies", func(t *testing.T) {
		dns.set(d.Record.Name)
		got := verifyDomain(t, env, acc, boss, d.ID)
		assert.Equal(t, "failed", got.Status)
		assert.Nil(t, got.VerifiedAt)
	})
	t.Run("Remove", func(t *testing.T) {
		r := env.Do(t, http.MethodDelete, domainsPath(acc)+"/"+d.ID, boss, nil)
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		assert.Equal(t, "SSO domain removed.", env.LastEvent(t, acc.ID).Description)
		r = env.Do(t, http.MethodGet, domainsPath(acc)+"/"+d.ID, boss, nil)
		require.Equal(t, http.StatusNotFound, r.Status)
	})
}

func TestDomains_BadInput(t *testing.T) {
	t.Parallel()
	env, _ := newDomainEnv(t)
	acc := env.MainAccount(t, "acme")
	boss := env.Tokens.Issue(kittest.Manager(acc.ID, "boss"))
	for _, bad := range []string{"", "com", "co.uk", "github.io", "localhost", "acme..example", "a b.example",
		"*.acme.example", "192.0.2.1", "[::1]", "bücher.example", "-acme.example", "acme.example:443", "ada@acme.example"} {
		r := env.Do(t, http.MethodPost, domainsPath(acc), boss, map[string]any{"domain": bad})
		require.Equal(t, http.StatusBadRequest, r.Status, "%q: %s", bad, r.Body)
		assert.Contains(t, string(r.Body), `"domain"`, "%q: the field is named", bad)
	}
	r := env.Do(t, http.MethodPost, domainsPath(acc), boss, map[string]any{"domain": "acme.example", "extra": 1})
	require.Equal(t, http.StatusBadRequest, r.Status, "unknown fields are refused")
	list, err := env.Kit.SSO.Domains(kittest.As(kittest.Manager(acc.ID, "boss")), acc.ID)
	require.NoError(t, err)
	assert.Empty(t, list, "refused input changed nothing")
	failed := env.LastEvent(t, acc.ID)
	assert.Equal(t, audit.StatusFailure, failed.Status)
	assert.Equal(t, "Adding SSO domain failed.", failed.Description)

	addDomain(t, env, acc, boss, "acme.example")
	r = env.Do(t, http.MethodPost, domainsPath(acc), boss, map[string]any{"domain": "ACME.example"})
	require.Equal(t, http.StatusConflict, r.Status, "the account claims it already")
	addDomain(t, env, acc, boss, "eu.acme.example") // a subdomain is a domain of its own
}

func TestDomains_Limit(t *testing.T) {
	t.Parallel()
	env, _ := newDomainEnv(t)
	acc := env.MainAccount(t, "acme")
	ctx := kittest.As(kittest.Manager(acc.ID, "boss"))
	for i := range sso.MaxDomains {
		_, err := env.Kit.SSO.AddDomain(ctx, acc.ID, "d"+string(rune('a'+i/26))+string(rune('a'+i%26))+".example")
		require.NoError(t, err)
	}
	boss := env.Tokens.Issue(kittest.Manager(acc.ID, "boss"))
	r := env.Do(t, http.MethodPost, domainsPath(acc), boss, map[string]any{"domain": "one-too-many.example"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
}

// TestDomains_OneVerifiedAccount: two accounts may claim a domain, only
// one may hold it verified; when it lets go, the other may verify.
func TestDomains_OneVerifiedAccount(t *testing.T) {
	t.Parallel()
	env, dns := newDomainEnv(t)
	a, b := env.MainAccount(t, "acme"), env.MainAccount(t, "rival")
	ta, tb := env.Tokens.Issue(kittest.Manager(a.ID, "boss")), env.Tokens.Issue(kittest.Manager(b.ID, "boss"))
	da, db := addDomain(t, env, a, ta, "acme.example"), addDomain(t, env, b, tb, "acme.example")
	require.NotEqual(t, da.Record.Value, db.Record.Value, "each claim has its own challenge")
	dns.set(da.Record.Name, da.Record.Value, db.Record.Value)

	require.Equal(t, "verified", verifyDomain(t, env, a, ta, da.ID).Status)
	got := verifyDomain(t, env, b, tb, db.ID)
	assert.Equal(t, "failed", got.Status)
	assert.Equal(t, "the domain is verified by another account", got.Error)

	r := env.Do(t, http.MethodDelete, domainsPath(a)+"/"+da.ID, ta, nil)
	require.Equal(t, http.StatusNoContent, r.Status)
	assert.Equal(t, "verified", verifyDomain(t, env, b, tb, db.ID).Status)
}

// TestDomains_Permissions: the domain routes need PermSSOManage; another
// tenant's manager, and a domain ID of another account, answer 404.
func TestDomains_Permissions(t *testing.T) {
	t.Parallel()
	env, _ := newDomainEnv(t)
	acc, other := env.MainAccount(t, "acme"), env.MainAccount(t, "other")
	boss := env.Tokens.Issue(kittest.Manager(acc.ID, "boss"))
	d := addDomain(t, env, acc, boss, "acme.example")
	od := addDomain(t, env, other, env.Tokens.Issue(kittest.Manager(other.ID, "boss")), "other.example")

	member := env.Tokens.Issue(kittest.Member(acc.ID, "member"))
	stranger := env.Tokens.Issue(kittest.Manager(other.ID, "stranger"))
	routes := []struct{ method, path string }{
		{http.MethodGet, domainsPath(acc)},
		{http.MethodPost, domainsPath(acc)},
		{http.MethodGet, domainsPath(acc) + "/" + d.ID},
		{http.MethodPost, domainsPath(acc) + "/" + d.ID + "/verify"},
		{http.MethodDelete, domainsPath(acc) + "/" + d.ID},
	}
	for _, rt := range routes {
		var body any
		if rt.method == http.MethodPost && rt.path == domainsPath(acc) {
			body = map[string]any{"domain": "new.example"}
		}
		r := env.Do(t, rt.method, rt.path, "", body)
		assert.Equal(t, http.StatusUnauthorized, r.Status, "anonymous %s %s", rt.method, rt.path)
		r = env.Do(t, rt.method, rt.path, member, body)
		assert.Equal(t, http.StatusForbidden, r.Status, "member %s %s: %s", rt.method, rt.path, r.Body)
		r = env.Do(t, rt.method, rt.path, stranger, body)
		assert.Equal(t, http.StatusNotFound, r.Status, "other tenant %s %s: %s", rt.method, rt.path, r.Body)
	}
	// The other account's domain ID under this account's path.
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		r := env.Do(t, method, domainsPath(acc)+"/"+od.ID, boss, nil)
		assert.Equal(t, http.StatusNotFound, r.Status, method)
	}
	r := env.Do(t, http.MethodPost, domainsPath(acc)+"/"+od.ID+"/verify", boss, nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	list, err := env.Kit.SSO.Domains(kittest.As(kittest.Manager(other.ID, "boss")), other.ID)
	require.NoError(t, err)
	require.Len(t, list, 1, "the other account's domain is untouched")
	list, err = env.Kit.SSO.Domains(kittest.As(kittest.Manager(acc.ID, "boss")), acc.ID)
	require.NoError(t, err)
	require.Len(t, list, 1, "nothing was added or removed by refused requests")
}

type discoveryJSON struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

func discover(t *testing.T, env *kittest.Env, email string) (int, discoveryJSON, []byte) {
	t.Helper()
	r := env.Do(t, http.MethodGet, "/api/v1/sso/discover?email="+url.QueryEscape(email), "", nil)
	var out discoveryJSON
	if r.Status == http.StatusOK {
		r.JSON(t, &out)
	}
	return r.Status, out, r.Body
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	env, dns := newDomainEnv(t)
	f := newFixture(t, env) // "contoso", SSO enabled
	boss := env.Tokens.Issue(kittest.Manager(f.acc.ID, "boss"))
	plain := env.MainAccount(t, "plain") // no SSO
	pboss := env.Tokens.Issue(kittest.Manager(plain.ID, "boss"))

	password := discoveryJSON{Method: "password"}
	ssoAnswer := discoveryJSON{Method: "sso", URL: kittest.BaseURL + "/login/saml/contoso/"}

	d := addDomain(t, env, f.acc, boss, "contoso.example")
	_, got, _ := discover(t, env, "ada@contoso.example")
	assert.Equal(t, password, got, "a pending domain routes nowhere")

	dns.set(d.Record.Name, d.Record.Value)
	require.Equal(t, "verified", verifyDomain(t, env, f.acc, boss, d.ID).Status)
	for _, email := range []string{"ada@contoso.example", "Ada.Lovelace+x@CONTOSO.example"} {
		status, got, body := discover(t, env, email)
		require.Equal(t, http.StatusOK, status, string(body))
		assert.Equal(t, ssoAnswer, got, email)
	}

	pd := addDomain(t, env, plain, pboss, "plain.example")
	dns.set(pd.Record.Name, pd.Record.Value)
	require.Equal(t, "verified", verifyDomain(t, env, plain, pboss, pd.ID).Status)
	for _, email := range []string{"bob@plain.example", "eve@unknown.example", "x@sub.contoso.example", "x@co.uk"} {
		status, got, body := discover(t, env, email)
		require.Equal(t, http.StatusOK, status, string(body))
		assert.Equal(t, password, got, "%s: same answer for no SSO, unknown and unclaimable domains", email)
	}

	t.Run("SSODisabled", func(t *testing.T) {
		f.configure(t, map[string]any{"enabled": false}, http.StatusOK)
		_, got, _ := discover(t, env, "ada@contoso.example")
		assert.Equal(t, password, got)
		f.configure(t, map[string]any{"enabled": true}, http.StatusOK)
		_, got, _ = discover(t, env, "ada@contoso.example")
		assert.Equal(t, ssoAnswer, got)
	})
	t.Run("AccountDisabled", func(t *testing.T) {
		_, err := env.Kit.Accounts.Disable(env.System(), f.acc.ID)
		require.NoError(t, err)
		_, got, _ := discover(t, env, "ada@contoso.example")
		assert.Equal(t, password, got)
		_, err = env.Kit.Accounts.Enable(env.System(), f.acc.ID)
		require.NoError(t, err)
	})
	t.Run("BadEmail", func(t *testing.T) {
		for _, bad := range []string{"", "ada", "ada@", "Ada <ada@contoso.example>", "ada@contoso.example, bob@x.example"} {
			status, _, body := discover(t, env, bad)
			require.Equal(t, http.StatusBadRequest, status, "%q: %s", bad, body)
			assert.Contains(t, string(body), `"email"`, bad)
		}
	})
}

func TestDiscover_RateLimitedPerIP(t *testing.T) {
	t.Parallel()
	env, _ := newDomainEnv(t, func(o *kit.Options) {
		o.SSO.DiscoverPerIP = security.RateLimit{Burst: 3, Every: time.Minute}
	})
	for range 3 {
		status, _, body := discover(t, env, "ada@acme.example")
		require.Equal(t, http.StatusOK, status, string(body))
	}
	r := env.Do(t, http.MethodGet, "/api/v1/sso/discover?email=ada%40acme.example", "", nil)
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	assert.NotEmpty(t, r.Header.Get("Retry-After"))
	env.Clock.Advance(time.Minute)
	status, _, _ := discover(t, env, "ada@acme.example")
	require.Equal(t, http.StatusOK, status, "a token came back")
}
