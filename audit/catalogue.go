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
)

// CatalogueEntry describes one event the library records.
type CatalogueEntry struct {
	Item    Item
	Action  Action
	Success string
	Failure string
}

// Catalogue lists the events accountkit records so far, with the
// descriptions used for success and failure. Later features append to it.
var Catalogue = []CatalogueEntry{
	{ItemAccount, ActionCreate, "Account created.", "Account creation failed."},
	{ItemAccount, ActionUpdate, "Account updated.", "Account update failed."},
	{ItemAccount, ActionEnable, "Account enabled.", "Enabling account failed."},
	{ItemAccount, ActionDisable, "Account disabled.", "Disabling account failed."},
	{ItemSearch, ActionExport, "Logs export to file completed.", "Logs export to file failed."},
	{ItemSeat, ActionAssign, "Seat assigned.", "Seat assignment failed."},
	{ItemSeat, ActionUnassign, "Seat removed.", "Seat removal failed."},
	{ItemSeat, ActionUnassign, "Seat released.", "Seat release failed."},
	{ItemSeat, ActionBulkRemove, "Seats removed in bulk.", "Bulk seat removal failed."},
	{ItemSeat, ActionLimit, "Seat limit set.", "Setting seat limit failed."},
	{ItemSeat, ActionLimit, "Seat limit removed.", "Removing seat limit failed."},
	{ItemSeat, ActionUpdate, "Purchased seats changed.", "Changing purchased seats failed."},
	{ItemReport, ActionDownload, "Report downloaded.", "Report download failed."},
	{ItemAccount, ActionUpdate, "Account login options updated.", "Account login options update failed."},
	{ItemUser, ActionLogin, "User logged in (name, email).", "SSO login failed."},
	{ItemSSO, ActionLogin, "SSO break-glass password use.", ""},
	{Item2FA, ActionUpdate, "Two-factor authentication enrollment started.", "Two-factor authentication enrollment failed."},
	{Item2FA, ActionEnable, "Two-factor authentication enabled for user.", "Enabling two-factor authentication failed."},
	{Item2FA, ActionDisable, "Two-factor authentication disabled for user.", "Disabling two-factor authentication failed."},
	{Item2FA, ActionDisable, "Two-factor authentication reset for user.", "Resetting two-factor authentication failed."},
	{Item2FA, ActionUpdate, "Recovery code used.", ""},
	{Item2FA, ActionUpdate, "Two-factor recovery codes regenerated.", "Regenerating two-factor recovery codes failed."},
	{ItemAccount, ActionUpdate, "Host name set.", "Setting host name failed."},
	{ItemAccount, ActionVerify, "Host name verified.", "Host name verification failed."},
	{ItemAccount, ActionUpdate, "Logo updated.", "Logo update failed."},
	{ItemAccount, ActionUpdate, "Color scheme set.", "Setting color scheme failed."},
	{ItemAccount, ActionUpdate, "Language successfully changed.", "Language change failed."},
	{ItemAPIKey, ActionGenerate, "API key generated (name, valid from).", "API key generation failed."},
	{ItemAPIKey, ActionUpdate, "API key updated (name, expiration).", "API key update failed."},
	{ItemAPIKey, "Revoke", "API key revoked.", "API key revocation failed."},
	{"Notification", ActionCreate, "Notification published.", "Publishing notification failed."},
	{"Notification", ActionUpdate, "Notification subscriptions updated.", "Notification subscriptions update failed."},
	{ItemTeam, ActionCreate, "Group created.", "Group creation failed."},
	{ItemTeam, ActionUpdate, "Group updated.", "Group update failed."},
	{ItemTeam, ActionDelete, "Group deleted.", "Group deletion failed."},
	{ItemUser, ActionDelete, "User deleted.", "User deletion failed."},
	{ItemUser, ActionMove, "User moved.", "User move failed."},
	{ItemSSO, ActionCreate, "SSO domain added.", "Adding SSO domain failed."},
	{ItemSSO, ActionVerify, "SSO domain verified.", "SSO domain verification failed."},
	{ItemSSO, ActionDelete, "SSO domain removed.", "Removing SSO domain failed."},
}
