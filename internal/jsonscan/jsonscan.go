// Package jsonscan holds the few JSON scanning steps shared by the
// hand-written decoders on the request path (the Telegent client's answer,
// the REST request body). Those decoders take only the plain, usual shape of
// their document and leave everything else to a full JSON decoder, so these
// helpers refuse whatever a full decoder would have to change or could
// refuse: they never need to agree with one on anything unusual.
package jsonscan

import "unicode/utf8"

// SkipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func SkipSpace(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// PlainString reads the JSON string starting at s[i] (a quote) and returns
// its content and the index after its closing quote. It reports false for
// strings that a decoder would have to unescape, replace or refuse: escape
// sequences, control characters, invalid UTF-8, no closing quote.
func PlainString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	start, ascii := i+1, true
	for j := start; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			if !ascii && !utf8.ValidString(s[start:j]) {
				return "", 0, false
			}
			return s[start:j], j + 1, true
		case c == '\\' || c < ' ':
			return "", 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", 0, false
}

// Literal reports which of true, false and null starts at s[i], and the
// index after it.
func Literal(s string, i int) (lit string, next int, ok bool) {
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(s)-i >= len(lit) && s[i:i+len(lit)] == lit {
			return lit, i + len(lit), true
		}
	}
	return "", 0, false
}
