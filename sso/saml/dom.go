package saml

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// This file is the engine's XML parser: one pass over the input builds the
// only tree the engine ever reads. Signatures are verified over the
// exclusive canonical form of that same tree (c14n.go), so what is read is
// exactly what was digested: no second parse of canonical bytes, no copy,
// and no serialise/parse round trip whose result could differ from the
// verified bytes.
//
// The parser is strict where a laxer one would let two readers disagree:
// it is namespace-aware (every prefix bound, names are QNames), resolves
// only the five predefined entities and character references, normalises
// line ends and attribute values as XML 1.0 says (§2.11, §3.3.3), and
// refuses DTDs, processing instructions and, for responses, CDATA sections
// and comments inside values.

// nsXML is the namespace bound to the prefix xml.
const nsXML = "http://www.w3.org/XML/1998/namespace"

// xmlDecl matches an XML declaration (XML 1.0 §2.8); the submatch is the
// quoted encoding name, if any.
var xmlDecl = regexp.MustCompile(`^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.0"|'1\.0')` +
	`(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*("[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?` +
	`(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>`)

// xnode is an element or a text node of a parsed document.
type xnode struct {
	parent            *xnode
	first, last, next *xnode // children in document order, next sibling
	// text is a text node's character data (entities resolved).
	text string
	// prefix and local are an element's name as written, space its
	// namespace.
	prefix, local, space string
	attrs                []xattr // attributes other than namespace declarations
	decls                []xdecl // namespace declarations, in document order
	isText               bool
	comment              bool // a comment among the children
	split                bool // adjacent text children, merged on close
	hasText              bool // a text child other than whitespace
}

// xattr is an attribute; space is its namespace ("" when unprefixed).
type xattr struct {
	prefix, local, space, value string
}

// xdecl is a namespace declaration; prefix "" is xmlns="...".
type xdecl struct {
	prefix, uri string
}

// parseMode says what a document may contain.
type parseMode int

const (
	// strictValues refuses CDATA sections anywhere and comments inside
	// values (responses and decrypted assertions).
	strictValues parseMode = iota
	// lenientValues reads CDATA sections as text and ignores every
	// comment (IdP metadata, which is not signed).
	lenientValues
)

// parser holds the state of one parse.
type parser struct {
	s     string
	i     int
	mode  parseMode
	nodes []xnode // current chunk: never grows past its capacity, so pointers stay valid
	attrs []xattr
	decls []xdecl
}

// parseXML parses untrusted XML into a tree of xnodes and returns its root
// element. Failures are ReasonDTD (markup declarations, processing
// instructions other than the XML declaration), ReasonXMLComment (in
// strictValues mode: CDATA sections, comments inside an element that holds
// text or no child element), ReasonRoundTrip (XML that is well formed but
// not namespace-well-formed: names with several colons or an empty part,
// unbound prefixes, declarations of the xml and xmlns prefixes or
// namespaces, an empty prefixed declaration, two attributes with the same
// expanded name: exactly the constructs encoding/xml does not round trip)
// and ReasonMalformedXML (everything else, depth beyond maxXMLDepth too).
func parseXML(data []byte, mode parseMode) (*xnode, *Error) {
	if hasMarkupDeclaration(data) {
		return nil, failf(ReasonDTD, "markup declaration in document")
	}
	if len(data) >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf {
		data = data[3:]
	}
	if !isXMLText(data) {
		return nil, failf(ReasonMalformedXML, "not UTF-8 XML characters")
	}
	s := string(data)
	// Start tags bound the elements; text nodes are usually fewer (the
	// slab grows by chunks if not).
	starts := strings.Count(s, "<") - strings.Count(s, "</")
	p := &parser{
		s:     s,
		mode:  mode,
		nodes: make([]xnode, 0, starts+starts/2+8),
		attrs: make([]xattr, 0, strings.Count(s, "=")),
		decls: make([]xdecl, 0, strings.Count(s, "xmlns")),
	}
	return p.document()
}

func (p *parser) newNode() *xnode {
	if len(p.nodes) == cap(p.nodes) {
		// A new chunk: nodes already handed out keep their address.
		p.nodes = make([]xnode, 0, 32)
	}
	p.nodes = p.nodes[:len(p.nodes)+1]
	return &p.nodes[len(p.nodes)-1]
}

func malformed(msg string) *Error { return failf(ReasonMalformedXML, msg) }

func (p *parser) document() (*xnode, *Error) {
	s := p.s
	if strings.HasPrefix(s, "<?xml") && len(s) > 5 && isSpace(s[5]) {
		m := xmlDecl.FindStringSubmatch(s)
		if m == nil {
			return nil, malformed("bad XML declaration")
		}
		if m[1] != "" && !strings.EqualFold(strings.Trim(m[1], `"'`), "UTF-8") {
			return nil, malformed("encoding other than UTF-8")
		}
		p.i = len(m[0])
	}
	if e := p.misc(); e != nil {
		return nil, e
	}
	if p.i >= len(s) || s[p.i] != '<' {
		return nil, malformed("no root element")
	}
	root, e := p.element()
	if e != nil {
		return nil, e
	}
	if e := p.misc(); e != nil {
		return nil, e
	}
	if p.i != len(s) {
		return nil, malformed("content after the root element")
	}
	return root, nil
}

// misc skips whitespace and comments outside the root element.
func (p *parser) misc() *Error {
	s := p.s
	for p.i < len(s) {
		switch {
		case isSpace(s[p.i]):
			p.i++
		case strings.HasPrefix(s[p.i:], "<!--"):
			if _, e := p.comment(); e != nil {
				return e
			}
		case strings.HasPrefix(s[p.i:], "<?"):
			return failf(ReasonDTD, "processing instruction in document")
		case strings.HasPrefix(s[p.i:], "<!"):
			return failf(ReasonDTD, "directive in document")
		default:
			return nil
		}
	}
	return nil
}

// comment consumes "<!--...-->" at p.i.
func (p *parser) comment() (string, *Error) {
	start := p.i + 4
	end := strings.Index(p.s[start:], "--")
	if end < 0 {
		return "", malformed("unterminated comment")
	}
	end += start
	if !strings.HasPrefix(p.s[end:], "-->") {
		return "", malformed("-- inside a comment")
	}
	p.i = end + 3
	return p.s[start:end], nil
}

// element parses the element starting at p.i, iteratively.
func (p *parser) element() (*xnode, *Error) {
	s := p.s
	var root, cur *xnode
	depth := 0
	for {
		if cur != nil && p.i < len(s) && s[p.i] != '<' {
			// Character data up to the next markup.
			j := strings.IndexByte(s[p.i:], '<')
			if j < 0 {
				return nil, malformed("unclosed element")
			}
			raw := s[p.i : p.i+j]
			p.i += j
			if strings.Contains(raw, "]]>") {
				return nil, malformed("]]> in character data")
			}
			text, e := decodeText(raw, false)
			if e != nil {
				return nil, e
			}
			if strings.TrimLeft(text, " \t\r\n") != "" {
				if cur.comment && p.mode == strictValues {
					return nil, failf(ReasonXMLComment, "comment in a value")
				}
				cur.hasText = true
			}
			p.appendText(cur, text)
			continue
		}
		if p.i >= len(s) {
			return nil, malformed("unclosed element")
		}
		rest := s[p.i:]
		switch {
		case strings.HasPrefix(rest, "</"):
			if cur == nil {
				return nil, malformed("end tag without start tag")
			}
			p.i += 2
			name, e := p.name()
			if e != nil {
				return nil, e
			}
			p.skipSpace()
			if p.i >= len(s) || s[p.i] != '>' {
				return nil, malformed("bad end tag")
			}
			p.i++
			if !cur.nameIs(name) {
				return nil, malformed("mismatched end tag")
			}
			if e := p.closeElement(cur); e != nil {
				return nil, e
			}
			cur = cur.parent
			depth--
			if cur == nil {
				return root, nil
			}
		case strings.HasPrefix(rest, "<!--"):
			if _, e := p.comment(); e != nil {
				return nil, e
			}
			if cur.hasText && p.mode == strictValues {
				return nil, failf(ReasonXMLComment, "comment in a value")
			}
			cur.comment = true
		case strings.HasPrefix(rest, "<![CDATA["):
			end := strings.Index(rest, "]]>")
			if end < 0 {
				return nil, malformed("unterminated CDATA section")
			}
			if p.mode == strictValues {
				return nil, failf(ReasonXMLComment, "CDATA section")
			}
			p.appendText(cur, normalizeNewlines(rest[9:end]))
			p.i += end + 3
		case strings.HasPrefix(rest, "<?"):
			return nil, failf(ReasonDTD, "processing instruction in element")
		case strings.HasPrefix(rest, "<!"):
			return nil, failf(ReasonDTD, "directive in element")
		default:
			if cur == nil && root != nil {
				return nil, malformed("second root element")
			}
			depth++
			if depth > maxXMLDepth {
				return nil, malformed("document too deep")
			}
			el, empty, e := p.startTag(cur)
			if e != nil {
				return nil, e
			}
			if root == nil {
				root = el
			}
			if empty {
				if e := p.closeElement(el); e != nil {
					return nil, e
				}
				depth--
				if cur == nil {
					return root, nil
				}
				continue
			}
			cur = el
		}
	}
}

// closeElement applies the rule on comments inside values once all of
// el's content is known, then merges adjacent text nodes (split by
// comments or CDATA sections), in linear time.
func (p *parser) closeElement(el *xnode) *Error {
	if el.comment && p.mode == strictValues {
		elems, text := false, false
		for c := el.first; c != nil; c = c.next {
			if c.isText {
				text = text || strings.TrimLeft(c.text, " \t\r\n") != ""
			} else {
				elems = true
			}
		}
		if text || !elems {
			return failf(ReasonXMLComment, "comment in a value")
		}
	}
	if el.split {
		for c := el.first; c != nil; c = c.next {
			if !c.isText || c.next == nil || !c.next.isText {
				continue
			}
			var b strings.Builder
			for d := c; d != nil && d.isText; d = d.next {
				b.WriteString(d.text)
				c.next = d.next
			}
			c.text = b.String()
			if c.next == nil {
				el.last = c
			}
		}
	}
	return nil
}

func (p *parser) appendText(parent *xnode, text string) {
	if last := parent.last; last != nil && last.isText {
		parent.split = true
	}
	n := p.newNode()
	n.isText = true
	n.text = text
	n.parent = parent
	parent.appendChild(n)
}

func (e *xnode) appendChild(c *xnode) {
	if e.last == nil {
		e.first = c
	} else {
		e.last.next = c
	}
	e.last = c
}

// nameIs reports whether e's name as written is qname.
func (e *xnode) nameIs(qname string) bool {
	if e.prefix == "" {
		return qname == e.local
	}
	return len(qname) == len(e.prefix)+1+len(e.local) &&
		strings.HasPrefix(qname, e.prefix) && qname[len(e.prefix)] == ':' && strings.HasSuffix(qname, e.local)
}

// startTag parses a start tag at p.i and links the new element under
// parent. empty reports an empty-element tag.
func (p *parser) startTag(parent *xnode) (el *xnode, empty bool, err *Error) {
	s := p.s
	p.i++ // '<'
	qname, e := p.name()
	if e != nil {
		return nil, false, e
	}
	el = p.newNode()
	el.parent = parent
	if el.prefix, el.local, e = splitQName(qname); e != nil {
		return nil, false, e
	}
	attrStart, declStart := len(p.attrs), len(p.decls)
	for {
		sp := p.skipSpace()
		if p.i >= len(s) {
			return nil, false, malformed("unterminated start tag")
		}
		if s[p.i] == '>' {
			p.i++
			break
		}
		if strings.HasPrefix(s[p.i:], "/>") {
			p.i += 2
			empty = true
			break
		}
		if !sp {
			return nil, false, malformed("no space before attribute")
		}
		an, e := p.name()
		if e != nil {
			return nil, false, e
		}
		p.skipSpace()
		if p.i >= len(s) || s[p.i] != '=' {
			return nil, false, malformed("attribute without value")
		}
		p.i++
		p.skipSpace()
		if p.i >= len(s) || (s[p.i] != '"' && s[p.i] != '\'') {
			return nil, false, malformed("unquoted attribute value")
		}
		q := s[p.i]
		end := strings.IndexByte(s[p.i+1:], q)
		if end < 0 {
			return nil, false, malformed("unterminated attribute value")
		}
		raw := s[p.i+1 : p.i+1+end]
		p.i += end + 2
		if strings.IndexByte(raw, '<') >= 0 {
			return nil, false, malformed("< in attribute value")
		}
		val, e := decodeText(raw, true)
		if e != nil {
			return nil, false, e
		}
		prefix, local, e := splitQName(an)
		if e != nil {
			return nil, false, e
		}
		switch {
		case prefix == "" && local == "xmlns":
			p.decls = append(p.decls, xdecl{"", val})
		case prefix == "xmlns":
			p.decls = append(p.decls, xdecl{local, val})
		default:
			p.attrs = append(p.attrs, xattr{prefix: prefix, local: local, value: val})
		}
	}
	el.attrs = p.attrs[attrStart:len(p.attrs):len(p.attrs)]
	el.decls = p.decls[declStart:len(p.decls):len(p.decls)]
	if len(el.attrs) == 0 {
		el.attrs = nil
	}
	if len(el.decls) == 0 {
		el.decls = nil
	}
	if len(el.attrs)+len(el.decls) > maxXMLAttrs {
		return nil, false, malformed("too many attributes")
	}
	if len(p.decls) > maxXMLNamespaces && (p.mode == strictValues || len(p.decls) > maxMetadataNamespaces) {
		return nil, false, malformed("too many namespace declarations")
	}
	if e := checkDecls(el.decls); e != nil {
		return nil, false, e
	}
	if parent != nil {
		parent.appendChild(el)
	}
	// Resolve the names now that the element's declarations are known.
	var ok bool
	if el.space, ok = el.lookup(el.prefix); !ok {
		return nil, false, failf(ReasonRoundTrip, "unbound element prefix")
	}
	for i := range el.attrs {
		a := &el.attrs[i]
		if a.prefix != "" {
			if a.space, ok = el.lookup(a.prefix); !ok {
				return nil, false, failf(ReasonRoundTrip, "unbound attribute prefix")
			}
		}
		for _, b := range el.attrs[:i] {
			if b.prefix == a.prefix && b.local == a.local {
				return nil, false, malformed("repeated attribute")
			}
			if b.space == a.space && b.local == a.local {
				return nil, false, failf(ReasonRoundTrip, "two attributes with the same expanded name")
			}
		}
	}
	return el, empty, nil
}

// checkDecls refuses what Namespaces in XML 1.0 forbids.
func checkDecls(decls []xdecl) *Error {
	for i, d := range decls {
		switch {
		case d.prefix == "xmlns" || d.uri == "http://www.w3.org/2000/xmlns/":
			return failf(ReasonRoundTrip, "xmlns namespace declared")
		case (d.prefix == "xml") != (d.uri == nsXML):
			return failf(ReasonRoundTrip, "xml namespace rebound")
		case d.prefix != "" && d.uri == "":
			return failf(ReasonRoundTrip, "empty prefixed namespace declaration")
		}
		for _, o := range decls[:i] {
			if o.prefix == d.prefix {
				return malformed("repeated namespace declaration")
			}
		}
	}
	return nil
}

// lookup resolves prefix in e's scope; the empty prefix resolves to the
// default namespace, "" when there is none.
func (e *xnode) lookup(prefix string) (string, bool) {
	if prefix == "xml" {
		return nsXML, true
	}
	for n := e; n != nil; n = n.parent {
		for _, d := range n.decls {
			if d.prefix == prefix {
				return d.uri, true
			}
		}
	}
	return "", prefix == ""
}

// name consumes an XML Name at p.i.
func (p *parser) name() (string, *Error) {
	s := p.s
	start := p.i
	for p.i < len(s) {
		c := s[p.i]
		if c < utf8.RuneSelf {
			if !isASCIINameChar(c) || (p.i == start && !isASCIINameStart(c)) {
				break
			}
			p.i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[p.i:])
		if !isNameRune(r, p.i == start) {
			break
		}
		p.i += size
	}
	if p.i == start {
		return "", malformed("expected a name")
	}
	return s[start:p.i], nil
}

// splitQName splits a Name into prefix and local part; a name that is not
// a QName is refused.
func splitQName(name string) (prefix, local string, err *Error) {
	i := strings.IndexByte(name, ':')
	if i < 0 {
		return "", name, nil
	}
	prefix, local = name[:i], name[i+1:]
	if prefix == "" || local == "" || strings.IndexByte(local, ':') >= 0 || !isASCIINameStartOrRune(local) {
		return "", "", failf(ReasonRoundTrip, "name is not a QName")
	}
	return prefix, local, nil
}

func isASCIINameStartOrRune(s string) bool {
	c := s[0]
	if c < utf8.RuneSelf {
		return isASCIINameStart(c) && c != ':'
	}
	r, _ := utf8.DecodeRuneInString(s)
	return isNameRune(r, true)
}

func (p *parser) skipSpace() bool {
	start := p.i
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
	return p.i > start
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isASCIINameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
}

func isASCIINameChar(c byte) bool {
	return isASCIINameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}

// isNameRune reports whether the non-ASCII rune r is a NameStartChar
// (first) or NameChar of XML 1.0 fifth edition.
func isNameRune(r rune, first bool) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	case first:
		return false
	}
	return r == 0xB7 || r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040
}

// normalizeNewlines turns "\r\n" and lone "\r" into "\n" (XML 1.0 §2.11).
func normalizeNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// decodeText resolves the references in raw character data or, if attr, an
// attribute value, which is also normalised: each literal whitespace
// character becomes a space (XML 1.0 §3.3.3; CDATA-typed, as without a DTD).
func decodeText(raw string, attr bool) (string, *Error) {
	plain := strings.IndexByte(raw, '&') < 0 && strings.IndexByte(raw, '\r') < 0
	if plain && (!attr || strings.IndexAny(raw, "\t\n") < 0) {
		return raw, nil
	}
	raw = normalizeNewlines(raw)
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '&':
			end := strings.IndexByte(raw[i:], ';')
			if end < 0 {
				return "", malformed("unterminated reference")
			}
			ref := raw[i+1 : i+end]
			i += end + 1
			switch ref {
			case "amp":
				b.WriteByte('&')
			case "lt":
				b.WriteByte('<')
			case "gt":
				b.WriteByte('>')
			case "quot":
				b.WriteByte('"')
			case "apos":
				b.WriteByte('\'')
			default:
				r, ok := charRef(ref)
				if !ok {
					return "", malformed("unknown entity or bad character reference")
				}
				b.WriteRune(r)
			}
		case attr && (c == '\t' || c == '\n'):
			b.WriteByte(' ')
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// charRef decodes the body of a character reference ("#65", "#x41").
func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if digits == "" || len(digits) > 8 {
		return 0, false
	}
	var r rune
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		r = r*rune(base) + d
	}
	ok := r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
	return r, ok
}

// Reading helpers.

// is reports whether e is the element {ns}local.
func is(e *xnode, ns, local string) bool {
	return e != nil && !e.isText && e.local == local && e.space == ns
}

// elements returns the child elements of e.
func (e *xnode) elements() []*xnode {
	var out []*xnode
	for c := e.first; c != nil; c = c.next {
		if !c.isText {
			out = append(out, c)
		}
	}
	return out
}

// children returns the child elements of e named {ns}local.
func children(e *xnode, ns, local string) []*xnode {
	var out []*xnode
	for c := e.first; c != nil; c = c.next {
		if is(c, ns, local) {
			out = append(out, c)
		}
	}
	return out
}

// child returns the only child element {ns}local of e, nil if there is none,
// and an error if there are several.
func child(e *xnode, ns, local string) (*xnode, *Error) {
	var found *xnode
	for c := e.first; c != nil; c = c.next {
		if is(c, ns, local) {
			if found != nil {
				return nil, failf(ReasonStructure, "repeated element "+local)
			}
			found = c
		}
	}
	return found, nil
}

// requiredChild is child, with a missing element an error too.
func requiredChild(e *xnode, ns, local string) (*xnode, *Error) {
	c, err := child(e, ns, local)
	if err == nil && c == nil {
		err = failf(ReasonStructure, "missing element "+local)
	}
	return c, err
}

// textContent returns the character content of e; ok is false if e has
// child elements.
func textContent(e *xnode) (s string, ok bool) {
	for c := e.first; c != nil; c = c.next {
		if !c.isText {
			return "", false
		}
		s = c.text // the parser merges adjacent text
	}
	return s, true
}

// valueText returns the text of e, an element whose value the engine
// reads; ok is false if e has child elements. In a strictValues document
// the parser has already refused comments and CDATA inside values
// (ReasonXMLComment), so the text is one node, exactly as signed.
func valueText(e *xnode) (s string, ok bool, err *Error) {
	s, ok = textContent(e)
	if ok && e.comment {
		// Unreachable after a strictValues parse; kept so that no path
		// can read a value a comment split.
		return "", false, failf(ReasonXMLComment, "comment in a value")
	}
	return s, ok, nil
}

// attr returns the value of e's unqualified attribute key.
func attr(e *xnode, key string) (string, bool) {
	for _, a := range e.attrs {
		if a.prefix == "" && a.local == key {
			return a.value, true
		}
	}
	return "", false
}

// walk visits e and its descendant elements in document order until fn
// returns false.
func walk(e *xnode, fn func(*xnode) bool) bool {
	if !fn(e) {
		return false
	}
	for c := e.first; c != nil; c = c.next {
		if !c.isText && !walk(c, fn) {
			return false
		}
	}
	return true
}
