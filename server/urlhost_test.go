package server

import (
	"net/url"
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

// FuzzPlainURLHost: where the shortcut answers, url.Parse agrees.
func FuzzPlainURLHost(f *testing.F) {
	for _, s := range []string{"https://api.example.com/x", "https://h:1/", "https://h:x/", "https://h/%zz", "https://a b/", "https://h/\x7f", "https://:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		host, ok := plainURLHost(raw)
		if !ok {
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("plainURLHost(%q) = %q, but url.Parse fails: %v", raw, host, err)
		}
		if u.Hostname() != host {
			t.Fatalf("plainURLHost(%q) = %q, url.Parse says %q", raw, host, u.Hostname())
		}
	})
}
