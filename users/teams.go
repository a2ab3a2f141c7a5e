package users

import "context"

// CheckRoleGrants validates role keys for use in accountID — installation
// roles, or custom roles of the account or an account above it — and
// refuses any role holding a permission the principal in ctx lacks (no
// escalation). It returns the keys sorted without duplicates. Other
// packages granting roles (teams) use it. Errors: Unauthenticated, Invalid
// (unknown role, more than 50 roles), Forbidden.
func (s *Service) CheckRoleGrants(ctx context.Context, accountID string, roles []string) ([]string, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return s.checkGrants(ctx, p, accountID, roles)
}
