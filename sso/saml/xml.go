package saml

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// isXMLText reports whether b is valid UTF-8 made only of characters in
// the XML Char production. The empty string is not.
func isXMLText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for len(b) > 0 {
		c := b[0]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			return false
		}
		if !(r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
		b = b[size:]
	}
	return true
}

// hasMarkupDeclaration reports whether data contains "<!" that does not
// open a comment or a CDATA section. A DTD is refused before anything else
// is looked at.
func hasMarkupDeclaration(data []byte) bool {
	for {
		i := bytes.Index(data, []byte("<!"))
		if i < 0 {
			return false
		}
		rest := data[i+2:]
		if !bytes.HasPrefix(rest, []byte("--")) && !bytes.HasPrefix(rest, []byte("[CDATA[")) {
			return true
		}
		data = rest
	}
}

// parseTimeAttr parses an xs:dateTime; an absent attribute gives the zero
// time.
func parseTimeAttr(e *xnode, key string, required bool) (time.Time, *Error) {
	v, ok := attr(e, key)
	if !ok {
		if required {
			return time.Time{}, failf(ReasonStructure, "missing attribute "+key)
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, fail(ReasonStructure, err)
	}
	return t.UTC(), nil
}
