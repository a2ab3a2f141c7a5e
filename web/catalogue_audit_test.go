package web

import (
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"
)

// TestCatalogueAudit: the audit log's range and filter messages exist in
// English and German, every key the page uses is in them, and every zone
// the page offers loads.
func TestCatalogueAudit(t *testing.T) {
	for k := range consoleAuditEN {
		assert.Contains(t, consoleAuditDE, k, "German lacks %s", k)
	}
	for k := range consoleAuditDE {
		assert.Contains(t, consoleAuditEN, k, "English lacks %s", k)
	}
	var src []byte
	for _, f := range []string{"console_audit.go", "templates/audit.html"} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		src = append(src, b...)
	}
	used := regexp.MustCompile(`"(consaudit\.[a-z_]+)"`).FindAllStringSubmatch(string(src), -1)
	require.NotEmpty(t, used)
	for _, m := range used {
		assert.Contains(t, consoleAuditEN, m[1], "%s is used but not in the catalogue", m[1])
	}
	for _, z := range auditTimeZones {
		_, err := time.LoadLocation(z)
		assert.NoError(t, err, z)
	}
	de := newTranslator(language.German)
	assert.Equal(t, "Unbekannte Zeitzone.", de.T("unknown time zone"))
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	at := time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)
	assert.Equal(t, "March 4, 2026, 10:30 CET", newTranslator(language.English).dateIn(at, paris))
	assert.Equal(t, "4. März 2026, 10:30 CET", de.dateIn(at, paris))
}
