package auth

import "context"

// PurgeExpiredSessions deletes the sessions that ended — past their
// absolute expiry, or idle for longer than their idle timeout plus the
// slack of LastSeenAt's updates — and returns how many it deleted. Such a
// session is refused already, so purging changes no answer; it only keeps
// the table small. The background jobs run it (kit.RunJobs).
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int, error) {
	return s.store.PurgeSessions(ctx, s.now().Add(-touchEvery))
}
