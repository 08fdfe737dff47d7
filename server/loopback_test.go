package server_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/platform/telegent-facade/server"
)

// TestLoadConfigPlainHTTPOnlyToLiteralLoopback: the start-up configuration
// applies the one loopback rule (internal/netutil) to the Telegent base URL
// and the debug address. A name that DNS could send elsewhere is refused,
// so the account secret never leaves in clear.
func TestLoadConfigPlainHTTPOnlyToLiteralLoopback(t *testing.T) {
	t.Parallel()
	base := map[string]string{"TELEGENT_ACCOUNT_KEY": "key", "TELEGENT_ACCOUNT_SECRET": "secret"}
	for _, tc := range []struct {
		flag, value string
		ok          bool
	}{
		{"--telegent-base-url", "http://127.0.0.1:8080", true},
		{"--telegent-base-url", "http://[::1]:8080", true},
		{"--telegent-base-url", "http://localhost:8080", true},
		{"--telegent-base-url", "http://localhost.:8080", false},
		{"--telegent-base-url", "http://LOCALHOST:8080", false},
		{"--telegent-base-url", "http://localhost.localdomain:8080", false},
		{"--telegent-base-url", "http://127.0.0.1.nip.io:8080", false},
		{"--debug-addr", "127.0.0.1:6060", true},
		{"--debug-addr", "localhost:6060", true},
		{"--debug-addr", "localhost.:6060", false},
		{"--debug-addr", "Localhost:6060", false},
	} {
		_, err := server.LoadConfig([]string{tc.flag, tc.value}, env(base), &bytes.Buffer{})
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s %s: %v", tc.flag, tc.value, err)
		case !tc.ok && err == nil:
			t.Errorf("%s %s: accepted, want refused", tc.flag, tc.value)
		case !tc.ok && !(strings.Contains(err.Error(), tc.flag) && strings.Contains(err.Error(), "loopback")):
			t.Errorf("%s %s: error does not name the flag and the loopback rule: %v", tc.flag, tc.value, err)
		}
	}
}
