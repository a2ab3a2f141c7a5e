package audit_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/internal/kittest"
	"github.com/accountkit/accountkit/security"
)

// TestHTTP_Catalogue: GET /api/v1/audit/catalogue serves the built-in and
// the host's registered events to audit readers, and nobody else.
func TestHTTP_Catalogue(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	main := env.MainAccount(t, "acme")
	require.NoError(t, audit.Register(audit.CatalogueEntry{Item: "Widget", Action: "Polish", Success: "Widget polished."}))

	reader := env.Tokens.Issue(kittest.Member(main.ID, "reader", security.PermAuditRead))
	r := env.Do(t, "GET", "/api/v1/audit/catalogue", reader, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var got audit.CatalogueView
	r.JSON(t, &got)
	assert.Subset(t, got.Entries, audit.Catalogue, "every built-in event")
	assert.Contains(t, got.Entries, audit.CatalogueEntry{Item: "Widget", Action: "Polish", Success: "Widget polished."}, "the host's event")
	assert.Contains(t, got.Entries, audit.CatalogueEntry{Item: audit.ItemPassword, Action: audit.ActionUpdate,
		Success: "Password for user restored.", Failure: "Password for user failed."})
	assert.Contains(t, got.Items, audit.ItemUser)
	assert.Contains(t, got.Items, audit.Item("Widget"))
	assert.Contains(t, got.Actions, audit.ActionLogin)
	assert.IsIncreasing(t, got.Items, "sorted, no repeats")
	assert.IsIncreasing(t, got.Actions, "sorted, no repeats")

	nobody := env.Tokens.Issue(kittest.Member(main.ID, "nobody"))
	r = env.Do(t, "GET", "/api/v1/audit/catalogue", nobody, nil)
	assert.Equal(t, http.StatusForbidden, r.Status, "audit.read required")
	r = env.Do(t, "GET", "/api/v1/audit/catalogue", "", nil)
	assert.Equal(t, http.StatusUnauthorized, r.Status)
}
