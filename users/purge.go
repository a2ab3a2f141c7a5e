package users

import "context"

// PurgeExpiredTokens deletes the single-use tokens (invitation, password
// reset and verification links, phone codes, sign-in steps) expired now
// and returns how many it deleted. An expired token is refused already
// (ConsumeToken answers NotFound), so purging changes no answer; it only
// keeps the table small. The background jobs run it (kit.RunJobs).
func (s *Service) PurgeExpiredTokens(ctx context.Context) (int, error) {
	return s.store.PurgeTokens(ctx, s.now())
}
