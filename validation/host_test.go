package validation

import (
	"net/url"
	"testing"
)

// TestWebhookHostAgreesWithURLParse: the hand-cut host is the one net/url
// finds, for every shape the proto's pattern accepts.
func TestWebhookHostAgreesWithURLParse(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"https://example.com",
		"https://example.com/",
		"https://example.com:8443",
		"https://example.com:8443/a:b?c=d:e#f:g",
		"https://example.com?x=[::1]",
		"https://example.com#frag/ment",
		"https://203.0.113.7:443/hook",
		"https://[2001:db8::1]/hook",
		"https://[2001:db8::1]:8443?x",
		"https://[::ffff:7f00:1]#f",
		"https://a-b.c-d.example",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("url.Parse(%q): %v", raw, err)
		}
		got, ok := webhookHost(raw)
		if !ok || got != u.Hostname() {
			t.Errorf("webhookHost(%q) = %q, %v; url.Parse finds %q", raw, got, ok, u.Hostname())
		}
	}
	for _, raw := range []string{"http://example.com", "https://[::1", ""} {
		if got, ok := webhookHost(raw); ok {
			t.Errorf("webhookHost(%q) = %q, want no host", raw, got)
		}
	}
}
