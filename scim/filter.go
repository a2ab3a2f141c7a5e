package scim

import (
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"
)

// Limits on filters: longer or deeper ones are refused before or right
// after parsing, so a hostile filter costs little.
const (
	MaxFilterLength = 1000
	MaxFilterNodes  = 64
)

// value is one value of an attribute: a string (with whether it compares
// case-exactly), a boolean or a time.
type value struct {
	s     string
	exact bool
	b     *bool
	t     *time.Time
}

func str(s string) value        { return value{s: s} }
func exact(s string) value      { return value{s: s, exact: true} }
func boolean(b bool) value      { return value{b: &b} }
func instant(t time.Time) value { return value{t: &t} }

// resolver returns the values of an attribute (lower-cased path, without
// the schema URI) of a resource; ok is false for an attribute the
// resource type does not have.
type resolver func(attr string) (vals []value, ok bool)

// parseFilter parses a filter and checks its size.
func parseFilter(s string) (filter.Expression, error) {
	if len(s) > MaxFilterLength {
		return nil, invalid(TypeInvalidFilter, "filter", "is longer than 1000 characters")
	}
	e, err := filter.ParseFilter([]byte(s))
	if err != nil {
		return nil, invalid(TypeInvalidFilter, "filter", "is not a valid SCIM filter (RFC 7644 §3.4.2.2)")
	}
	if countNodes(e) > MaxFilterNodes {
		return nil, invalid(TypeInvalidFilter, "filter", "has more than 64 terms")
	}
	return e, nil
}

func countNodes(e filter.Expression) int {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		return 1 + countNodes(x.Left) + countNodes(x.Right)
	case *filter.NotExpression:
		return 1 + countNodes(x.Expression)
	case *filter.ValuePath:
		return 1 + countNodes(x.ValueFilter)
	}
	return 1
}

// attrName returns the lower-cased "name" or "name.sub" of a path; the
// schema URI, if any, must be the resource's own.
func attrName(p filter.AttributePath, schema string) (string, error) {
	if uri := p.URI(); uri != "" && !strings.EqualFold(uri, schema) {
		return "", invalid(TypeInvalidFilter, "filter", "attribute "+p.String()+" is not supported")
	}
	n := strings.ToLower(p.AttributeName)
	if p.SubAttribute != nil {
		n += "." + strings.ToLower(*p.SubAttribute)
	}
	return n, nil
}

// match evaluates e on the resource resolved by r.
func match(e filter.Expression, r resolver, schema string) (bool, error) {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		l, err := match(x.Left, r, schema)
		if err != nil {
			return false, err
		}
		if x.Operator == filter.AND && !l {
			return false, match0(x.Right, r, schema)
		}
		if x.Operator == filter.OR && l {
			return true, match0(x.Right, r, schema)
		}
		return match(x.Right, r, schema)
	case *filter.NotExpression:
		m, err := match(x.Expression, r, schema)
		return !m, err
	case *filter.ValuePath:
		// emails[type eq "work" and value co "@x"]: one multi-valued
		// attribute whose sub-attributes the inner filter names.
		base, err := attrName(x.AttributePath, schema)
		if err != nil {
			return false, err
		}
		inner := func(attr string) ([]value, bool) { return r(base + "." + attr) }
		return match(x.ValueFilter, inner, schema)
	case *filter.AttributeExpression:
		name, err := attrName(x.AttributePath, schema)
		if err != nil {
			return false, err
		}
		vals, ok := r(name)
		if !ok {
			return false, invalid(TypeInvalidFilter, "filter", "attribute "+x.AttributePath.String()+" is not supported")
		}
		return compare(vals, x.Operator, x.CompareValue)
	}
	return false, invalid(TypeInvalidFilter, "filter", "unsupported expression")
}

// match0 validates the other side of a short-circuited logical expression,
// so a filter naming an unknown attribute fails whatever the data.
func match0(e filter.Expression, r resolver, schema string) error {
	_, err := match(e, r, schema)
	return err
}

// compare applies op to the attribute's values (any value matching
// matches, as for multi-valued attributes).
func compare(vals []value, op filter.CompareOperator, cv any) (bool, error) {
	if op == filter.PR {
		for _, v := range vals {
			if v.b != nil || v.t != nil || v.s != "" {
				return true, nil
			}
		}
		return false, nil
	}
	for _, v := range vals {
		m, err := compareOne(v, op, cv)
		if err != nil || m {
			return m, err
		}
	}
	if len(vals) == 0 && op == filter.NE {
		return true, nil
	}
	return false, nil
}

func compareOne(v value, op filter.CompareOperator, cv any) (bool, error) {
	bad := func(msg string) (bool, error) { return false, invalid(TypeInvalidFilter, "filter", msg) }
	switch {
	case v.b != nil:
		b, ok := cv.(bool)
		if !ok {
			return bad("a boolean attribute compares with true or false")
		}
		switch op {
		case filter.EQ:
			return *v.b == b, nil
		case filter.NE:
			return *v.b != b, nil
		}
		return bad("a boolean attribute takes eq, ne or pr")
	case v.t != nil:
		s, ok := cv.(string)
		if !ok {
			return bad("a date attribute compares with an RFC 3339 string")
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return bad("a date attribute compares with an RFC 3339 string")
		}
		a, b := v.t.UTC().Truncate(time.Microsecond), t.UTC().Truncate(time.Microsecond)
		switch op {
		case filter.EQ:
			return a.Equal(b), nil
		case filter.NE:
			return !a.Equal(b), nil
		case filter.GT:
			return a.After(b), nil
		case filter.GE:
			return !a.Before(b), nil
		case filter.LT:
			return a.Before(b), nil
		case filter.LE:
			return !a.After(b), nil
		}
		return bad("a date attribute takes eq, ne, gt, ge, lt, le or pr")
	}
	s, ok := cv.(string)
	if !ok {
		return bad("a string attribute compares with a string")
	}
	a, b := v.s, s
	if !v.exact {
		a, b = strings.ToLower(a), strings.ToLower(b)
	}
	switch op {
	case filter.EQ:
		return a == b, nil
	case filter.NE:
		return a != b, nil
	case filter.CO:
		return strings.Contains(a, b), nil
	case filter.SW:
		return strings.HasPrefix(a, b), nil
	case filter.EW:
		return strings.HasSuffix(a, b), nil
	case filter.GT:
		return a > b, nil
	case filter.GE:
		return a >= b, nil
	case filter.LT:
		return a < b, nil
	case filter.LE:
		return a <= b, nil
	}
	return bad("unsupported operator")
}

// eqTerm is an "attr eq "string"" term that an index can answer.
type eqTerm struct {
	attr  string
	value string
}

// candidates returns eq terms such that every match of e matches one of
// them (one term for a plain eq, the terms of either side of an "and",
// those of both sides of an "or"); ok is false when e needs a full scan.
func candidates(e filter.Expression, schema string, indexed func(attr string) bool) (terms []eqTerm, ok bool) {
	switch x := e.(type) {
	case *filter.AttributeExpression:
		name, err := attrName(x.AttributePath, schema)
		s, isStr := x.CompareValue.(string)
		if err != nil || x.Operator != filter.EQ || !isStr || !indexed(name) {
			return nil, false
		}
		return []eqTerm{{attr: name, value: s}}, true
	case *filter.ValuePath:
		base, err := attrName(x.AttributePath, schema)
		if err != nil {
			return nil, false
		}
		in, ok := x.ValueFilter.(*filter.AttributeExpression)
		if !ok {
			if l, isAnd := x.ValueFilter.(*filter.LogicalExpression); isAnd && l.Operator == filter.AND {
				if t, ok := candidates(&filter.ValuePath{AttributePath: x.AttributePath, ValueFilter: l.Left}, schema, indexed); ok {
					return t, true
				}
				return candidates(&filter.ValuePath{AttributePath: x.AttributePath, ValueFilter: l.Right}, schema, indexed)
			}
			return nil, false
		}
		s, isStr := in.CompareValue.(string)
		name := base + "." + strings.ToLower(in.AttributePath.AttributeName)
		if in.Operator != filter.EQ || !isStr || !indexed(name) {
			return nil, false
		}
		return []eqTerm{{attr: name, value: s}}, true
	case *filter.LogicalExpression:
		l, lok := candidates(x.Left, schema, indexed)
		r, rok := candidates(x.Right, schema, indexed)
		if x.Operator == filter.AND {
			switch {
			case lok:
				return l, true
			case rok:
				return r, true
			}
			return nil, false
		}
		if lok && rok {
			return append(l, r...), true
		}
	}
	return nil, false
}
