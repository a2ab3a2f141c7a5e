package scim

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/accountkit/accountkit/users"
)

// FuzzFilter: any filter text is either refused with an Invalid error or
// evaluates on a user without panicking.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{`userName eq "a"`, `emails[type eq "work" and value co "@x"]`, `not (active eq true) or meta.lastModified gt "2026-01-01T00:00:00Z"`,
		`name.givenName sw "A" and (userName pr or externalId ew "1")`, `((((((userName pr))))))`, `userName eq`, `a[b[c eq 1]]`} {
		f.Add(s)
	}
	u := &users.User{ID: "01900000-0000-7000-8000-000000000001", Username: "ada", Email: "ada@x.test", Status: users.StatusActive,
		CreatedAt: time.Unix(0, 0), UpdatedAt: time.Unix(1, 0)}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseFilter(s)
		if err != nil {
			if TypeOf(err) != TypeInvalidFilter {
				t.Fatalf("filter %q: error %v is not invalidFilter", s, err)
			}
			return
		}
		if _, err := match(e, userResolver(u, "ext"), SchemaUser); err != nil && TypeOf(err) != TypeInvalidFilter {
			t.Fatalf("filter %q: evaluation error %v is not invalidFilter", s, err)
		}
		candidates(e, SchemaUser, userIndexed)
	})
}

// FuzzUserPatch: any PATCH operation either applies or is refused with a
// SCIM error type; none panics.
func FuzzUserPatch(f *testing.F) {
	f.Add("replace", "active", `false`)
	f.Add("Replace", `emails[type eq "work"].value`, `"a@b.test"`)
	f.Add("add", "", `{"name":{"givenName":"x"},"active":"True"}`)
	f.Add("remove", "phoneNumbers", ``)
	f.Add("Add", SchemaEnterprise+":manager", `"01900000-0000-7000-8000-000000000002"`)
	f.Add("replace", "", `{"`+SchemaEnterprise+`":{"department":"Sales","manager":{"value":"x"}}}`)
	f.Add("replace", "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName", `"y"`)
	u := &users.User{ID: "01900000-0000-7000-8000-000000000001", Username: "ada", Email: "ada@x.test", Status: users.StatusActive}
	f.Fuzz(func(t *testing.T, op, path, value string) {
		st := stateOf(u, "", entState{})
		err := applyUserOp(u, &st, &PatchOp{Op: op, Path: path, Value: json.RawMessage(value)})
		if err != nil && TypeOf(err) == "" {
			t.Fatalf("op %q path %q value %q: error %v has no SCIM type", op, path, value, err)
		}
	})
}
