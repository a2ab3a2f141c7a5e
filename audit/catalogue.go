package audit

// The items of account administration, named as in the product reference's
// audit table. Host applications may record their own items.
const (
	ItemUser     Item = "User"
	ItemPassword Item = "Password"
	ItemURL      Item = "URL"
	ItemTeam     Item = "Team"
	Item2FA      Item = "2FA"
	ItemAccount  Item = "Account"
	ItemAPIKey   Item = "API key"
	ItemSearch   Item = "Search"
	ItemReport   Item = "Report"
	ItemSeat     Item = "Seat"
	ItemSSO      Item = "SSO"
	// ItemWebhook is a webhook or audit stream endpoint (not in the
	// reference, which has no outgoing webhooks).
	ItemWebhook Item = "Webhook"
)

// The actions of account administration, named as in the reference.
const (
	ActionCreate     Action = "Create"
	ActionUpdate     Action = "Update"
	ActionDelete     Action = "Delete"
	ActionEnable     Action = "Enable"
	ActionDisable    Action = "Disable"
	ActionAccept     Action = "Accept"
	ActionLogin      Action = "Login"
	ActionLogout     Action = "Logout"
	ActionLock       Action = "Lock"
	ActionUnlock     Action = "Unlock"
	ActionVerify     Action = "Verify"
	ActionSent       Action = "Sent"
	ActionRestore    Action = "Restore"
	ActionUpdated    Action = "Updated"
	ActionExport     Action = "Export"
	ActionRequest    Action = "Request"
	ActionDownload   Action = "Download"
	ActionGenerate   Action = "Generate"
	ActionAssign     Action = "Assign"
	ActionUnassign   Action = "Unassign"
	ActionBulkRemove Action = "Bulk remove"
	ActionLimit      Action = "Limit"
	ActionMove       Action = "Move"
	// ActionEnforce and ActionUnenforce record an account enforcing a
	// security policy group on its sub-accounts, or lifting it (not in the
	// reference, which has no policy inheritance).
	ActionEnforce   Action = "Enforce"
	ActionUnenforce Action = "Unenforce"
)

// CatalogueEntry describes one event the library records: its item and
// action, and the description recorded on success and on failure. A
// description may hold placeholders in parentheses, e.g. "User logged in
// (name, email).", which stand for the values recorded; an empty one means
// the event is never recorded with that status.
type CatalogueEntry struct {
	Item    Item   `json:"item"`
	Action  Action `json:"action"`
	Success string `json:"success"`
	Failure string `json:"failure"`
}

// Catalogue lists every event accountkit records, grouped by item, with the
// descriptions used for success and failure. It is the single source: in
// strict mode (see StrictCatalogue) the Recorder refuses any other event,
// the API serves it (with the host's registered events, see Entries) and
// docs/audit-events.md is generated from it. Host applications add their
// own events with Register, not by changing this slice.
var Catalogue = []CatalogueEntry{
	{ItemAccount, ActionCreate, "Account created.", "Account creation failed."},
	{ItemAccount, ActionUpdate, "Account updated.", "Account update failed."},
	{ItemAccount, ActionEnable, "Account enabled.", "Enabling account failed."},
	{ItemAccount, ActionDisable, "Account disabled.", "Disabling account failed."},
	{ItemAccount, ActionUpdate, "Account security options updated.", "Account security options update failed."},
	{ItemAccount, ActionUpdate, "Account login options updated.", "Account login options update failed."},
	{ItemAccount, ActionUpdate, "Host name set.", "Setting host name failed."},
	{ItemAccount, ActionVerify, "Host name verified.", "Host name verification failed."},
	{ItemAccount, ActionUpdate, "Logo updated.", "Logo update failed."},
	{ItemAccount, ActionUpdate, "Color scheme set.", "Setting color scheme failed."},
	{ItemAccount, ActionUpdate, "Language successfully changed.", "Language change failed."},
	{ItemAccount, ActionEnforce, "Security policy enforced on sub-accounts.", "Enforcing security policy on sub-accounts failed."},
	{ItemAccount, ActionUnenforce, "Security policy enforcement lifted.", "Lifting security policy enforcement failed."},
	{ItemAccount, ActionUpdate, "SCIM settings updated.", "SCIM settings update failed."},
	{ItemAccount, ActionUpdate, "Audit log retention updated.", "Audit log retention update failed."},

	{Item2FA, ActionEnable, "Two-factor authentication enabled for all users.", "Enabling two-factor authentication failed."},
	{Item2FA, ActionDisable, "Two-factor authentication disabled for all users.", "Disabling two-factor authentication failed."},
	{Item2FA, ActionUpdate, "Two-factor authentication settings updated.", "Two-factor authentication settings update failed."},
	{Item2FA, ActionUpdate, "Two-factor authentication enrollment started.", "Two-factor authentication enrollment failed."},
	{Item2FA, ActionEnable, "Two-factor authentication enabled for user.", "Enabling two-factor authentication failed."},
	{Item2FA, ActionDisable, "Two-factor authentication disabled for user.", "Disabling two-factor authentication failed."},
	{Item2FA, ActionDisable, "Two-factor authentication reset for user.", "Resetting two-factor authentication failed."},
	{Item2FA, ActionUpdate, "Recovery code used.", ""},
	{Item2FA, ActionUpdate, "Two-factor recovery codes regenerated.", "Regenerating two-factor recovery codes failed."},

	{ItemAPIKey, ActionGenerate, "API key generated (name, valid from).", "API key generation failed."},
	{ItemAPIKey, ActionUpdate, "API key updated (name, expiration).", "API key update failed."},
	{ItemAPIKey, "Revoke", "API key revoked.", "API key revocation failed."},

	{ItemAuditLog, ActionPurge, "Audit events purged by retention.", ""},

	{"Notification", ActionCreate, "Notification published.", "Publishing notification failed."},
	{"Notification", ActionUpdate, "Notification subscriptions updated.", "Notification subscriptions update failed."},

	{ItemPassword, ActionRestore, "Reset forgot password email sent.", "Reset forgot password email sending failed."},
	{ItemPassword, ActionUpdated, "Password updated.", "Password update failed."},
	{ItemPassword, ActionUpdate, "Password for user restored.", "Password for user failed."},

	{ItemReport, ActionRequest, "Report requested.", "Report request failed."},
	{ItemReport, ActionCreate, "Report generated (name/type).", "Report generation failed (name/type)."},
	{ItemReport, ActionDownload, "Report downloaded.", "Report download failed."},
	{ItemReport, ActionDelete, "Report deleted.", "Report deletion failed."},

	{ItemSearch, ActionExport, "Logs export to file completed.", "Logs export to file failed."},

	{ItemSeat, ActionAssign, "Seat assigned.", "Seat assignment failed."},
	{ItemSeat, ActionUnassign, "Seat removed.", "Seat removal failed."},
	{ItemSeat, ActionUnassign, "Seat released.", "Seat release failed."},
	{ItemSeat, ActionBulkRemove, "Seats removed in bulk.", "Bulk seat removal failed."},
	{ItemSeat, ActionLimit, "Seat limit set.", "Setting seat limit failed."},
	{ItemSeat, ActionLimit, "Seat limit removed.", "Removing seat limit failed."},
	{ItemSeat, ActionUpdate, "Purchased seats changed.", "Changing purchased seats failed."},

	{ItemSSO, ActionLogin, "SSO break-glass password use.", ""},
	{ItemSSO, ActionCreate, "SSO domain added.", "Adding SSO domain failed."},
	{ItemSSO, ActionVerify, "SSO domain verified.", "SSO domain verification failed."},
	{ItemSSO, ActionDelete, "SSO domain removed.", "Removing SSO domain failed."},
	{ItemSSO, ActionCreate, "SSO link created from the email attribute.", ""},

	{ItemTeam, ActionCreate, "Group created.", "Group creation failed."},
	{ItemTeam, ActionUpdate, "Group updated.", "Group update failed."},
	{ItemTeam, ActionDelete, "Group deleted.", "Group deletion failed."},

	{ItemURL, ActionSent, "Email with password sent to user.", "Email with password sending failed."},

	{ItemWebhook, ActionCreate, "Webhook endpoint created.", "Webhook endpoint creation failed."},
	{ItemWebhook, ActionUpdate, "Webhook endpoint updated.", "Webhook endpoint update failed."},
	{ItemWebhook, ActionDelete, "Webhook endpoint deleted.", "Webhook endpoint deletion failed."},
	{ItemWebhook, ActionGenerate, "Webhook signing secret rotated.", "Webhook signing secret rotation failed."},
	{ItemWebhook, ActionSent, "Webhook delivery resent.", "Webhook delivery resend failed."},

	{ItemUser, ActionCreate, "User created.", "User creation failed."},
	{ItemUser, ActionCreate, "Invitation resent.", "Invitation resend failed."},
	{ItemUser, ActionUpdate, "User updated.", "User update failed."},
	{ItemUser, ActionUpdate, "User changed email address.", "Email address change update failed."},
	{ItemUser, ActionUpdate, "Mobile number verified for user.", "Mobile number verification for user failed."},
	{ItemUser, ActionUpdate, "Email verification sent to user.", "Email verification sending failed."},
	{ItemUser, ActionDisable, "User disabled.", "Disabling user failed."},
	{ItemUser, ActionEnable, "User enabled.", "Enabling user failed."},
	{ItemUser, ActionAccept, "User accepted.", "User acceptance failed."},
	{ItemUser, ActionLogin, "User logged in (name, email).", "User login failed."},
	{ItemUser, ActionLogin, "User logged in (name, email).", "SSO login failed."},
	{ItemUser, ActionLogin, "User password verified: two-factor code required.", ""},
	{ItemUser, ActionLogin, "User password verified: two-factor enrollment required.", ""},
	{ItemUser, ActionLogin, "User authenticated by single sign-on: two-factor code required.", ""},
	{ItemUser, ActionLogin, "User authenticated by single sign-on: two-factor enrollment required.", ""},
	{ItemUser, ActionLogin, "User password expired: change required.", ""},
	{ItemUser, ActionLogout, "User logged out (name, email).", "Logging out failed."},
	{ItemUser, ActionLogout, "User logged out (name, email) of other sessions.", "Logging out of other sessions failed."},
	{ItemUser, ActionLogout, "User sessions ended.", "Ending user sessions failed."},
	{ItemUser, ActionLock, "User locked.", "User locking failed."},
	{ItemUser, ActionUnlock, "User unlocked.", "User unlocking failed."},
	{ItemUser, ActionVerify, "User verified.", "User verification failed."},
	{ItemUser, ActionDelete, "User deleted.", "User deletion failed."},
	{ItemUser, ActionMove, "User moved.", "User move failed."},
	{ItemUser, ActionCreate, "Role created.", "Role creation failed."},
	{ItemUser, ActionUpdate, "Role updated.", "Role update failed."},
	{ItemUser, ActionDelete, "Role deleted.", "Role deletion failed."},
}
