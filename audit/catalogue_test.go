package audit_test

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/account"
	"github.com/accountkit/accountkit/audit"
	"github.com/accountkit/accountkit/kit"
	"github.com/accountkit/accountkit/security"
	"github.com/accountkit/accountkit/storage/memory"
)

var update = flag.Bool("update", false, "rewrite docs/audit-events.md from audit.Catalogue")

const eventsDoc = "../docs/audit-events.md"

// eventsMarkdown renders the built-in catalogue as the documentation page.
func eventsMarkdown() string {
	var b strings.Builder
	b.WriteString("# Audit events\n\n")
	b.WriteString("<!-- Generated from audit.Catalogue by `go test ./audit -run TestCatalogue_Doc -update`; do not edit. -->\n\n")
	b.WriteString("Every event accountkit records, by item. Placeholders in parentheses stand for the recorded values; ")
	b.WriteString("an empty cell means the event is never recorded with that status. ")
	b.WriteString("`GET /api/v1/audit/catalogue` serves the same list, with the events the host registered (`audit.Register`).\n\n")
	b.WriteString("| Item | Action | Description on success | Description on failure |\n")
	b.WriteString("|---|---|---|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, e := range audit.Catalogue {
		b.WriteString("| " + cell(string(e.Item)) + " | " + cell(string(e.Action)) + " | " + cell(e.Success) + " | " + cell(e.Failure) + " |\n")
	}
	return b.String()
}

// TestCatalogue_Doc fails when docs/audit-events.md is not what the
// catalogue generates; run with -update to rewrite it.
func TestCatalogue_Doc(t *testing.T) {
	want := eventsMarkdown()
	if *update {
		require.NoError(t, os.WriteFile(eventsDoc, []byte(want), 0o644))
	}
	got, err := os.ReadFile(eventsDoc)
	require.NoError(t, err, "run: go test ./audit -run TestCatalogue_Doc -update")
	assert.Equal(t, want, string(got), "docs/audit-events.md is stale: go test ./audit -run TestCatalogue_Doc -update")
}

// TestCatalogue_Unique: no entry is listed twice, and every built-in entry
// has an item, an action and a description.
func TestCatalogue_Unique(t *testing.T) {
	seen := map[audit.CatalogueEntry]bool{}
	for _, e := range audit.Catalogue {
		assert.False(t, seen[e], "listed twice: %+v", e)
		seen[e] = true
		assert.NotEmpty(t, e.Item)
		assert.NotEmpty(t, e.Action)
		assert.True(t, e.Success != "" || e.Failure != "", "%+v has no description", e)
	}
}

func TestCatalogued(t *testing.T) {
	for _, c := range []struct {
		item   audit.Item
		action audit.Action
		status audit.Status
		desc   string
		want   bool
	}{
		{audit.ItemUser, audit.ActionCreate, audit.StatusSuccess, "User created.", true},
		{audit.ItemUser, audit.ActionCreate, audit.StatusFailure, "User creation failed.", true},
		{audit.ItemUser, audit.ActionCreate, audit.StatusFailure, "User created.", false},
		{audit.ItemUser, audit.ActionUpdate, audit.StatusSuccess, "User created.", false},
		{audit.ItemTeam, audit.ActionCreate, audit.StatusSuccess, "User created.", false},
		{audit.ItemUser, audit.ActionLogin, audit.StatusSuccess, "User logged in (Ann Lee, ann@acme.test).", true},
		{audit.ItemUser, audit.ActionLogin, audit.StatusSuccess, "User logged in.", false},
		{audit.ItemUser, audit.ActionLogin, audit.StatusSuccess, "User logged in (Ann) and more.", false},
		{audit.ItemUser, audit.ActionLogout, audit.StatusSuccess, "User logged out (Ann Lee, ann@acme.test) of other sessions.", true},
		{audit.ItemSSO, audit.ActionLogin, audit.StatusFailure, "SSO break-glass password use.", false},
		{audit.ItemPassword, audit.ActionUpdate, audit.StatusSuccess, "Password for user restored.", true},
		{audit.Item2FA, audit.ActionUpdate, audit.StatusSuccess, "Two-factor authentication settings updated.", true},
	} {
		assert.Equal(t, c.want, audit.Catalogued(c.item, c.action, c.status, c.desc), "%s | %s | %s | %s", c.item, c.action, c.status, c.desc)
	}
}

func TestRegister(t *testing.T) {
	for name, e := range map[string]audit.CatalogueEntry{
		"no item":        {Action: "Import", Success: "Bot imported."},
		"no action":      {Item: "Bot", Success: "Bot imported."},
		"no description": {Item: "Bot", Action: "Import"},
		"long item":      {Item: audit.Item(strings.Repeat("x", audit.MaxShortLen+1)), Action: "Import", Success: "Bot imported."},
	} {
		require.Error(t, audit.Register(e), name)
	}
	assert.False(t, audit.Catalogued("Bot", "Import", audit.StatusSuccess, "Bot imported (Support bot)."))
	e := audit.CatalogueEntry{Item: "Bot", Action: "Import", Success: "Bot imported (name).", Failure: "Bot import failed."}
	require.NoError(t, audit.Register(e))
	require.NoError(t, audit.Register(e), "registering twice is harmless")
	assert.True(t, audit.Catalogued("Bot", "Import", audit.StatusSuccess, "Bot imported (Support bot)."))
	assert.True(t, audit.Catalogued("Bot", "Import", audit.StatusFailure, "Bot import failed."))
	n := 0
	for _, x := range audit.Entries() {
		if x == e {
			n++
		}
	}
	assert.Equal(t, 1, n, "listed once in Entries")
	v := audit.View()
	assert.Contains(t, v.Items, audit.Item("Bot"))
	assert.Contains(t, v.Actions, audit.Action("Import"))
	assert.Len(t, v.Entries, len(audit.Entries()))
}

// TestStrictCatalogue: in strict mode the Recorder refuses an event the
// catalogue lacks and reports it, so any test recording one fails. Not
// parallel: the refused event is forgotten before parallel tests run.
func TestStrictCatalogue(t *testing.T) {
	store := memory.New()
	defer store.Close()
	k, err := kit.New(kit.Options{Store: store})
	require.NoError(t, err)
	ctx := security.AsSystem(context.Background())
	main, err := k.Accounts.CreateMain(ctx, account.CreateInput{Name: "Acme", Slug: "acme-strict"})
	require.NoError(t, err)

	audit.StrictCatalogue(true) // kittest turns it on for the whole suite anyway
	const v = "Gadget | Explode | success | Gadget exploded."
	defer audit.ForgetUncatalogued(v)
	err = k.Recorder.Record(ctx, audit.Entry{AccountID: main.ID, Item: "Gadget", Action: "Explode", Description: "Gadget exploded."})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not in the catalogue")
	assert.Contains(t, audit.Uncatalogued(), v)
	page, err := k.Audit.List(ctx, audit.Query{AccountID: main.ID, Item: "Gadget"})
	require.NoError(t, err)
	assert.Empty(t, page.Events, "nothing written")

	require.NoError(t, k.Recorder.Record(ctx, audit.Entry{AccountID: main.ID, Item: audit.ItemUser, Action: audit.ActionCreate, Description: "User created."}),
		"a catalogued event is written")
	audit.ForgetUncatalogued(v)
	assert.NotContains(t, audit.Uncatalogued(), v)
}
