// Package secretscan looks for a secret in text that may hold it encoded,
// for tests that check what the facade lets out: answers, errors, logs.
//
// It works independently of the facade's own scrubbing: rather than
// encoding the secret and searching for the result, it decodes whatever in
// the text could be base64 or hex, at every offset, and looks for the
// secret's bytes in that.
package secretscan

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

var (
	base64Run = regexp.MustCompile(`[A-Za-z0-9+/_-]{8,}`)
	hexRun    = regexp.MustCompile(`[0-9A-Fa-f]{8,}`)
)

// Find describes how out still carries secret, or returns "" when it does
// not. It looks for the secret in any letter case, in out and in out with
// JSON escapes undone; for any 8-character stretch of each echoed string
// (what an upstream sent back, which out must not repeat), case ignored;
// and for the secret's bytes, case ignored, in every run of base64 or hex
// characters decoded at every offset.
func Find(out, secret string, echoed ...string) string {
	lowOut := strings.ToLower(out)
	unescaped := strings.ToLower(jsonUnescape(out))
	lowSecret := strings.ToLower(secret)
	if strings.Contains(lowOut, lowSecret) || strings.Contains(unescaped, lowSecret) {
		return "as is"
	}
	for _, e := range echoed {
		e = strings.ToLower(e)
		for i := 0; i+8 <= len(e); i++ {
			if w := e[i : i+8]; strings.Contains(lowOut, w) || strings.Contains(unescaped, w) {
				return fmt.Sprintf("echoed stretch %q", w)
			}
		}
	}
	for _, run := range base64Run.FindAllString(out, -1) {
		for off := range 4 {
			r := run[off:]
			if len(r)%4 == 1 {
				r = r[:len(r)-1] // a lone trailing character holds no whole byte
			}
			for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
				if b, err := enc.DecodeString(r); err == nil && containsFold(b, lowSecret) {
					return "base64 run " + run
				}
			}
		}
	}
	for _, run := range hexRun.FindAllString(out, -1) {
		for off := range 2 {
			r := run[off:]
			if b, err := hex.DecodeString(r[:len(r)-len(r)%2]); err == nil && containsFold(b, lowSecret) {
				return "hex run " + run
			}
		}
	}
	return ""
}

func containsFold(b []byte, lowSecret string) bool {
	return bytes.Contains(bytes.ToLower(b), []byte(lowSecret))
}

// jsonUnescape undoes the escapes a JSON encoder applies (\u003c, \"), so
// that a secret inside a JSON answer or log line is found as such.
func jsonUnescape(s string) string {
	var out string
	if json.Unmarshal([]byte(`"`+strings.NewReplacer(`"`, `\"`, "\n", `\n`).Replace(s)+`"`), &out) == nil {
		return out
	}
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&", `\"`, `"`, `\\`, `\`).Replace(s)
}
