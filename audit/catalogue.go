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
}
