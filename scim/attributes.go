package scim

import (
	"encoding/json"
	"strings"

	"github.com/accountkit/accountkit"
)

// Projection is the attributes / excludedAttributes query parameters of a
// request (RFC 7644 §3.4.2.5, §3.9): which attributes of a resource are
// returned. The zero value returns every attribute.
//
// Names are compared ignoring case, in attribute notation (RFC 7644
// §3.10): "userName", "name.givenName", "emails.value", or prefixed by
// their schema URI ("urn:…:core:2.0:User:userName", "urn:…:enterprise:
// 2.0:User:department", or the extension's URI alone for all of it).
// "id" and "schemas" are always returned (their "returned" is "always");
// a name this service does not know selects nothing and is otherwise
// ignored, as RFC 7644 §3.9 asks of attributes a resource lacks.
type Projection struct {
	// Attributes, when non-empty, lists the only attributes returned
	// (with id and schemas).
	Attributes []string
	// Excluded lists attributes left out (id and schemas cannot be).
	Excluded []string
}

// maxProjectionNames caps the names of one parameter.
const maxProjectionNames = 100

// parseProjection reads the attributes and excludedAttributes parameters.
// Both at once are refused (RFC 7644 defines no meaning for the pair).
func parseProjection(attributes, excluded string) (Projection, error) {
	var p Projection
	var err error
	if p.Attributes, err = projectionNames("attributes", attributes); err != nil {
		return p, err
	}
	if p.Excluded, err = projectionNames("excludedAttributes", excluded); err != nil {
		return p, err
	}
	if len(p.Attributes) > 0 && len(p.Excluded) > 0 {
		return p, invalid(TypeInvalidValue, "attributes", "attributes and excludedAttributes cannot be combined")
	}
	return p, nil
}

func projectionNames(param, v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) > maxProjectionNames {
		return nil, invalid(TypeInvalidValue, param, "at most 100 attribute names")
	}
	out := make([]string, 0, len(parts))
	for _, part := range parts {
		n := strings.ToLower(strings.TrimSpace(part))
		if n == "" || !validAttrNotation(n) {
			return nil, invalid(TypeInvalidValue, param, "is not a comma-separated list of attribute names: "+accountkit.Clip(part, 100))
		}
		out = append(out, n)
	}
	return out, nil
}

// validAttrNotation reports whether n (lower case) is an attribute name
// in attribute notation, optionally prefixed by a schema URN.
func validAttrNotation(n string) bool {
	if strings.HasPrefix(n, "urn:") {
		return !strings.ContainsAny(n, " \t\"[]()")
	}
	for _, seg := range strings.Split(n, ".") {
		for i, r := range seg {
			switch {
			case r >= 'a' && r <= 'z', r == '$' && i == 0:
			case (r >= '0' && r <= '9') || r == '_' || r == '-':
				if i == 0 {
					return false
				}
			default:
				return false
			}
		}
		if seg == "" {
			return false
		}
	}
	return true
}

// IsZero reports whether p returns every attribute.
func (p Projection) IsZero() bool { return len(p.Attributes) == 0 && len(p.Excluded) == 0 }

// wants reports whether the Group members must be read.
func (p Projection) wants(attr string) bool {
	if p.IsZero() {
		return true
	}
	if len(p.Attributes) > 0 {
		_, ok := splitNames(p.Attributes, SchemaGroup)[attr]
		return ok
	}
	sub, ok := splitNames(p.Excluded, SchemaGroup)[attr]
	return !ok || len(sub) > 0
}

// splitNames groups names by their top-level attribute (URN prefixes of
// the core schema removed; an extension keeps its URN as its top-level
// name): top-level name → sub-attribute names (empty: the whole
// attribute).
func splitNames(names []string, core string) map[string][]string {
	core = strings.ToLower(core) + ":"
	ent := strings.ToLower(SchemaEnterprise)
	out := map[string][]string{}
	for _, n := range names {
		switch {
		case strings.HasPrefix(n, core):
			n = n[len(core):]
		case n == ent:
			out[ent] = nil
			continue
		case strings.HasPrefix(n, ent+":"):
			sub := n[len(ent)+1:]
			if cur, ok := out[ent]; !ok || cur != nil {
				out[ent] = append(cur, sub)
			}
			continue
		}
		top, sub, found := strings.Cut(n, ".")
		cur, seen := out[top]
		switch {
		case !found:
			out[top] = nil
		case !seen:
			out[top] = []string{sub}
		case cur != nil:
			out[top] = append(cur, sub)
		}
	}
	return out
}

// apply returns the JSON object of resource (a User or Group) reduced to
// what p asks for. core is the resource's core schema URI.
func (p Projection) apply(resource any, core string) (map[string]any, error) {
	b, err := json.Marshal(resource)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if p.IsZero() {
		return m, nil
	}
	always := func(k string) bool { return k == "id" || k == "schemas" }
	if len(p.Attributes) > 0 {
		want := splitNames(p.Attributes, core)
		for k, v := range m {
			if always(k) {
				continue
			}
			subs, ok := want[strings.ToLower(k)]
			switch {
			case !ok:
				delete(m, k)
			case subs != nil:
				if kept := keepSubs(v, subs); kept != nil {
					m[k] = kept
				} else {
					delete(m, k)
				}
			}
		}
		return m, nil
	}
	drop := splitNames(p.Excluded, core)
	for k, v := range m {
		if always(k) {
			continue
		}
		subs, ok := drop[strings.ToLower(k)]
		switch {
		case !ok:
		case subs == nil:
			delete(m, k)
		default:
			if kept := dropSubs(v, subs); kept != nil {
				m[k] = kept
			} else {
				delete(m, k)
			}
		}
	}
	return m, nil
}

// keepSubs keeps the named sub-attributes of a complex value (an object,
// or each object of a list); nil when nothing is left.
func keepSubs(v any, subs []string) any {
	return filterSubs(v, func(k string) bool { return containsFold(subs, k) })
}

// dropSubs drops the named sub-attributes.
func dropSubs(v any, subs []string) any {
	return filterSubs(v, func(k string) bool { return !containsFold(subs, k) })
}

func filterSubs(v any, keep func(string) bool) any {
	switch x := v.(type) {
	case map[string]any:
		for k := range x {
			if !keep(k) {
				delete(x, k)
			}
		}
		if len(x) == 0 {
			return nil
		}
		return x
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if kept := filterSubs(e, keep); kept != nil {
				out = append(out, kept)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return nil // a simple attribute has no sub-attributes
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}
