package telemetry

import "testing"

// TestServiceMethod: exported methods of the module's Service types (and
// closures in them) are named accountkit.<package>.<Method>; everything
// else is not a service call.
func TestServiceMethod(t *testing.T) {
	for fn, want := range map[string]string{
		"github.com/accountkit/accountkit/users.(*Service).Create":             "accountkit.users.Create",
		"github.com/accountkit/accountkit/users.(*Service).Create.func1":       "accountkit.users.Create",
		"github.com/accountkit/accountkit/teams.(*Service).AddMembers.func2.1": "accountkit.teams.AddMembers",
		"github.com/accountkit/accountkit/sso/oidc.(*Service).Begin":           "accountkit.sso.oidc.Begin",
		"github.com/accountkit/accountkit/users.(*Service).createUser":         "",
		"github.com/accountkit/accountkit/audit.(*Recorder).Run":               "",
		"github.com/accountkit/accountkit/storage/memory.(*Service).InTx":      "",
		"github.com/accountkit/accountkit/internal/kittest.(*Service).Seed":    "",
		"github.com/accountkit/accountkit/kit.tracedStore.InTx":                "",
		"github.com/other/accountkit/users.(*Service).Create":                  "",
		"main.(*Service).Create":                             "",
		"github.com/accountkit/accountkit/users.(*Service).": "",
	} {
		if got := serviceMethod(fn); got != want {
			t.Errorf("serviceMethod(%q) = %q, want %q", fn, got, want)
		}
	}
}

// TestOperation_NoService: outside any service method (a host's own
// transaction) there is no operation, so no span.
func TestOperation_NoService(t *testing.T) {
	if got := Operation(1); got != "" {
		t.Fatalf("Operation = %q", got)
	}
}
