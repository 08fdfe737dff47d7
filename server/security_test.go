package server

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/internal/testpki"
)

// securityFiles writes a certificate, key, client CA, token file and
// policy file, and returns their paths and the one bearer token.
type securityFiles struct {
	cert, key, clientCA, tokens, policy string
	token                               string
}

func writeSecurityFiles(t *testing.T) securityFiles {
	t.Helper()
	dir := t.TempDir()
	ca := testpki.NewCA(t, "test CA")
	c := ca.Issue(t, true, "server")
	f := securityFiles{
		cert: filepath.Join(dir, "cert.pem"), key: filepath.Join(dir, "key.pem"), clientCA: filepath.Join(dir, "ca.PEM"),
		tokens: filepath.Join(dir, "tokens.json"), policy: filepath.Join(dir, "policy.json"),
		token: "tok-" + strings.Repeat("Zq9", 12),
	}
	now := time.Now()
	put(t, f.cert, c.CertPEM, now)
	put(t, f.key, c.KeyPEM, now)
	put(t, f.clientCA, ca.PEM, now)
	put(t, f.tokens, []byte(`{"tokens": [{"caller": "svc", "sha256": "`+auth.HashToken(f.token)+`"}]}`), now)
	put(t, f.policy, []byte(`{"callers": [{"caller": "token:svc", "accounts": ["AID-1"]}]}`), now)
	return f
}

func TestLoadConfigSecurityFlags(t *testing.T) {
	t.Parallel()
	f := writeSecurityFiles(t)
	fromEnv := map[string]string{
		"TLS_CERT_FILE": f.cert, "TLS_KEY_FILE": f.key, "TLS_CLIENT_CA_FILE": f.clientCA,
		"AUTH_TOKENS_FILE": f.tokens, "AUTH_POLICY_FILE": f.policy, "PROTECT_OPS": "true", "AUTH_CERT_CN_FALLBACK": "true",
		"TELEGENT_CA_FILE": f.clientCA, "READ_HEADER_TIMEOUT": "250ms",
	}
	fromFlags := []string{"--tls-cert-file", f.cert, "--tls-key-file", f.key, "--tls-client-ca-file", f.clientCA,
		"--auth-tokens-file", f.tokens, "--auth-policy-file", f.policy, "--protect-ops", "--auth-cert-cn-fallback",
		"--telegent-ca-file", f.clientCA, "--read-header-timeout", "250ms"}
	for name, in := range map[string]struct {
		args []string
		env  map[string]string
	}{"flags": {fromFlags, nil}, "environment": {nil, fromEnv}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := LoadConfig(append([]string{"--dev"}, in.args...), func(k string) string { return in.env[k] }, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			want := Config{TLSCertFile: f.cert, TLSKeyFile: f.key, TLSClientCAFile: f.clientCA, AuthTokensFile: f.tokens,
				AuthPolicyFile: f.policy, ProtectOps: true, TelegentCAFile: f.clientCA, ReadHeaderTimeout: 250 * time.Millisecond, AuthCertCNFallback: true}
			got := Config{TLSCertFile: c.TLSCertFile, TLSKeyFile: c.TLSKeyFile, TLSClientCAFile: c.TLSClientCAFile, AuthTokensFile: c.AuthTokensFile,
				AuthPolicyFile: c.AuthPolicyFile, ProtectOps: c.ProtectOps, TelegentCAFile: c.TelegentCAFile, ReadHeaderTimeout: c.ReadHeaderTimeout, AuthCertCNFallback: c.AuthCertCNFallback}
			if got != want {
				t.Errorf("config = %+v\nwant %+v", got, want)
			}
			if !c.TLSEnabled() || !c.AuthEnabled() {
				t.Errorf("TLSEnabled %v, AuthEnabled %v", c.TLSEnabled(), c.AuthEnabled())
			}
		})
	}
	t.Run("defaults", func(t *testing.T) {
		c, err := LoadConfig([]string{"--dev"}, func(string) string { return "" }, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if c.TLSEnabled() || c.AuthEnabled() || c.ProtectOps || c.ReadHeaderTimeout != DefaultReadHeaderTimeout {
			t.Errorf("defaults: %+v", c)
		}
	})
	t.Run("help", func(t *testing.T) {
		var usage bytes.Buffer
		if _, err := LoadConfig([]string{"--help"}, func(string) string { return "" }, &usage); !errors.Is(err, flag.ErrHelp) {
			t.Fatal(err)
		}
		for _, want := range []string{"--tls-cert-file", "TLS_CERT_FILE", "--tls-key-file", "TLS_KEY_FILE", "--tls-client-ca-file",
			"TLS_CLIENT_CA_FILE", "--auth-tokens-file", "AUTH_TOKENS_FILE", "--auth-policy-file", "AUTH_POLICY_FILE",
			"--protect-ops", "PROTECT_OPS", "--auth-cert-cn-fallback", "AUTH_CERT_CN_FALLBACK", "--telegent-ca-file", "TELEGENT_CA_FILE", "--read-header-timeout", "READ_HEADER_TIMEOUT"} {
			if !strings.Contains(usage.String(), strings.TrimPrefix(want, "-")) {
				t.Errorf("--help does not mention %s", want)
			}
		}
	})
}

func TestValidateSecurity(t *testing.T) {
	t.Parallel()
	f := writeSecurityFiles(t)
	dir := t.TempDir()
	badTokens := filepath.Join(dir, "bad-tokens.json")
	put(t, badTokens, []byte(`{"tokens": [{"caller": "svc", "sha256": "`+f.token+`"}]}`), time.Now())
	base := func() Config {
		return Config{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Dev: true, ShutdownGrace: time.Second, UpstreamTimeout: time.Second,
			MaxUpstream: 1, BreakerFailures: 1, BreakerFailureRatio: 0.5, BreakerOpenTimeout: time.Second}
	}
	tests := map[string]struct {
		mutate func(*Config)
		want   []string // "" entries: valid
	}{
		"nothing":           {func(*Config) {}, nil},
		"tls":               {func(c *Config) { c.TLSCertFile, c.TLSKeyFile = f.cert, f.key }, nil},
		"tokens and policy": {func(c *Config) { c.AuthTokensFile, c.AuthPolicyFile = f.tokens, f.policy }, nil},
		"mtls and policy": {func(c *Config) {
			c.TLSCertFile, c.TLSKeyFile, c.TLSClientCAFile, c.AuthPolicyFile = f.cert, f.key, f.clientCA, f.policy
		}, nil},
		"cert without key":    {func(c *Config) { c.TLSCertFile = f.cert }, []string{"--tls-cert-file and --tls-key-file must be given together"}},
		"key without cert":    {func(c *Config) { c.TLSKeyFile = f.key }, []string{"--tls-cert-file and --tls-key-file must be given together"}},
		"mtls without tls":    {func(c *Config) { c.TLSClientCAFile, c.AuthPolicyFile = f.clientCA, f.policy }, []string{"--tls-client-ca-file (mTLS) needs --tls-cert-file"}},
		"key is not the cert": {func(c *Config) { c.TLSCertFile, c.TLSKeyFile = f.cert, f.cert }, []string{"--tls-key-file"}},
		"auth without policy": {func(c *Config) { c.AuthTokensFile = f.tokens }, []string{"needs --auth-policy-file"}},
		"policy without auth": {func(c *Config) { c.AuthPolicyFile = f.policy }, []string{"--auth-policy-file needs authentication"}},
		"protect-ops alone":   {func(c *Config) { c.ProtectOps = true }, []string{"--protect-ops needs authentication"}},
		"cn fallback without mtls": {func(c *Config) {
			c.AuthTokensFile, c.AuthPolicyFile, c.AuthCertCNFallback = f.tokens, f.policy, true
		}, []string{"--auth-cert-cn-fallback needs client certificates"}},
		"negative timeout":    {func(c *Config) { c.ReadHeaderTimeout = -time.Second }, []string{"--read-header-timeout"}},
		"bad tokens file":     {func(c *Config) { c.AuthTokensFile, c.AuthPolicyFile = badTokens, f.policy }, []string{"--auth-tokens-file", "64 hex digits"}},
		"tokens file missing": {func(c *Config) { c.AuthTokensFile, c.AuthPolicyFile = filepath.Join(dir, "nope"), f.policy }, []string{"--auth-tokens-file"}},
		"policy is tokens":    {func(c *Config) { c.AuthTokensFile, c.AuthPolicyFile = f.tokens, f.tokens }, []string{"--auth-policy-file", `unknown field "tokens"`}},
		"telegent CA not PEM": {func(c *Config) { c.TelegentCAFile = f.tokens }, []string{"--telegent-ca-file"}},
		"every problem at once": {func(c *Config) {
			c.TLSCertFile, c.ProtectOps, c.AuthPolicyFile, c.TelegentCAFile = f.cert, true, f.policy, f.tokens
		}, []string{"must be given together", "--protect-ops", "--auth-policy-file needs", "--telegent-ca-file"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := base()
			tc.mutate(&c)
			err := c.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("valid, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), f.token) {
				t.Errorf("the error quotes a token: %v", err)
			}
		})
	}
}

// TestConfigDumpsShowNoSecrets: the configuration as printed and logged
// names the security files but shows neither their content nor the
// account secret.
func TestConfigDumpsShowNoSecrets(t *testing.T) {
	t.Parallel()
	f := writeSecurityFiles(t)
	c := Config{AccountSecret: "acct-secret-dump-test", TLSCertFile: f.cert, TLSKeyFile: f.key, AuthTokensFile: f.tokens, AuthPolicyFile: f.policy}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("starting", slog.Any("config", c))
	for _, dump := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%+v", c), logged.String()} {
		for _, secret := range []string{"acct-secret-dump-test", f.token, auth.HashToken(f.token), "PRIVATE KEY"} {
			if strings.Contains(dump, secret) {
				t.Errorf("a configuration dump shows %q: %s", secret, dump)
			}
		}
	}
	if !strings.Contains(logged.String(), f.tokens) || !strings.Contains(logged.String(), `"authentication":true`) {
		t.Errorf("the logged configuration does not say where tokens come from: %s", logged.String())
	}
}

type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }

func TestWarnings(t *testing.T) {
	t.Parallel()
	f := writeSecurityFiles(t)
	tests := map[string]struct {
		cfg   Config
		addrs map[string]net.Addr
		want  []string
		not   []string
	}{
		"auth off, loopback": {Config{}, map[string]net.Addr{"grpc": fakeAddr("127.0.0.1:9090"), "http": fakeAddr("[::1]:8080")},
			nil, []string{"AUTHENTICATION IS OFF"}},
		"auth off, wildcard": {Config{}, map[string]net.Addr{"grpc": fakeAddr("[::]:9090"), "http": fakeAddr("127.0.0.1:8080")},
			[]string{"CALLER AUTHENTICATION IS OFF", `"listeners":"grpc=[::]:9090"`}, nil},
		"auth off, host address": {Config{}, map[string]net.Addr{"grpc": fakeAddr("10.0.0.5:9090"), "http": fakeAddr("0.0.0.0:8080")},
			[]string{`"listeners":"grpc=10.0.0.5:9090,http=0.0.0.0:8080"`}, nil},
		"tokens in plain text": {Config{AuthTokensFile: f.tokens, AuthPolicyFile: f.policy}, map[string]net.Addr{"grpc": fakeAddr("[::]:9090")},
			[]string{"bearer tokens are accepted over plain text"}, []string{"AUTHENTICATION IS OFF"}},
		"auth off, ops on a host address": {Config{}, map[string]net.Addr{"grpc": fakeAddr("127.0.0.1:9090"), "http": fakeAddr("127.0.0.1:8080"), "ops": fakeAddr("0.0.0.0:9091")},
			[]string{"CALLER AUTHENTICATION IS OFF", `"listeners":"ops=0.0.0.0:9091"`}, nil},
		"tokens in plain text, only ops exposed": {Config{AuthTokensFile: f.tokens, AuthPolicyFile: f.policy}, map[string]net.Addr{"grpc": fakeAddr("127.0.0.1:9090"), "ops": fakeAddr("0.0.0.0:9091")},
			nil, []string{"plain text", "AUTHENTICATION IS OFF"}},
		"tokens over TLS": {Config{AuthTokensFile: f.tokens, AuthPolicyFile: f.policy, TLSCertFile: f.cert, TLSKeyFile: f.key}, map[string]net.Addr{"grpc": fakeAddr("[::]:9090")},
			nil, []string{"plain text", "AUTHENTICATION IS OFF"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&logs, nil))
			sec, err := newSecurity(tc.cfg, newMetrics(), logger)
			if err != nil {
				t.Fatal(err)
			}
			sec.warn(logger, tc.addrs)
			for _, w := range tc.want {
				if !strings.Contains(logs.String(), w) || !strings.Contains(logs.String(), `"level":"WARN"`) {
					t.Errorf("no warning with %s:\n%s", w, logs.String())
				}
			}
			for _, n := range tc.not {
				if strings.Contains(logs.String(), n) {
					t.Errorf("unexpected %q:\n%s", n, logs.String())
				}
			}
		})
	}
}

// TestNewWithSecurity starts the server with TLS and authentication from
// files and checks the wiring that only New can show: the HTTP server
// serves TLS, and ReadHeaderTimeout is the configured one.
func TestNewWithSecurity(t *testing.T) {
	t.Parallel()
	f := writeSecurityFiles(t)
	cfg := Config{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Dev: true, ShutdownGrace: time.Second, UpstreamTimeout: time.Second,
		MaxUpstream: 1, BreakerFailures: 1, BreakerFailureRatio: 0.5, BreakerOpenTimeout: time.Second,
		TLSCertFile: f.cert, TLSKeyFile: f.key, AuthTokensFile: f.tokens, AuthPolicyFile: f.policy, ReadHeaderTimeout: 300 * time.Millisecond}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		s.grpcServer.Stop()
		s.closeListeners()
	}()
	if s.httpServer.TLSConfig == nil || s.httpServer.ReadHeaderTimeout != 300*time.Millisecond {
		t.Errorf("HTTP server: TLS %v, ReadHeaderTimeout %v", s.httpServer.TLSConfig != nil, s.httpServer.ReadHeaderTimeout)
	}
	if err := os.Remove(f.policy); err != nil {
		t.Fatal(err)
	}
	if _, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "--auth-policy-file") {
		t.Errorf("New without its policy file: %v", err)
	}
}

// TestWarningsNameOpsListener: the listeners New warns about include the
// ops listener, which answers without authentication.
func TestWarningsNameOpsListener(t *testing.T) {
	t.Parallel()
	cfg := Config{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Dev: true, ShutdownGrace: time.Second, UpstreamTimeout: time.Second,
		MaxUpstream: 1, BreakerFailures: 1, BreakerFailureRatio: 0.5, BreakerOpenTimeout: time.Second}
	s, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		s.grpcServer.Stop()
		s.closeListeners()
		_ = s.ops.lis.Close()
	}()
	if got := s.listenerAddrs()["ops"]; got == nil || got.String() != s.OpsAddr().String() {
		t.Errorf("listeners warned about: %v, want the ops listener %v among them", s.listenerAddrs(), s.OpsAddr())
	}
}
