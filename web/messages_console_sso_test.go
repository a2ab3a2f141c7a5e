package web

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/text/language"
)

// TestConsoleSSOCatalogue: the SSO page's English and German messages
// have the same keys, every fixed key the page and its template use
// exists, and the service's messages it shows read German in German.
func TestConsoleSSOCatalogue(t *testing.T) {
	for k := range consoleSSOEN {
		assert.Contains(t, consoleSSODE, k, "German lacks %s", k)
		assert.NotContains(t, messagesEN, k)
		assert.NotContains(t, consoleEN, k)
	}
	for k := range consoleSSODE {
		assert.Contains(t, consoleSSOEN, k, "English lacks %s", k)
	}
	var src []byte
	for _, f := range []string{"console_sso.go", "templates/console_sso.html"} {
		b, err := os.ReadFile(f)
		assert.NoError(t, err)
		src = append(src, b...)
	}
	for _, m := range regexp.MustCompile(`"(conssso\.[a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		if m[1][len(m[1])-1] == '_' {
			continue
		}
		assert.Contains(t, consoleSSOEN, m[1], "%s is used but not in the catalogue", m[1])
	}
	// The keys built at run time: a label and a hint for every field.
	for _, name := range []string{"idp_entity_id", "idp_login_url", "idp_logout_url", "idp_certificates", "group_attribute",
		"enabled", "auto_create_users", "auto_create_groups", "local_two_factor", "allow_idp_initiated", "break_glass_user_id"} {
		assert.Contains(t, consoleSSOEN, "conssso.field_"+name)
		assert.Contains(t, consoleSSOEN, "conssso.hint_"+name)
	}
	for _, name := range []string{"sp_entity_id", "acs_url", "initiation_url", "metadata_url", "logout_url"} {
		assert.Contains(t, consoleSSOEN, "conssso.url_"+name)
		assert.Contains(t, consoleSSOEN, "conssso.url_"+name+"_hint")
	}
	de := newTranslator(language.German)
	assert.Equal(t, "SSO-Konfiguration", de.T("conssso.nav"))
	assert.Equal(t, "ist erforderlich, um Single Sign-On einzuschalten", de.T("is required to enable single sign-on"))
}
