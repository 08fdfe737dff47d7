package server_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/platform/telegent-facade/server"
)

func TestLoadConfigIdempotencyCallerLimitAndRedis(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	passwordFile, caFile := filepath.Join(dir, "password"), filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(passwordFile, []byte("redis-password-98\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(caFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}

	c, err := server.LoadConfig([]string{"--dev"}, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.IdempotencyCallerLimit != 10_000 {
		t.Errorf("default caller limit = %d, want 10000", c.IdempotencyCallerLimit)
	}
	c, err = server.LoadConfig([]string{"--dev", "--idempotency-store", "rediss://facade@redis.internal:6380/2",
		"--idempotency-redis-password-file", passwordFile},
		env(map[string]string{"IDEMPOTENCY_CALLER_LIMIT": "250"}), &bytes.Buffer{})
	if err != nil {
		t.Fatalf("rediss:// with a username and a password file: %v", err)
	}
	if c.IdempotencyCallerLimit != 250 || c.IdempotencyRedisPasswordFile != passwordFile {
		t.Errorf("caller limit %d, password file %q", c.IdempotencyCallerLimit, c.IdempotencyRedisPasswordFile)
	}
	if strings.Contains(c.String(), "redis-password-98") {
		t.Errorf("the configuration shows the Redis password: %s", c.String())
	}

	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"password in the URL":         {[]string{"--idempotency-store", "rediss://u:hunter2@redis:6380/0"}, "--idempotency-redis-password-file"},
		"password in a bad URL":       {[]string{"--idempotency-store", "rediss://u:hunter2@redis:bad/0"}, "--idempotency-store"},
		"caller limit negative":       {[]string{"--idempotency-caller-limit", "-1"}, "--idempotency-caller-limit"},
		"CA file without TLS":         {[]string{"--idempotency-store", "redis://redis:6379/0", "--idempotency-redis-ca-file", caFile}, "rediss://"},
		"CA file without certificate": {[]string{"--idempotency-store", "rediss://redis:6379/0", "--idempotency-redis-ca-file", caFile}, "no PEM certificate"},
		"missing password file":       {[]string{"--idempotency-store", "rediss://redis:6379/0", "--idempotency-redis-password-file", filepath.Join(dir, "absent")}, "password file"},
		"redis files with memory":     {[]string{"--idempotency-redis-password-file", passwordFile}, "--idempotency-store"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := server.LoadConfig(append([]string{"--dev"}, tc.args...), env(nil), &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error shows the password: %v", err)
			}
			c, _ := server.LoadConfig(append([]string{"--dev"}, tc.args...), env(nil), &bytes.Buffer{})
			if strings.Contains(c.String(), "hunter2") {
				t.Fatalf("the configuration shows the password: %s", c.String())
			}
		})
	}
}
