package scim

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/accountkit/accountkit"
)

// entState is what a user has of the enterprise extension, comparable.
type entState struct {
	employeeNumber, costCenter, organization, division, department, manager string
	// updated is when it last changed (not compared by the service).
	updated time.Time
}

func (e entState) zero() bool {
	return e.employeeNumber == "" && e.costCenter == "" && e.organization == "" && e.division == "" &&
		e.department == "" && e.manager == ""
}

// same reports whether e and o hold the same attributes.
func (e entState) same(o entState) bool {
	e.updated, o.updated = time.Time{}, time.Time{}
	return e == o
}

func entOf(e *Enterprise) entState {
	if e == nil {
		return entState{}
	}
	return entState{employeeNumber: e.EmployeeNumber, costCenter: e.CostCenter, organization: e.Organization,
		division: e.Division, department: e.Department, manager: e.ManagerID, updated: e.UpdatedAt}
}

// enterprise returns the user's enterprise attributes.
func (s *Service) enterprise(ctx context.Context, userID string) (entState, error) {
	m, err := s.store.SCIMEnterprise(ctx, []string{userID})
	if err != nil {
		return entState{}, err
	}
	return entOf(m[userID]), nil
}

// saveEnterprise stores st.ent for the user after checking the manager:
// a user of the same account, not the user itself.
func (s *Service) saveEnterprise(ctx context.Context, accountID, userID string, ent entState) error {
	if ent.manager != "" {
		if ent.manager == userID {
			return invalid(TypeInvalidValue, "manager", "a user cannot be their own manager")
		}
		if _, err := s.user(ctx, accountID, ent.manager); err != nil {
			if accountkit.ErrorCode(err) == accountkit.NotFound {
				return invalid(TypeInvalidValue, "manager", "manager.value must be the id of a user of the account")
			}
			return err
		}
	}
	if ent.zero() {
		return s.store.DeleteSCIMEnterprise(ctx, userID)
	}
	return s.store.SetSCIMEnterprise(ctx, &Enterprise{UserID: userID, AccountID: accountID,
		EmployeeNumber: ent.employeeNumber, CostCenter: ent.costCenter, Organization: ent.organization,
		Division: ent.division, Department: ent.department, ManagerID: ent.manager, UpdatedAt: s.rt.Now()})
}

// applyEnterprise applies an operation on the enterprise extension: attr
// is the attribute path after the extension's URN ("department",
// "manager", "manager.value"), "" for the whole extension (the value is
// then an object of its attributes).
func applyEnterprise(st *entState, kind, attr string, raw json.RawMessage) error {
	attr = strings.ToLower(attr)
	if attr == "" {
		if kind == "remove" {
			*st = entState{updated: st.updated}
			return nil
		}
		var attrs map[string]json.RawMessage
		if err := json.Unmarshal(raw, &attrs); err != nil {
			return invalid(TypeInvalidValue, SchemaEnterprise, "must be an object of the extension's attributes")
		}
		if kind == "replace-all" {
			*st = entState{updated: st.updated}
			kind = "replace"
		}
		for k, v := range attrs {
			if err := applyEnterprise(st, kind, k, v); err != nil {
				return err
			}
		}
		return nil
	}
	if kind == "remove" || string(raw) == "null" {
		raw = nil
	}
	text := func(name string) (string, error) {
		if raw == nil {
			return "", nil
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", invalid(TypeInvalidValue, name, "must be a string")
		}
		v = strings.TrimSpace(v)
		if len(v) > MaxEnterpriseLength || accountkit.TextProblem(v, 0, MaxEnterpriseLength, false) != "" {
			return "", invalid(TypeInvalidValue, name, "must be at most 255 bytes of text without control characters")
		}
		return v, nil
	}
	var err error
	switch attr {
	case "employeenumber":
		st.employeeNumber, err = text("employeeNumber")
	case "costcenter":
		st.costCenter, err = text("costCenter")
	case "organization":
		st.organization, err = text("organization")
	case "division":
		st.division, err = text("division")
	case "department":
		st.department, err = text("department")
	case "manager.value":
		st.manager, err = text("manager")
	case "manager":
		// {"value": "<id>"} (RFC 7643), or the ID alone (Microsoft Entra
		// ID sends the manager's id as a string).
		var obj struct {
			Value *string `json:"value"`
		}
		if raw != nil && json.Unmarshal(raw, &obj) == nil {
			if obj.Value == nil {
				st.manager = ""
				return nil
			}
			raw, _ = json.Marshal(*obj.Value)
		}
		st.manager, err = text("manager")
	case "manager.displayname", "manager.$ref":
		// read-only, derived: ignored
	default:
		return invalid(TypeInvalidPath, "path", "the enterprise extension has no attribute "+accountkit.Clip(attr, 100))
	}
	return err
}
