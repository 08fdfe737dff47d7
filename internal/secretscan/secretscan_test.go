package secretscan

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	t.Parallel()
	const secret = `s3cret/Value+42"`
	blob := func(prefix string) string { return base64.StdEncoding.EncodeToString([]byte(prefix + secret + "!")) }
	for _, tc := range []struct {
		name, out string
		echoed    []string
		found     bool
	}{
		{"raw", "x " + secret + " y", nil, true},
		{"upper-cased", strings.ToUpper(secret), nil, true},
		{"json-escaped", `{"m":"s3cret/Value+42\""}`, nil, true},
		{"html-escaped json", `{"m":"s3cret/Value+42\u0022"}`, nil, true},
		{"hex", "id " + hex.EncodeToString([]byte(secret)), nil, true},
		{"HEX at an odd offset", "x" + strings.ToUpper(hex.EncodeToString([]byte("a"+secret))), nil, true},
		{"base64 alignment 0", blob(""), nil, true},
		{"base64 alignment 1", blob("a"), nil, true},
		{"base64 alignment 2", blob("ab"), nil, true},
		{"base64 url", base64.RawURLEncoding.EncodeToString([]byte("xy" + secret)), nil, true},
		{"echoed stretch left over", "refused: ABCDEFGHIJ", []string{"zzABCDEFGHzz"}, true},
		{"redacted", "refused: [REDACTED] is wrong", []string{"zzABCDEFGHzz"}, false},
		{"half of the secret", "s3cret/Va", nil, false},
		{"unrelated base64", base64.StdEncoding.EncodeToString([]byte("nothing to see here")), nil, false},
	} {
		if got := Find(tc.out, secret, tc.echoed...); (got != "") != tc.found {
			t.Errorf("%s: Find(%q) = %q, want found %v", tc.name, tc.out, got, tc.found)
		}
	}
}
