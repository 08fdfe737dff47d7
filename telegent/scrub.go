package telegent

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// redacted replaces a secret in text and stands for a set secret in
// Redact.
const redacted = "[REDACTED]"

// minScrubbableSecret is the shortest secret whose encodings are distinctive
// enough to find in free text. Text that must be kept free of a shorter one
// is withheld whole: its base64 or hex would be two or three characters,
// found in almost any sentence and so never provably absent.
const minScrubbableSecret = 4

// minSqueezedForm is the shortest squeezed spelling the residue check looks
// for; shorter ones (a secret made mostly of punctuation) are left to the
// exact spellings.
const minSqueezedForm = 4

// scrubber removes a set of secrets from upstream text. Telegent's error
// text is free-form and may echo what we sent in any spelling, so it looks
// for each secret
//   - as is, ignoring the case of ASCII letters, and upper- and lower-cased
//     whole (the text may have been case folded);
//   - JSON-escaped (with and without HTML escaping) and URL-encoded (query
//     and path escaping, either hex case);
//   - hex-encoded, either case, of the secret and of its upper- and
//     lower-cased variants;
//   - base64-encoded, standard and URL alphabets, padded or not, of the
//     secret and its case variants, also when the secret sits inside a
//     longer encoded blob: there it starts at one of three bit alignments,
//     and for each the characters that depend on the secret's bits alone
//     are looked for (see base64Cores); the text may also have been case
//     folded after encoding.
//
// After replacing those it checks the result once more with everything but
// letters and digits removed and letters folded: if any spelling above still
// shows (a secret split by spaces or line breaks, hex with separators such
// as "de:ad" or "%de%ad", base64 wrapped over lines), the text is withheld
// whole rather than trusted.
type scrubber struct {
	// forms are the spellings with ASCII letters lower-cased (foldASCII),
	// which keeps byte offsets: matches in the folded text are replaced in
	// the original.
	forms []string
	// squeezed holds every spelling reduced by squeeze.
	squeezed []string
	// withhold is set when a secret is too short to be found reliably.
	withhold bool
}

// newScrubber prepares a scrubber for secrets; empty ones are ignored.
func newScrubber(secrets []string) *scrubber {
	sc := &scrubber{}
	var forms []string
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		if len(secret) < minScrubbableSecret {
			sc.withhold = true
			continue
		}
		forms = append(forms, secretForms(secret)...)
	}
	for i, f := range forms {
		forms[i] = foldASCII(f)
	}
	slices.Sort(forms)
	sc.forms = slices.Compact(forms)
	for _, f := range sc.forms {
		if s := squeeze(f); len(s) >= minSqueezedForm {
			sc.squeezed = append(sc.squeezed, s)
		}
	}
	return sc
}

// replace returns s with every stretch covered by a spelling of a secret
// replaced by one redacted; overlapping and touching matches (a secret
// inside another, or next to it) become one.
func (sc *scrubber) replace(s string) string {
	if len(sc.forms) == 0 {
		return s
	}
	folded := foldASCII(s)
	type span struct{ start, end int }
	var spans []span
	for _, f := range sc.forms {
		for at := 0; ; {
			i := strings.Index(folded[at:], f)
			if i < 0 {
				break
			}
			spans = append(spans, span{at + i, at + i + len(f)})
			at += i + 1
		}
	}
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var b strings.Builder
	last := 0 // end of what has been written or redacted
	for i := 0; i < len(spans); {
		start, end := spans[i].start, spans[i].end
		for i++; i < len(spans) && spans[i].start <= end; i++ {
			end = max(end, spans[i].end)
		}
		b.WriteString(s[last:start])
		b.WriteString(redacted)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// foldASCII lower-cases ASCII letters only, byte by byte, so the result
// has the same length and byte offsets as s, even where s is not valid
// UTF-8 (strings.Map would turn each invalid byte into three).
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// leaks reports whether s may still carry a secret: one was too short to
// look for, or a spelling shows once separators and letter case are ignored.
func (sc *scrubber) leaks(s string) bool {
	if sc.withhold {
		return true
	}
	if len(sc.squeezed) == 0 {
		return false
	}
	sq := squeeze(s)
	for _, f := range sc.squeezed {
		if strings.Contains(sq, f) {
			return true
		}
	}
	return false
}

// squeeze keeps only letters and digits, lower-cased.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// secretForms lists the spellings of secret that scrubber looks for (letter
// case aside: matching ignores it).
func secretForms(secret string) []string {
	variants := slices.Compact([]string{secret, strings.ToUpper(secret), strings.ToLower(secret)})
	forms := append([]string{url.QueryEscape(secret), url.PathEscape(secret)}, variants...)
	forms = append(forms, jsonEscaped(secret, true), jsonEscaped(secret, false))
	for _, v := range variants {
		forms = append(forms, hex.EncodeToString([]byte(v)))
		for _, core := range base64Cores([]byte(v)) {
			forms = append(forms, core, toURLAlphabet(core))
		}
	}
	// Empty spellings would match everywhere.
	return slices.DeleteFunc(forms, func(f string) bool { return f == "" })
}

// jsonEscaped is secret as it appears between the quotes of a JSON string.
func jsonEscaped(secret string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if enc.Encode(secret) != nil {
		return ""
	}
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// base64Cores returns, for each of the three positions modulo 3 at which b
// can start inside a longer byte string, the base64 characters (standard
// alphabet, no padding) that are determined by b's bits alone. Whatever
// precedes or follows b, and whether the encoding is padded, its base64
// contains one of these three strings. With a bytes before b, b's bits start
// at bit 8a: the first character wholly inside them is ceil(8a/6), the last
// wholly inside ends at bit 8(a+len(b)).
func base64Cores(b []byte) []string {
	cores := make([]string, 0, 3)
	for a := range 3 {
		buf := make([]byte, a+len(b))
		copy(buf[a:], b)
		enc := base64.RawStdEncoding.EncodeToString(buf)
		start, end := (8*a+5)/6, 8*(a+len(b))/6
		if end > start {
			cores = append(cores, enc[start:end])
		}
	}
	return cores
}

// toURLAlphabet turns standard base64 into the URL-safe alphabet.
func toURLAlphabet(s string) string {
	return strings.NewReplacer("+", "-", "/", "_").Replace(s)
}
