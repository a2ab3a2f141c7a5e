package web

// The messages of the audit log page's custom range, time zone, user and
// status filters; consoleAuditEN and consoleAuditDE must have the same
// keys (TestCatalogueAudit checks it). The service's English messages for
// these fields are translated here too.

var consoleAuditEN = map[string]string{
	"consaudit.from":      "From",
	"consaudit.to":        "To",
	"consaudit.time_zone": "Time zone",
	"consaudit.user":      "User (username)",
	"consaudit.bad_date":  "Enter a date and time, e.g. 2026-03-04 10:00.",
	// The service's messages, as it writes them.
	"unknown time zone":                     "Unknown time zone.",
	"must be after from":                    "Must be after From.",
	"a custom range needs from or to":       "A custom range needs From or To.",
	"must be success or failure":            "Must be Success or Failed.",
	"from and to go with range=custom only": "From and To replace the preset.",
}

var consoleAuditDE = map[string]string{
	"consaudit.from":                        "Von",
	"consaudit.to":                          "Bis",
	"consaudit.time_zone":                   "Zeitzone",
	"consaudit.user":                        "Benutzer (Benutzername)",
	"consaudit.bad_date":                    "Geben Sie Datum und Uhrzeit ein, z. B. 2026-03-04 10:00.",
	"unknown time zone":                     "Unbekannte Zeitzone.",
	"must be after from":                    "Muss nach „Von“ liegen.",
	"a custom range needs from or to":       "Ein eigener Zeitraum braucht „Von“ oder „Bis“.",
	"must be success or failure":            "Muss „Erfolgreich“ oder „Fehlgeschlagen“ sein.",
	"from and to go with range=custom only": "„Von“ und „Bis“ ersetzen die Vorauswahl.",
}
