package telegent

import (
	"encoding/base64"
	"strings"
	"testing"
)

// BenchmarkSanitizeReason is the cost of a failed create's reason: four
// secrets looked for in every spelling in a typical one-line message.
func BenchmarkSanitizeReason(b *testing.B) {
	secrets := []string{testPassword, testHookToken, testSecret, "TgTok_4f9a1c77e2b04d0b9e1d"}
	msg := "The request is invalid: WebhookUrl must be reachable and AuthenticationType must be one of None, Basic, Token " + strings.Repeat("x", 40)
	b.ReportAllocs()
	for b.Loop() {
		if sanitizeReason(msg, secrets) == "" {
			b.Fatal("withheld")
		}
	}
}

func TestScrubberReplace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"ascii case ignored", []string{"secretValue9"}, "x SECRETVALUE9 y sEcReTvAlUe9", "x [REDACTED] y [REDACTED]"},
		{"secret inside another", []string{"abcd1234wxyz", "cd1234wx"}, "<abcd1234wxyz>", "<[REDACTED]>"},
		{"touching secrets", []string{"first-secret", "second-secret"}, "first-secretsecond-secret!", "[REDACTED]!"},
		{"overlapping secrets", []string{"alpha-beta", "beta-gamma"}, "alpha-beta-gamma", "[REDACTED]"},
		{"offsets kept around multi-byte text", []string{"secretValue9"}, "é…SecretValue9…ü", "é…[REDACTED]…ü"},
		{"non-ASCII secret upper-cased whole", []string{"pässwört-42"}, "got PÄSSWÖRT-42", "got [REDACTED]"},
		{"offsets kept around invalid UTF-8", []string{"secretValue9"}, "\xff\xfeSECRETVALUE9\xff!", "\xff\xfe[REDACTED]\xff!"},
		{"nothing to find", []string{"secretValue9"}, "all fine", "all fine"},
		{"no secrets", nil, "all fine", "all fine"},
	}
	for _, tc := range tests {
		if got := newScrubber(tc.secrets).replace(tc.in); got != tc.want {
			t.Errorf("%s: replace(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestScrubberWithholds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secrets []string
		in      string
		leaks   bool
	}{
		{"secret too short to look for", []string{"abc"}, "all fine", true},
		{"hex with separators", []string{"secretValue9"}, "73:65:63:72:65:74:56:61:6c:75:65:39", true},
		{"spaced out", []string{"secretValue9"}, "s e c r e t V a l u e 9", true},
		{"clean text", []string{"secretValue9"}, "nothing here", false},
		{"redacted text", []string{"secretValue9"}, "x [REDACTED] y", false},
	}
	for _, tc := range tests {
		if got := newScrubber(tc.secrets).leaks(tc.in); got != tc.leaks {
			t.Errorf("%s: leaks(%q) = %v, want %v", tc.name, tc.in, got, tc.leaks)
		}
	}
}

// TestBase64Cores: for every alignment the core is a substring of the
// encoding of the secret inside any blob, padded or not.
func TestBase64Cores(t *testing.T) {
	t.Parallel()
	secret := []byte(testSecret)
	cores := base64Cores(secret)
	if len(cores) != 3 {
		t.Fatalf("cores = %q, want three", cores)
	}
	for before := range 6 {
		for after := range 4 {
			blob := append(append([]byte(strings.Repeat("\xff", before)), secret...), strings.Repeat("\x00", after)...)
			enc := base64.StdEncoding.EncodeToString(blob)
			if !strings.Contains(enc, cores[before%3]) {
				t.Errorf("%d bytes before, %d after: %q does not contain core %q", before, after, enc, cores[before%3])
			}
		}
	}
}
