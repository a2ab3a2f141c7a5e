package accountkit

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Word search: the one semantics of the q= text search on the users list
// and the audit log, chosen so that every store serves it from an ordinary
// B-tree index (no full scan, whatever the table size):
//
//   - A text is cut into words at every character that is not a letter or
//     a digit, and lower-cased. "Jean-Luc.Picard@Example.com" holds the
//     words jean, luc, picard, example and com. Words are cut to
//     MaxSearchWordChars characters.
//   - A query is cut the same way. It matches a text when each of its
//     words is the beginning (a prefix) of some word of the text: "pic"
//     and "jean pic" match the address above, "card" does not (it is
//     inside a word, not at its start).
//
// Stores keep the words of each searchable row in a side table keyed by
// (account, word) and answer a query with an index range per query word;
// the memory store compares the same words. Validation.WordSearch bounds
// queries so that each lookup stays small.

// Bounds of a word search query.
const (
	// MinSearchWordChars is the shortest query word, in characters.
	MinSearchWordChars = 2
	// MaxSearchWordChars is the longest query word, and the length words
	// of searched texts are cut to, in characters.
	MaxSearchWordChars = 64
	// MaxSearchWords is the most words a query may hold.
	MaxSearchWords = 4
)

// SearchWords returns the words of s for word search: cut at every
// character that is not a letter or a digit, lower-cased, each cut to
// MaxSearchWordChars characters, without duplicates, in order of first
// appearance. Invalid UTF-8 bytes separate words.
func SearchWords(s string) []string {
	var out []string
	seen := map[string]bool{}
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.ToLower(s[start:end])
		if utf8.RuneCountInString(w) > MaxSearchWordChars {
			n := 0
			for i := range w {
				if n == MaxSearchWordChars {
					w = w[:i]
					break
				}
				n++
			}
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
		start = -1
	}
	for i, r := range s {
		if r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return out
}

// MatchSearchWords reports whether every word of query is a prefix of one
// of words: the reference reading of word search. query and words are
// SearchWords results. An empty query matches everything.
func MatchSearchWords(words, query []string) bool {
	for _, q := range query {
		found := false
		for _, w := range words {
			if strings.HasPrefix(w, q) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// WordSearch checks a word search query given by a client and returns its
// normalized form (its SearchWords joined by single spaces), the form
// Filter.Search fields hold; "" when s is blank. Beyond the text rule
// (at most MaxSearchLength characters) the query must hold at least one
// word, at most MaxSearchWords words, and each word must have
// MinSearchWordChars to MaxSearchWordChars characters.
func (v *Validation) WordSearch(field, s string) string {
	if !v.Text(field, s, 0, MaxSearchLength) {
		return ""
	}
	if strings.TrimSpace(s) == "" {
		return ""
	}
	if msg := WordSearchProblem(s); msg != "" {
		v.Add(field, msg)
		return ""
	}
	return strings.Join(SearchWords(s), " ")
}

// WordSearchProblem returns what is wrong with the word search query s
// (which follows the text rule and is not blank), or "".
func WordSearchProblem(s string) string {
	var words []string
	// Count the words before they are cut, so that an over-long word is
	// reported rather than silently shortened.
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		n := utf8.RuneCountInString(w)
		switch {
		case n < MinSearchWordChars:
			return fmt.Sprintf("each word must be at least %d letters or digits", MinSearchWordChars)
		case n > MaxSearchWordChars:
			return fmt.Sprintf("each word must be at most %d characters", MaxSearchWordChars)
		}
		words = append(words, w)
	}
	switch {
	case len(words) == 0:
		return "must contain a letter or a digit"
	case len(SearchWords(s)) > MaxSearchWords:
		return fmt.Sprintf("must be at most %d words", MaxSearchWords)
	}
	return ""
}

// HasWordPrefix reports whether some word of text starts with prefix, a
// word as SearchWords returns it (lower-case, at most MaxSearchWordChars
// characters): the same answer as MatchSearchWords(SearchWords(text),
// []string{prefix}), without allocating, for stores that match in Go.
func HasWordPrefix(text, prefix string) bool {
	if prefix == "" {
		return true
	}
	// A word can only match where its first byte lower-cases to the
	// prefix's first byte; ASCII runs take the fast path.
	first := prefix[0]
	inWord := false
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			isWord := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
			if isWord && !inWord && (c|0x20 == first || c == first) && wordStartsWith(text[i:], prefix) {
				return true
			}
			inWord = isWord
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		isWord := r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if isWord && !inWord && wordStartsWith(text[i:], prefix) {
			return true
		}
		inWord = isWord
		i += size
	}
	return false
}

// wordStartsWith reports whether the word at the start of s, lower-cased,
// starts with prefix.
func wordStartsWith(s, prefix string) bool {
	for _, p := range prefix {
		r, size := utf8.DecodeRuneInString(s)
		if size == 0 || r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r)) || unicode.ToLower(r) != p {
			return false
		}
		s = s[size:]
	}
	return true
}
