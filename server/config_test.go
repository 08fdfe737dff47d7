package server_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platform/telegent-facade/server"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestLoadConfigDefaultsEnvAndFlags(t *testing.T) {
	t.Parallel()
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("from-file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		args  []string
		env   map[string]string
		check func(t *testing.T, c server.Config)
	}{
		"defaults with dev": {
			args: []string{"--dev"},
			check: func(t *testing.T, c server.Config) {
				if c.GRPCAddr != ":9090" || c.HTTPAddr != ":8080" || c.TelegentBaseURL != "https://api.telegent.com" || !c.Dev {
					t.Errorf("defaults: %v", c)
				}
			},
		},
		"environment fallbacks": {
			env: map[string]string{"GRPC_ADDR": "127.0.0.1:1", "HTTP_ADDR": "127.0.0.1:2", "TELEGENT_BASE_URL": "http://127.0.0.1:3",
				"TELEGENT_ACCOUNT_KEY": "DID-k", "TELEGENT_ACCOUNT_SECRET": "env-secret", "UPSTREAM_TIMEOUT": "3s", "MAX_UPSTREAM": "7"},
			check: func(t *testing.T, c server.Config) {
				if c.GRPCAddr != "127.0.0.1:1" || c.HTTPAddr != "127.0.0.1:2" || c.AccountKey != "DID-k" || c.AccountSecret != "env-secret" ||
					c.UpstreamTimeout != 3*time.Second || c.MaxUpstream != 7 {
					t.Errorf("env: %v", c)
				}
			},
		},
		"flags beat environment, secret from a file": {
			args: []string{"--grpc-addr", "127.0.0.1:5", "--telegent-account-secret-file", secretFile, "--telegent-account-key", "DID-flag"},
			env:  map[string]string{"GRPC_ADDR": "127.0.0.1:1", "TELEGENT_ACCOUNT_KEY": "DID-env", "TELEGENT_ACCOUNT_SECRET": "env-secret"},
			check: func(t *testing.T, c server.Config) {
				if c.GRPCAddr != "127.0.0.1:5" || c.AccountKey != "DID-flag" || c.AccountSecret != "from-file-secret" {
					t.Errorf("flags: %v", c)
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := server.LoadConfig(tc.args, env(tc.env), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestLoadConfigReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := server.LoadConfig(
		[]string{"--telegent-base-url", "http://api.example.com", "--grpc-addr", "nope", "--max-upstream", "0", "--log-level", "loud"},
		env(map[string]string{"SHUTDOWN_GRACE": "soon"}), &bytes.Buffer{})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"SHUTDOWN_GRACE", "--log-level", "--grpc-addr", "loopback", "--telegent-account-key", "TELEGENT_ACCOUNT_SECRET", "--max-upstream"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestLoadConfigHelp(t *testing.T) {
	t.Parallel()
	var usage bytes.Buffer
	_, err := server.LoadConfig([]string{"--help"}, env(nil), &usage)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"GRPC_ADDR", "HTTP_ADDR", "TELEGENT_BASE_URL", "TELEGENT_ACCOUNT_KEY", "TELEGENT_ACCOUNT_SECRET", "FACADE_DEV"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("--help does not document %s", want)
		}
	}
}

func TestConfigNeverShowsTheSecret(t *testing.T) {
	t.Parallel()
	c, err := server.LoadConfig(nil, env(map[string]string{"TELEGENT_ACCOUNT_KEY": "DID-k", "TELEGENT_ACCOUNT_SECRET": "hush-hush-123"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", slog.Any("config", c))
	for what, s := range map[string]string{"String": c.String(), "%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c), "slog": logged.String()} {
		if strings.Contains(s, "hush-hush-123") {
			t.Errorf("%s shows the secret: %s", what, s)
		}
	}
	if c.AccountSecret != "hush-hush-123" {
		t.Error("the secret itself was lost")
	}
}

func TestLoadConfigStreamAndConnectionLimits(t *testing.T) {
	t.Parallel()
	c, err := server.LoadConfig([]string{"--dev"}, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxConcurrentStreams != server.DefaultMaxConcurrentStreams || c.MaxConnectionAge != server.DefaultMaxConnectionAge {
		t.Errorf("defaults: streams %d, age %v", c.MaxConcurrentStreams, c.MaxConnectionAge)
	}
	c, err = server.LoadConfig([]string{"--dev", "--max-connection-age", "5m"}, env(map[string]string{"MAX_CONCURRENT_STREAMS": "7", "MAX_CONNECTION_AGE": "1h"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxConcurrentStreams != 7 || c.MaxConnectionAge != 5*time.Minute {
		t.Errorf("env and flag: streams %d, age %v", c.MaxConcurrentStreams, c.MaxConnectionAge)
	}
	if _, err := server.LoadConfig([]string{"--dev", "--max-concurrent-streams", "-1"}, env(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--max-concurrent-streams") {
		t.Errorf("negative streams: %v", err)
	}
}
