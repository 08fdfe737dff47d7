package auth

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
)

// maxConfigFileBytes bounds the token and policy files: they are read whole.
const maxConfigFileBytes = 1 << 20

// Tokens is the set of accepted bearer tokens, kept as SHA-256 hashes.
//
// Why SHA-256 and not bcrypt or argon2: the tokens are meant to be
// high-entropy random strings (32 random bytes; see SECURITY.md), not
// passwords a person chose. Guessing a preimage of a SHA-256 hash of 256
// random bits is infeasible, so a slow hash buys nothing; it would instead
// cost tens of milliseconds of CPU per request, which an unauthenticated
// caller could spend for us at will. The hash file leaking reveals no token.
type Tokens struct {
	entries []tokenEntry
	callers map[string]bool
}

type tokenEntry struct {
	hash   [sha256.Size]byte
	caller string
}

// tokenFile is the JSON form of the token file:
//
//	{"tokens": [{"caller": "billing", "sha256": "<64 hex digits>"}]}
//
// A caller may have several tokens (rotation: add the new one, move the
// caller over, remove the old one).
type tokenFile struct {
	Tokens []struct {
		Caller string `json:"caller"`
		SHA256 string `json:"sha256"`
	} `json:"tokens"`
}

// HashToken is the form a token takes in the token file: the lower-case hex
// SHA-256 of its bytes (what `printf %s "$TOKEN" | sha256sum` prints).
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// LoadTokens reads the token file at path.
func LoadTokens(path string) (*Tokens, error) {
	b, err := readSmallFile(path)
	if err != nil {
		return nil, err
	}
	return ParseTokens(b)
}

// ParseTokens parses a token file. Errors name entries by position and
// never quote the file's content.
func ParseTokens(b []byte) (*Tokens, error) {
	var f tokenFile
	if err := decodeStrict(b, &f); err != nil {
		return nil, fmt.Errorf("parse token file: %w", err)
	}
	if len(f.Tokens) == 0 {
		return nil, errors.New("parse token file: no tokens")
	}
	t := &Tokens{callers: map[string]bool{}}
	seen := map[[sha256.Size]byte]bool{}
	var problems []error
	for i, e := range f.Tokens {
		where := "token " + strconv.Itoa(i+1)
		if err := checkCallerName(e.Caller); err != nil {
			problems = append(problems, fmt.Errorf("%s: caller %w", where, err))
		}
		if strings.HasPrefix(e.Caller, TokenCallerPrefix) || strings.HasPrefix(e.Caller, CNCallerPrefix) {
			// The facade adds "token:" itself; "token:token:x" in the policy
			// would be a surprise, and "cn:" is the certificates' namespace.
			problems = append(problems, fmt.Errorf("%s: caller must be written without a token: or cn: prefix (the policy calls it token:NAME)", where))
		}
		var h [sha256.Size]byte
		if n, err := hex.Decode(h[:], []byte(e.SHA256)); err != nil || n != sha256.Size || len(e.SHA256) != 2*sha256.Size {
			// The value is not quoted: it may be a token pasted by mistake.
			problems = append(problems, fmt.Errorf("%s: sha256 must be 64 hex digits (the SHA-256 of the token, not the token)", where))
			continue
		}
		if seen[h] {
			problems = append(problems, fmt.Errorf("%s: the same token hash appears twice", where))
			continue
		}
		seen[h] = true
		t.entries = append(t.entries, tokenEntry{hash: h, caller: e.Caller})
		t.callers[e.Caller] = true
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("parse token file: %w", err)
	}
	return t, nil
}

// Lookup returns the caller a presented token belongs to, as the token file
// names it (without TokenCallerPrefix). The token is
// hashed and compared with every entry in constant time, without stopping
// at a match, so the time taken says nothing about which entry matched or
// how much of a hash was right.
func (t *Tokens) Lookup(token string) (caller string, ok bool) {
	if t == nil {
		return "", false
	}
	h := sha256.Sum256([]byte(token))
	match := -1
	for i := range t.entries {
		if subtle.ConstantTimeCompare(h[:], t.entries[i].hash[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return "", false
	}
	return t.entries[match].caller, true
}

// Callers lists the callers that have at least one token, as the policy
// names them ("token:NAME"), sorted.
func (t *Tokens) Callers() []string {
	if t == nil {
		return nil
	}
	out := make([]string, 0, len(t.callers))
	for c := range t.callers {
		out = append(out, TokenCallerPrefix+c)
	}
	slices.Sort(out)
	return out
}

// String describes the set without any hash.
func (t *Tokens) String() string {
	if t == nil {
		return "no tokens"
	}
	return fmt.Sprintf("%d tokens for %d callers", len(t.entries), len(t.callers))
}

// GoString keeps %#v from printing the hashes.
func (t *Tokens) GoString() string { return "auth.Tokens{" + t.String() + "}" }

// LogValue logs the set without any hash.
func (t *Tokens) LogValue() slog.Value { return slog.StringValue(t.String()) }

func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxConfigFileBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxConfigFileBytes)
	}
	return b, nil
}

// decodeStrict decodes one JSON object and refuses unknown fields (a
// misspelt "acounts" must not silently mean "no accounts") and trailing
// data. encoding/json's errors name types, fields and offsets, never values.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return fmt.Errorf("invalid JSON at byte %d", syntax.Offset)
		}
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return fmt.Errorf("field %q: wrong JSON type at byte %d", typ.Field, typ.Offset)
		}
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// checkCallerName accepts non-empty printable ASCII names of at most 256
// bytes without leading or trailing spaces (a certificate common name may
// hold inner spaces): they are logged and shown in errors.
func checkCallerName(name string) error {
	if name == "" {
		return errors.New("is empty")
	}
	if len(name) > 256 {
		return errors.New("is longer than 256 bytes")
	}
	if name[0] == ' ' || name[len(name)-1] == ' ' {
		return errors.New("has leading or trailing spaces")
	}
	for i := 0; i < len(name); i++ {
		if name[i] < ' ' || name[i] > '~' {
			return errors.New("must be printable ASCII")
		}
	}
	return nil
}
