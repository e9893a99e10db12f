package main

import (
	"errors"
	"strings"
	"unicode"
)

// splitCommand splits a command line into words at unquoted white space.
// Single or double quotes group words and are removed; a backslash outside
// single quotes takes the next character literally. Nothing else of a shell
// is understood: no variables, globs or pipes.
func splitCommand(line string) ([]string, error) {
	var (
		words   []string
		word    strings.Builder
		inWord  bool
		quote   rune
		escaped bool
	)
	for _, r := range line {
		switch {
		case escaped:
			word.WriteRune(r)
			escaped, inWord = false, true
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				word.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case unicode.IsSpace(r):
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	switch {
	case quote != 0:
		return nil, errors.New("a quote is not closed")
	case escaped:
		return nil, errors.New("a backslash ends the line")
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}
