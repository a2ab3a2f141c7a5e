package account

// ReactionAuth names the auth package's reaction to Disabled.
const ReactionAuth = "auth"

// Disabled is published on the installation's Events inside the
// transaction that disables an account. Required reaction: the auth
// package ends the sessions of the users of the account and of every
// account below it, so enabling the account again revives none of them.
type Disabled struct {
	Account *Account
}
