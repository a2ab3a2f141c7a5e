package accountkit_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/accountkit/accountkit"
)

func TestSearchWords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  !! ", nil},
		{"Jean-Luc.Picard@Example.com", []string{"jean", "luc", "picard", "example", "com"}},
		{"100% under_score back\\slash", []string{"100", "under", "score", "back", "slash"}},
		{"Ünïcode ÄRGER ärger", []string{"ünïcode", "ärger"}},
		{"a a A", []string{"a"}},
		{strings.Repeat("x", 70) + " y", []string{strings.Repeat("x", accountkit.MaxSearchWordChars), "y"}},
		{strings.Repeat("é", 70), []string{strings.Repeat("é", accountkit.MaxSearchWordChars)}},
		{"bad\xffbyte", []string{"bad", "byte"}},
	} {
		assert.Equal(t, c.want, accountkit.SearchWords(c.in), "%q", c.in)
	}
}

func TestMatchSearchWords(t *testing.T) {
	t.Parallel()
	words := accountkit.SearchWords("Jean-Luc Picard jean.luc@example.com")
	for q, want := range map[string]bool{
		"":              true,
		"pic":           true,
		"PICARD jean":   true,
		"example.co":    true,
		"card":          false, // inside a word
		"pic zz":        false, // every word must match
		"picardo":       false,
		"luc@example":   true,
		"jean luc jean": true,
	} {
		assert.Equal(t, want, accountkit.MatchSearchWords(words, accountkit.SearchWords(q)), "%q", q)
	}
}

func TestValidation_WordSearch(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		for in, want := range map[string]string{
			"":                      "",
			"   ":                   "",
			"Pi":                    "pi",
			" Jean-Luc  PICARD ":    "jean luc picard",
			"ab ab AB":              "ab",
			"aa bb cc dd":           "aa bb cc dd",
			strings.Repeat("é", 64): strings.Repeat("é", 64),
		} {
			var v accountkit.Validation
			assert.Equal(t, want, v.WordSearch("q", in), "%q", in)
			assert.NoError(t, v.Err(), "%q", in)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, in := range []string{
			"a", "jean l", "!!", "-", strings.Repeat("x", 65), "aa bb cc dd ee",
			strings.Repeat("ab ", 90), "ab\x00", "bad\xff",
		} {
			var v accountkit.Validation
			assert.Empty(t, v.WordSearch("q", in), "%q", in)
			err := v.Err()
			assert.Equal(t, accountkit.Invalid, accountkit.ErrorCode(err), "%q", in)
			if err != nil {
				assert.Contains(t, err.Error(), "q:", "%q names the field", in)
			}
		}
	})
}

// TestHasWordPrefix checks the allocation-free matcher against the
// reference reading on every word prefix of assorted texts.
func TestHasWordPrefix(t *testing.T) {
	t.Parallel()
	texts := []string{
		"Jean-Luc.Picard@Example.com", "100% under_score back\\slash", "Ünïcode ÄRGER ärger",
		"SStraße İstanbul ΣΊΣΥΦΟΣ", "bad\xffbyte", "", "!!", strings.Repeat("x", 70) + " y",
	}
	queries := []string{"", "a", "ab", "zz"}
	for _, w := range accountkit.SearchWords(strings.Join(texts, " ")) {
		for i := range w {
			queries = append(queries, w[:i])
		}
		queries = append(queries, w, w+"x")
	}
	for _, text := range texts {
		words := accountkit.SearchWords(text)
		for _, q := range queries {
			qw := accountkit.SearchWords(q)
			if len(qw) != 1 {
				continue
			}
			assert.Equal(t, accountkit.MatchSearchWords(words, qw), accountkit.HasWordPrefix(text, qw[0]), "text %q, prefix %q", text, qw[0])
		}
	}
}
