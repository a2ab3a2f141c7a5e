package sso_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/sso"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func readAll(r *http.Response) ([]byte, error) { return io.ReadAll(r.Body) }

func certPEM(t *testing.T, pub, priv any) string {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "x"},
		NotBefore: kittest.Epoch.Add(-time.Hour), NotAfter: kittest.Epoch.AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestSSO_ConfigDefaults(t *testing.T) {
	env := kittest.New(t)
	acc := env.MainAccount(t, "fresh")
	env.ActiveUser(t, acc, "boss", security.RoleAccountManager)
	token := env.Login(t, "boss", kittest.Password)
	r := env.Do(t, http.MethodGet, "/api/v1/accounts/"+acc.ID+"/sso", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var cfg configJSON
	r.JSON(t, &cfg)
	require.False(t, cfg.Saved)
	require.False(t, cfg.Enabled)
	require.False(t, cfg.AutoCreateUsers)
	require.Equal(t, sso.DefaultGroupAttribute, cfg.GroupAttribute)
	require.Equal(t, kittest.BaseURL+"/login/saml/fresh/", cfg.InitiationURL)
	require.Equal(t, kittest.BaseURL+"/login/saml/fresh/acs", cfg.ACSURL)
	require.Equal(t, kittest.BaseURL+"/login/saml/fresh/metadata", cfg.MetadataURL)
	require.Equal(t, cfg.MetadataURL, cfg.SPEntityID)
	// Metadata is published once a configuration is saved.
	p := newBrowser(env).do(t, http.MethodGet, "/login/saml/fresh/metadata", nil)
	require.Equal(t, http.StatusNotFound, p.Status)
	// Sign-in is off until enabled.
	p = newBrowser(env).do(t, http.MethodGet, "/login/saml/fresh/", nil)
	require.Equal(t, http.StatusNotFound, p.Status)
}

// TestSSO_ConfigValidation: every refused input names its field, changes
// nothing and is audited as a failure.
func TestSSO_ConfigValidation(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	good := f.idp.PEM()

	before := string(f.env.Do(t, http.MethodGet, f.path(), f.adminToken, nil).Body)
	cases := map[string]struct {
		body  any
		field string
	}{
		"http login URL":        {map[string]any{"idp_login_url": "http://idp.example/sso"}, "idp_login_url"},
		"relative login URL":    {map[string]any{"idp_login_url": "/sso"}, "idp_login_url"},
		"javascript login URL":  {map[string]any{"idp_login_url": "javascript:alert(1)"}, "idp_login_url"},
		"user info":             {map[string]any{"idp_login_url": "https://u:p@idp.example/sso"}, "idp_login_url"},
		"http logout URL":       {map[string]any{"idp_logout_url": "http://idp.example/slo"}, "idp_logout_url"},
		"entity ID spaces":      {map[string]any{"idp_entity_id": "not a uri"}, "idp_entity_id"},
		"SP entity ID":          {map[string]any{"sp_entity_id": "relative/path"}, "sp_entity_id"},
		"not PEM":               {map[string]any{"idp_certificates": []string{"hello"}}, "idp_certificates[0]"},
		"two in one":            {map[string]any{"idp_certificates": []string{good + good}}, "idp_certificates[0]"},
		"private key":           {map[string]any{"idp_certificates": []string{"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}}, "idp_certificates[0]"},
		"RSA 1024":              {map[string]any{"idp_certificates": []string{good, certPEM(t, &weak.PublicKey, weak)}}, "idp_certificates[1]"},
		"ECDSA P-224":           {map[string]any{"idp_certificates": []string{certPEM(t, &p224.PublicKey, p224)}}, "idp_certificates[0]"},
		"duplicate":             {map[string]any{"idp_certificates": []string{good, good}}, "idp_certificates[1]"},
		"too many":              {map[string]any{"idp_certificates": make([]string, 11)}, "idp_certificates"},
		"no certificate":        {map[string]any{"idp_certificates": []string{}}, "idp_certificates"},
		"skew":                  {map[string]any{"clock_skew_seconds": 601}, "clock_skew_seconds"},
		"negative skew":         {map[string]any{"clock_skew_seconds": -1}, "clock_skew_seconds"},
		"groups without teams":  {map[string]any{"auto_create_groups": true}, "auto_create_groups"},
		"group attribute":       {map[string]any{"group_attribute": "a\nb"}, "group_attribute"},
		"unknown field":         {map[string]any{"enabled": true, "password": "x"}, "password"},
		"wrong type":            {map[string]any{"enabled": "yes"}, "enabled"},
		"enable without IdP ID": {map[string]any{"idp_entity_id": ""}, "idp_entity_id"},
	}
	if env.Kit.SSO != nil && groupSyncAvailable(env) {
		delete(cases, "groups without teams")
	}
	for name, c := range cases {
		r := env.Do(t, http.MethodPut, f.path(), f.adminToken, c.body)
		require.Equal(t, http.StatusBadRequest, r.Status, name+": "+string(r.Body))
		fields := r.Problem(t)["fields"].([]any)
		require.Equal(t, c.field, fields[0].(map[string]any)["field"], name)
		ev := env.LastEvent(t, f.acc.ID)
		require.Equal(t, "Account login options update failed.", ev.Description, name)
	}
	require.Equal(t, before, string(env.Do(t, http.MethodGet, f.path(), f.adminToken, nil).Body), "nothing changed")

	// The accepted forms: ECDSA P-256, bare base64 DER; localhost over http in development.
	ec := certPEM(t, &p256.PublicKey, p256)
	cfg := f.configure(t, map[string]any{"idp_certificates": []string{good, ec}, "idp_logout_url": "http://localhost:8080/slo"}, http.StatusOK)
	require.Equal(t, "ECDSA-P256", cfg.IdPCertificates[1].Key)
	ev := env.LastEvent(t, f.acc.ID)
	require.Equal(t, "Account login options updated.", ev.Description)
	require.Equal(t, "idp_certificates,idp_logout_url", ev.Details["changed"])
	for _, v := range ev.Details {
		require.NotContains(t, v, "CERTIFICATE", "no certificate in the audit log")
	}

	// A member without sso.manage is refused.
	m := env.ActiveUser(t, f.acc, "member")
	_ = m
	r := env.Do(t, http.MethodGet, f.path(), env.Tokens.Issue(kittest.Member(f.acc.ID, "member", security.PermUsersRead)), nil)
	require.Equal(t, http.StatusForbidden, r.Status)
}

// TestSSO_TenantIsolation: a manager of another main account cannot read,
// change or import into the first's configuration; every answer is
// NotFound, exactly as for an ID that does not exist.
func TestSSO_TenantIsolation(t *testing.T) {
	env := kittest.New(t)
	f := newFixture(t, env)
	other := env.MainAccount(t, "rival")
	token := env.Tokens.Issue(kittest.Manager(other.ID, "rival-admin"))
	before := string(env.Do(t, http.MethodGet, f.path(), f.adminToken, nil).Body)
	for _, path := range []string{f.path(), "/api/v1/accounts/01890000-0000-7000-8000-000000000000/sso", "/api/v1/accounts/bogus/sso"} {
		r := env.Do(t, http.MethodGet, path, token, nil)
		require.Equal(t, http.StatusNotFound, r.Status, path)
		r = env.Do(t, http.MethodPut, path, token, map[string]any{"enabled": false})
		require.Equal(t, http.StatusNotFound, r.Status, path)
		req, err := http.NewRequest(http.MethodPost, env.Server.URL+path+"/metadata", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/xml")
		resp, err := env.Server.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
	require.Equal(t, before, string(env.Do(t, http.MethodGet, f.path(), f.adminToken, nil).Body))
	// The failures are recorded in the prober's account, not the target's.
	for _, e := range env.Events(t, f.acc.ID) {
		require.NotEqual(t, "rival-admin", e.ActorName)
	}
	var probes int
	for _, e := range env.Events(t, other.ID) {
		if e.Description == "Account login options update failed." {
			probes++
		}
	}
	require.Positive(t, probes)
	// Unauthenticated calls are 401.
	require.Equal(t, http.StatusUnauthorized, env.Do(t, http.MethodGet, f.path(), "", nil).Status)
}

// groupSyncAvailable reports whether the kit wired a GroupSync (teams).
func groupSyncAvailable(env *kittest.Env) bool {
	return env.Kit.SSO.GroupSyncAvailable()
}
