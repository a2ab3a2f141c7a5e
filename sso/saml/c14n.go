package saml

import "strings"

// canonicalizer writes Exclusive XML Canonicalization 1.0 without comments
// (https://www.w3.org/TR/xml-exc-c14n/) of an element of a parsed
// document, optionally leaving out one descendant: the enveloped-signature
// transform followed by exclusive c14n, the only transforms the engine
// accepts. The node-set is always a whole subtree, so every element's
// output ancestors are its element ancestors inside the subtree.
//
// Rules, for each element E:
//   - a namespace declaration is rendered for each prefix E visibly
//     utilises (its own prefix, the default namespace when unprefixed, the
//     prefixes of its attributes) and for each prefix of the
//     InclusiveNamespaces PrefixList in scope at E ("" stands for
//     #default), unless the nearest output ancestor rendered the same
//     prefix with the same namespace; xmlns="" is rendered only to undo a
//     non-empty default namespace an output ancestor rendered. The xml
//     prefix is never declared;
//   - declarations are sorted by prefix (the default first), attributes by
//     namespace URI then local name (unqualified ones first);
//   - attribute values escape & < " TAB LF CR, text escapes & < > CR;
//     empty elements get an end tag; comments are dropped (a strict parse
//     refuses them inside values anyway) and CDATA was read as text.
type canonicalizer struct {
	buf       []byte
	rendered  []xdecl // declarations rendered by the output ancestors, innermost last
	inclusive []string
	skip      *xnode
}

// canonicalize returns the canonical form of e without skip (which may be
// nil) and with the given InclusiveNamespaces prefixes. The result is
// valid until the next call.
func (c *canonicalizer) canonicalize(e, skip *xnode, inclusive []string) []byte {
	c.buf = c.buf[:0]
	c.rendered = c.rendered[:0]
	c.inclusive = inclusive
	c.skip = skip
	c.element(e)
	return c.buf
}

// renderedURI returns the namespace the nearest output ancestor rendered
// for prefix, if any.
func (c *canonicalizer) renderedURI(prefix string) (string, bool) {
	for i := len(c.rendered) - 1; i >= 0; i-- {
		if c.rendered[i].prefix == prefix {
			return c.rendered[i].uri, true
		}
	}
	return "", false
}

// consider appends to ns the declaration of prefix that e must render, if
// any.
func (c *canonicalizer) consider(e *xnode, prefix string, ns []xdecl) []xdecl {
	if prefix == "xml" {
		return ns
	}
	for _, d := range ns {
		if d.prefix == prefix {
			return ns
		}
	}
	uri, ok := e.lookup(prefix)
	if !ok {
		// An InclusiveNamespaces prefix not in scope here (the parser
		// refuses unbound prefixes in names).
		return ns
	}
	cur, found := c.renderedURI(prefix)
	if prefix == "" && uri == "" {
		if !found || cur == "" {
			return ns
		}
	} else if found && cur == uri {
		return ns
	}
	return append(ns, xdecl{prefix, uri})
}

func (c *canonicalizer) element(e *xnode) {
	var nsArr [8]xdecl
	ns := c.consider(e, e.prefix, nsArr[:0])
	for i := range e.attrs {
		if p := e.attrs[i].prefix; p != "" {
			ns = c.consider(e, p, ns)
		}
	}
	for _, p := range c.inclusive {
		ns = c.consider(e, p, ns)
	}
	for i := 1; i < len(ns); i++ {
		for j := i; j > 0 && ns[j].prefix < ns[j-1].prefix; j-- {
			ns[j], ns[j-1] = ns[j-1], ns[j]
		}
	}
	mark := len(c.rendered)
	c.rendered = append(c.rendered, ns...)

	c.buf = append(c.buf, '<')
	c.qname(e.prefix, e.local)
	for _, d := range ns {
		if d.prefix == "" {
			c.buf = append(c.buf, ` xmlns="`...)
		} else {
			c.buf = append(c.buf, ` xmlns:`...)
			c.buf = append(c.buf, d.prefix...)
			c.buf = append(c.buf, `="`...)
		}
		c.attrValue(d.uri)
		c.buf = append(c.buf, '"')
	}
	if len(e.attrs) > 0 {
		var attrArr [16]*xattr
		attrs := attrArr[:0]
		for i := range e.attrs {
			attrs = append(attrs, &e.attrs[i])
		}
		for i := 1; i < len(attrs); i++ {
			for j := i; j > 0 && attrLess(attrs[j], attrs[j-1]); j-- {
				attrs[j], attrs[j-1] = attrs[j-1], attrs[j]
			}
		}
		for _, a := range attrs {
			c.buf = append(c.buf, ' ')
			c.qname(a.prefix, a.local)
			c.buf = append(c.buf, `="`...)
			c.attrValue(a.value)
			c.buf = append(c.buf, '"')
		}
	}
	c.buf = append(c.buf, '>')
	for k := e.first; k != nil; k = k.next {
		switch {
		case k.isText:
			c.text(k.text)
		case k != c.skip:
			c.element(k)
		}
	}
	c.buf = append(c.buf, "</"...)
	c.qname(e.prefix, e.local)
	c.buf = append(c.buf, '>')
	c.rendered = c.rendered[:mark]
}

func attrLess(a, b *xattr) bool {
	if a.space != b.space {
		return a.space < b.space
	}
	return a.local < b.local
}

func (c *canonicalizer) qname(prefix, local string) {
	if prefix != "" {
		c.buf = append(c.buf, prefix...)
		c.buf = append(c.buf, ':')
	}
	c.buf = append(c.buf, local...)
}

func (c *canonicalizer) text(s string) {
	for {
		i := strings.IndexAny(s, "&<>\r")
		if i < 0 {
			c.buf = append(c.buf, s...)
			return
		}
		c.buf = append(c.buf, s[:i]...)
		switch s[i] {
		case '&':
			c.buf = append(c.buf, "&amp;"...)
		case '<':
			c.buf = append(c.buf, "&lt;"...)
		case '>':
			c.buf = append(c.buf, "&gt;"...)
		case '\r':
			c.buf = append(c.buf, "&#xD;"...)
		}
		s = s[i+1:]
	}
}

func (c *canonicalizer) attrValue(s string) {
	for {
		i := strings.IndexAny(s, "&<\"\t\n\r")
		if i < 0 {
			c.buf = append(c.buf, s...)
			return
		}
		c.buf = append(c.buf, s[:i]...)
		switch s[i] {
		case '&':
			c.buf = append(c.buf, "&amp;"...)
		case '<':
			c.buf = append(c.buf, "&lt;"...)
		case '"':
			c.buf = append(c.buf, "&quot;"...)
		case '\t':
			c.buf = append(c.buf, "&#x9;"...)
		case '\n':
			c.buf = append(c.buf, "&#xA;"...)
		case '\r':
			c.buf = append(c.buf, "&#xD;"...)
		}
		s = s[i+1:]
	}
}
