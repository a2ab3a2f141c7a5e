package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The languages the pages ship, English first (the fallback).
var languages = []language.Tag{language.English, language.German}

var (
	matcher = language.NewMatcher(languages)
	cat     = buildCatalog()
)

// buildCatalog puts every message of every shipped language into one
// catalogue. Keys are stable IDs ("signin.title"); the service's English
// field messages are keys too, so a German page shows them in German.
func buildCatalog() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	set := func(tag language.Tag, msgs map[string]string) {
		for k, v := range msgs {
			if err := b.SetString(tag, k, v); err != nil {
				panic(err)
			}
		}
	}
	set(language.English, messagesEN)
	set(language.English, consoleEN)
	set(language.German, messagesDE)
	set(language.German, consoleDE)
	set(language.English, consoleRolesEN)
	set(language.German, consoleRolesDE)
	set(language.German, serviceDE)
	set(language.English, consoleSeatsEN)
	set(language.German, consoleSeatsDE)
	// The console's Security page (messages_console_security.go).
	set(language.English, consoleSecurityEN)
	set(language.German, consoleSecurityDE)
	// The console's SSO page (messages_console_sso.go).
	set(language.English, consoleSSOEN)
	set(language.German, consoleSSODE)
	set(language.German, consoleSSOServiceDE)
	set(language.English, consoleAccountsEN)
	set(language.German, consoleAccountsDE)
	// The console's Customization page (messages_console_custom.go).
	set(language.English, consoleCustomEN)
	set(language.German, consoleCustomDE)
	// The audit log's range and filters (messages_console_audit.go).
	set(language.English, consoleAuditEN)
	set(language.German, consoleAuditDE)
	return b
}

// pickLanguage returns the page language: the account's, when the pages
// ship it, else the best match of the browser's Accept-Language, else
// English.
func pickLanguage(accountLang string, r *http.Request) language.Tag {
	if accountLang != "" {
		if t, err := language.Parse(accountLang); err == nil {
			if _, i, c := matcher.Match(t); c >= language.High {
				return languages[i]
			}
		}
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err == nil && len(tags) > 0 {
		if _, i, c := matcher.Match(tags...); c > language.No {
			return languages[i]
		}
	}
	return language.English
}

// translator renders messages, numbers and dates in one language.
type translator struct {
	tag language.Tag
	p   *message.Printer
}

func newTranslator(tag language.Tag) *translator {
	return &translator{tag: tag, p: message.NewPrinter(tag, message.Catalog(cat))}
}

// T returns the message with the key, formatted with args (numbers
// localized). A key missing from the catalogue is returned as is.
func (t *translator) T(key string, args ...any) string { return t.p.Sprintf(key, args...) }

// Number formats n with the language's digit grouping.
func (t *translator) Number(n int) string { return t.p.Sprint(n) }

var monthsDE = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}

// Date formats a time (in UTC) the way the language writes dates:
// "March 4, 2026, 10:00 UTC" or "4. März 2026, 10:00 UTC".
func (t *translator) Date(v any) string {
	var tm time.Time
	switch x := v.(type) {
	case time.Time:
		tm = x
	case *time.Time:
		if x == nil {
			return ""
		}
		tm = *x
	default:
		return fmt.Sprint(v)
	}
	tm = tm.UTC()
	base, _ := t.tag.Base()
	if base.String() == "de" {
		return fmt.Sprintf("%d. %s %d, %s UTC", tm.Day(), monthsDE[tm.Month()-1], tm.Year(), tm.Format("15:04"))
	}
	return tm.Format("January 2, 2006, 15:04") + " UTC"
}

// Lang is the page's BCP 47 tag, for <html lang>.
func (t *translator) Lang() string {
	base, _ := t.tag.Base()
	return strings.ToLower(base.String())
}
