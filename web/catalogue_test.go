package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/text/language"
)

// TestCatalogue: English and German are complete, and every key the
// templates and handlers use exists.
func TestCatalogue(t *testing.T) {
	for k := range consoleEN {
		assert.NotContains(t, messagesEN, k, "%s is in both catalogues", k)
		assert.Contains(t, consoleDE, k, "German lacks %s", k)
	}
	for k := range consoleDE {
		assert.Contains(t, consoleEN, k, "English lacks %s", k)
	}
	for k := range consoleRolesEN {
		assert.NotContains(t, messagesEN, k, "%s is in both catalogues", k)
		assert.NotContains(t, consoleEN, k, "%s is in both console catalogues", k)
		assert.Contains(t, consoleRolesDE, k, "German lacks %s", k)
	}
	for k := range consoleRolesDE {
		assert.Contains(t, consoleRolesEN, k, "English lacks %s", k)
	}
	// The Seats and Notifications pages' messages (issue 20, part 2).
	for k := range consoleSeatsEN {
		assert.NotContains(t, messagesEN, k, "%s is in both catalogues", k)
		assert.NotContains(t, consoleEN, k, "%s is in both catalogues", k)
		assert.Contains(t, consoleSeatsDE, k, "German lacks %s", k)
	}
	for k := range consoleSeatsDE {
		assert.Contains(t, consoleSeatsEN, k, "English lacks %s", k)
	}
	// The console's Security page.
	for k := range consoleSecurityEN {
		assert.Contains(t, consoleSecurityDE, k, "German lacks %s", k)
	}
	for k := range consoleSecurityDE {
		assert.Contains(t, consoleSecurityEN, k, "English lacks %s", k)
	}
	// The console's Customization page.
	for k := range consoleCustomEN {
		assert.Contains(t, consoleCustomDE, k, "German lacks %s", k)
	}
	for k := range consoleCustomDE {
		assert.Contains(t, consoleCustomEN, k, "English lacks %s", k)
	}
	// The console's Accounts page.
	for k := range consoleAccountsEN {
		assert.Contains(t, consoleAccountsDE, k, "German lacks %s", k)
	}
	for k := range consoleAccountsDE {
		assert.Contains(t, consoleAccountsEN, k, "English lacks %s", k)
	}
	for k := range messagesEN {
		assert.Contains(t, messagesDE, k, "German lacks %s", k)
	}
	for k := range messagesDE {
		assert.Contains(t, messagesEN, k, "English lacks %s", k)
	}
	var src strings.Builder
	for _, pat := range []string{"templates/*.html", "*.go"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || f == "messages.go" || f == "messages_console.go" || f == "messages_console_roles.go" || f == "messages_console_seats.go" {
				continue
			}
			b, _ := os.ReadFile(f)
			src.Write(b)
		}
	}
	used := regexp.MustCompile(`"((?:common|field|error|notice|signin|sso|expired|twofactor|recovery|setup|codes|forgot|reset|accept|link|verify|nav|profile|phone|security|sessions|notifications|notfound|password|console)\.[a-z_.]+)"`).FindAllStringSubmatch(src.String(), -1)
	for _, m := range used {
		if strings.HasSuffix(m[1], "_") { // a prefix completed at run time, e.g. "console.status_" + status
			continue
		}
		_, console := consoleEN[m[1]]
		_, signin := messagesEN[m[1]]
		_, roles := consoleRolesEN[m[1]]
		_, seatsMsg := consoleSeatsEN[m[1]]
		assert.True(t, console || signin || roles || seatsMsg, "%s is used but not in the catalogue", m[1])
	}
	de := newTranslator(language.German)
	assert.Equal(t, "Anmelden", de.T("signin.title"))
	assert.Equal(t, "Mindestens 8 Zeichen.", de.T("must be at least 8 characters"))
	assert.Equal(t, "1.234", de.Number(1234))
	assert.Equal(t, "1,234", newTranslator(language.English).Number(1234))
}
