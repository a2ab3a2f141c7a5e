package saml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"
	xrv "github.com/mattermost/xml-roundtrip-validator"
)

// parseXML parses untrusted XML. It refuses any markup declaration (DOCTYPE,
// ENTITY, ELEMENT, ATTLIST...) and processing instruction other than the XML
// declaration, documents that do not survive an encoding/xml round trip
// unchanged, and documents nested deeper than maxXMLDepth. It also refuses
// (ReasonXMLComment) every CDATA section, and every comment inside an
// element that holds text or no child element at all: such an element is
// a value (NameID, AttributeValue, Issuer, Audience, a certificate...), and
// exclusive c14n without comments drops comments and turns CDATA into
// text, so a value split by them verifies as the joined text while a
// reader of the first node would see a prefix. Comments between elements
// remain allowed: nothing reads them.
func parseXML(data []byte) (*etree.Document, *Error) {
	switch markupDeclaration(data) {
	case "decl":
		return nil, failf(ReasonDTD, "markup declaration in document")
	case "cdata":
		return nil, failf(ReasonXMLComment, "CDATA section")
	}
	if e := roundTrip(data); e != nil {
		return nil, e
	}
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{MaxDepth: maxXMLDepth}
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fail(ReasonMalformedXML, err)
	}
	root := doc.Root()
	if root == nil {
		return nil, failf(ReasonMalformedXML, "no root element")
	}
	for _, tok := range doc.Child {
		switch t := tok.(type) {
		case *etree.Directive:
			return nil, failf(ReasonDTD, "directive in document")
		case *etree.ProcInst:
			if t.Target != "xml" {
				return nil, failf(ReasonDTD, "processing instruction in document")
			}
		}
	}
	var bad *Error
	walk(root, func(e *etree.Element) bool {
		var elems, text, comment bool
		for _, tok := range e.Child {
			switch t := tok.(type) {
			case *etree.Directive, *etree.ProcInst:
				bad = failf(ReasonDTD, "directive or processing instruction in element")
				return false
			case *etree.CharData:
				if t.IsCData() {
					bad = failf(ReasonXMLComment, "CDATA section")
					return false
				}
				text = text || strings.TrimLeft(t.Data, " \t\r\n") != ""
			case *etree.Comment:
				comment = true
			case *etree.Element:
				elems = true
			}
		}
		if comment && (text || !elems) {
			bad = failf(ReasonXMLComment, "comment in a value")
			return false
		}
		return true
	})
	if bad != nil {
		return nil, bad
	}
	return doc, nil
}

// roundTrip runs xml-roundtrip-validator's per-token check (CheckToken:
// encode, decode, compare) over the tokens of data, as xrv.Validate does
// but over a buffered reader (xrv.Validate reads byte by byte through two
// interfaces, the most expensive step of validation before this). Two
// token kinds take an equivalent fast path instead of CheckToken, which
// allocates an encoder per token:
//   - an EndElement whose name equals that of its StartElement, which
//     passed CheckToken: its round trip is the same name's (RawToken does
//     not match end tags to start tags, so a mismatch goes to CheckToken
//     and is then refused as malformed);
//   - CharData that is valid UTF-8 made only of XML characters: the
//     encoder escapes, and the decoder restores, exactly those.
func roundTrip(data []byte) *Error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var open []xml.Name
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			if len(open) != 0 {
				return failf(ReasonMalformedXML, "unclosed element")
			}
			return nil
		}
		if err != nil {
			return fail(ReasonMalformedXML, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			open = append(open, t.Name)
		case xml.EndElement:
			if n := len(open); n > 0 && open[n-1] == t.Name {
				open = open[:n-1]
				continue
			}
			if err := checkToken(tok); err != nil {
				return err
			}
			return failf(ReasonMalformedXML, "mismatched end tag")
		case xml.CharData:
			if isXMLText(t) {
				continue
			}
		}
		if err := checkToken(tok); err != nil {
			return err
		}
	}
}

func checkToken(tok xml.Token) *Error {
	if err := xrv.CheckToken(tok); err != nil {
		var rt xrv.XMLRoundtripError
		if errors.As(err, &rt) {
			return fail(ReasonRoundTrip, err)
		}
		return fail(ReasonMalformedXML, err)
	}
	return nil
}

// isXMLText reports whether b is valid UTF-8 made only of characters in
// the XML Char production. The empty string is not: CheckToken refuses it.
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

// markupDeclaration reports "decl" if data contains "<!" that does not
// open a comment or a CDATA section, else "cdata" if it contains a CDATA
// section (encoding/xml, and so etree, cannot tell CDATA from text), else "".
func markupDeclaration(data []byte) string {
	cdata := false
	for {
		i := bytes.Index(data, []byte("<!"))
		if i < 0 {
			if cdata {
				return "cdata"
			}
			return ""
		}
		rest := data[i+2:]
		switch {
		case bytes.HasPrefix(rest, []byte("--")):
		case bytes.HasPrefix(rest, []byte("[CDATA[")):
			cdata = true
		default:
			return "decl"
		}
		data = rest
	}
}

// walk visits e and its descendant elements in document order until fn
// returns false.
func walk(e *etree.Element, fn func(*etree.Element) bool) bool {
	if !fn(e) {
		return false
	}
	for _, c := range e.Child {
		if ce, ok := c.(*etree.Element); ok {
			if !walk(ce, fn) {
				return false
			}
		}
	}
	return true
}

// is reports whether e is the element {ns}local.
func is(e *etree.Element, ns, local string) bool {
	return e != nil && e.Tag == local && e.NamespaceURI() == ns
}

// children returns the child elements of e named {ns}local.
func children(e *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, c := range e.Child {
		if ce, ok := c.(*etree.Element); ok && is(ce, ns, local) {
			out = append(out, ce)
		}
	}
	return out
}

// child returns the only child element {ns}local of e, nil if there is none,
// and an error if there are several.
func child(e *etree.Element, ns, local string) (*etree.Element, *Error) {
	cs := children(e, ns, local)
	switch len(cs) {
	case 0:
		return nil, nil
	case 1:
		return cs[0], nil
	}
	return nil, failf(ReasonStructure, "repeated element "+local)
}

// requiredChild is child, with a missing element an error too.
func requiredChild(e *etree.Element, ns, local string) (*etree.Element, *Error) {
	c, err := child(e, ns, local)
	if err == nil && c == nil {
		err = failf(ReasonStructure, "missing element "+local)
	}
	return c, err
}

// textContent returns the whole character content of e: every text and
// CDATA node concatenated, comments skipped, never only the first node. ok is
// false if e has child elements.
func textContent(e *etree.Element) (s string, ok bool) {
	var b strings.Builder
	for _, c := range e.Child {
		switch t := c.(type) {
		case *etree.CharData:
			b.WriteString(t.Data)
		case *etree.Element:
			return "", false
		}
	}
	return b.String(), true
}

// valueText returns the text of e, an element whose value the engine
// reads. Its content must be plain character data: a comment, CDATA
// section or processing instruction anywhere in it is refused
// (ReasonXMLComment), so that no reader, here or downstream, can see a
// value other than the signed one by joining or splitting text nodes. ok
// is false if e has child elements.
func valueText(e *etree.Element) (s string, ok bool, err *Error) {
	ok = true
	for _, c := range e.Child {
		switch t := c.(type) {
		case *etree.CharData:
			if t.IsCData() {
				return "", false, failf(ReasonXMLComment, "CDATA section in "+e.Tag)
			}
		case *etree.Comment:
			return "", false, failf(ReasonXMLComment, "comment in "+e.Tag)
		case *etree.ProcInst:
			return "", false, failf(ReasonXMLComment, "processing instruction in "+e.Tag)
		case *etree.Element:
			ok = false
		}
	}
	if !ok {
		return "", false, nil
	}
	s, _ = textContent(e)
	return s, true, nil
}

// attr returns the value of e's unqualified attribute key.
func attr(e *etree.Element, key string) (string, bool) {
	for _, a := range e.Attr {
		if a.Space == "" && a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// parseTime parses an xs:dateTime; an absent attribute gives the zero time.
func parseTimeAttr(e *etree.Element, key string, required bool) (time.Time, *Error) {
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
