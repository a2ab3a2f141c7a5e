package security

// SetHashHook makes h run f while each hash holds its memory reservation.
func SetHashHook(h *PasswordHasher, f func()) { h.hook = f }
