package server

import (
	"net/url"
	"strings"
	"testing"
)

func TestURLHost(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"https://api.example.com/telegent/events": "api.example.com",
		"https://api.example.com:8443/x?y#z":      "api.example.com",
		"https://h.example":                       "h.example",
		"https://h.example:/x":                    "h.example",
		"https://u:p@h.example/x":                 "h.example",
		"https://[::1]:8443/x":                    "::1",
		"https://h.example/a%20b":                 "h.example",
		"https://h.example/%zz":                   "",
		"http://h.example/x":                      "h.example",
		"not a url":                               "",
		"":                                        "",
	} {
		if got := urlHost(raw); got != want {
			t.Errorf("urlHost(%q) = %q, want %q", raw, got, want)
		}
	}
}

// FuzzLoggedURLHost: the host logged for any webhook URL is the one
// url.Parse reports, bounded and escaped.
func FuzzLoggedURLHost(f *testing.F) {
	for _, s := range []string{"https://api.example.com/x", "https://h:1/", "https://h:x/", "https://h/%zz", "https://a b/", "https://h/\x7f", "https://:80", "https://\u202ehost/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := boundedValue(urlHost(raw))
		if len([]rune(got)) > maxLoggedRunes+1 || strings.ContainsFunc(got, needsEscape) {
			t.Fatalf("logged host %q of %q is not bounded and escaped", got, raw)
		}
		if u, err := url.Parse(raw); err == nil && len(u.Hostname()) <= maxLoggedRunes && !strings.ContainsFunc(u.Hostname(), needsEscape) && got != u.Hostname() {
			t.Fatalf("logged host %q, url.Parse says %q", got, u.Hostname())
		}
	})
}
