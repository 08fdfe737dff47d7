// Package server wires the facade together: configuration, the gRPC and
// HTTP servers with one interceptor chain for both protocols, health,
// readiness, metrics, tracing, the Telegent client, and graceful shutdown.
package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/telegent"
)

// Defaults of the configuration. The first four are fixed by the product's
// interface.
const (
	DefaultGRPCAddr          = ":9090"
	DefaultHTTPAddr          = ":8080"
	DefaultTelegentBaseURL   = "https://api.telegent.com"
	DefaultShutdownGrace     = 20 * time.Second
	DefaultUpstreamTimeout   = 10 * time.Second
	DefaultMaxUpstream       = 64
	DefaultMaxRequestBytes   = 64 << 10
	DefaultBreakerFailures   = 5
	DefaultBreakerRatio      = 0.5
	DefaultBreakerOpen       = 10 * time.Second
	DefaultMaxHeaderBytes    = 16 << 10
	DefaultReadHeaderTimeout = 5 * time.Second
)

// Config is the facade's whole configuration, loaded once in main.
type Config struct {
	// GRPCAddr is the gRPC listen address.
	GRPCAddr string
	// HTTPAddr is the HTTP listen address: REST, /healthz, /readyz,
	// /metrics and /openapi.json.
	HTTPAddr string
	// TelegentBaseURL is Telegent's base URL. Plain http:// is refused
	// unless the host is a loopback address.
	TelegentBaseURL string
	// AccountKey is Telegent's account (distributor) key.
	AccountKey string
	// AccountSecret goes with AccountKey. It comes from a file or the
	// environment, never a flag, and is never logged.
	AccountSecret string
	// Dev runs an embedded Telegent simulator and needs no credentials.
	Dev bool
	// ShutdownGrace bounds how long in-flight calls may take to finish after
	// SIGTERM.
	ShutdownGrace time.Duration
	// UpstreamTimeout is the deadline given to calls that arrive without
	// one, and the longest one attempt at Telegent may take.
	UpstreamTimeout time.Duration
	// MaxUpstream bounds concurrent calls to Telegent.
	MaxUpstream int
	// BreakerFailures is how many consecutive upstream failures open the
	// circuit breaker.
	BreakerFailures int
	// BreakerFailureRatio opens the breaker when this share of at least 20
	// calls in the last 30s failed; above 1 disables the rule.
	BreakerFailureRatio float64
	// BreakerOpenTimeout is how long the breaker stays open before probing.
	BreakerOpenTimeout time.Duration
	// OTLPEndpoint enables OpenTelemetry tracing (OTLP over gRPC) when set.
	OTLPEndpoint string
	// LogLevel is the minimum level logged.
	LogLevel slog.Level
	// ReadHeaderTimeout bounds how long a client may take to send an HTTP
	// request's headers, and to set up a connection (TLS and HTTP/2
	// handshakes) on either listener: slow clients are cut off. Zero means
	// DefaultReadHeaderTimeout, never "no limit".
	ReadHeaderTimeout time.Duration

	// TLSCertFile and TLSKeyFile enable TLS on both listeners. The files
	// are reloaded when they change.
	TLSCertFile, TLSKeyFile string
	// TLSClientCAFile enables mTLS: a client certificate must verify
	// against this bundle, and identifies its caller.
	TLSClientCAFile string
	// AuthTokensFile enables bearer-token authentication; it holds SHA-256
	// hashes of the tokens, never the tokens.
	AuthTokensFile string
	// AuthPolicyFile maps each caller to the account ids it may use.
	// Required when authentication is on.
	AuthPolicyFile string
	// ProtectOps requires authentication for /metrics, /readyz, gRPC
	// health and reflection too. /healthz stays open.
	ProtectOps bool
	// TelegentCAFile replaces the system roots for verifying Telegent's
	// certificate (a private CA, a TLS-inspecting proxy).
	TelegentCAFile string

	// DebugAddr, when set, serves net/http/pprof there for profiling; it
	// must be a loopback address.
	DebugAddr string
}

// TLSEnabled reports whether the listeners serve TLS.
func (c Config) TLSEnabled() bool { return c.TLSCertFile != "" }

// AuthEnabled reports whether callers must authenticate: with bearer
// tokens, or with client certificates (mTLS).
func (c Config) AuthEnabled() bool { return c.AuthTokensFile != "" || c.TLSClientCAFile != "" }

// String describes the configuration without the account secret.
func (c Config) String() string {
	c.AccountSecret = telegent.Redact(c.AccountSecret)
	type plain Config // no String method: no recursion
	return fmt.Sprintf("%+v", plain(c))
}

// GoString keeps %#v from printing the account secret.
func (c Config) GoString() string { return c.String() }

// LogValue logs the configuration without the account secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("grpc_addr", c.GRPCAddr),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("telegent_base_url", c.TelegentBaseURL),
		slog.String("telegent_account_key", c.AccountKey),
		slog.String("telegent_account_secret", telegent.Redact(c.AccountSecret)),
		slog.Bool("dev", c.Dev),
		slog.Duration("shutdown_grace", c.ShutdownGrace),
		slog.Duration("upstream_timeout", c.UpstreamTimeout),
		slog.Int("max_upstream", c.MaxUpstream),
		slog.Int("breaker_failures", c.BreakerFailures),
		slog.Float64("breaker_failure_ratio", c.BreakerFailureRatio),
		slog.Duration("breaker_open_timeout", c.BreakerOpenTimeout),
		slog.Bool("tracing", c.OTLPEndpoint != ""),
		slog.String("log_level", c.LogLevel.String()),
		slog.Duration("read_header_timeout", c.ReadHeaderTimeout),
		slog.String("tls_cert_file", c.TLSCertFile),
		slog.String("tls_key_file", c.TLSKeyFile),
		slog.String("tls_client_ca_file", c.TLSClientCAFile),
		slog.String("auth_tokens_file", c.AuthTokensFile),
		slog.String("auth_policy_file", c.AuthPolicyFile),
		slog.Bool("authentication", c.AuthEnabled()),
		slog.Bool("protect_ops", c.ProtectOps),
		slog.String("telegent_ca_file", c.TelegentCAFile),
		slog.String("debug_addr", c.DebugAddr),
	)
}

// LoadConfig reads flags from args, falling back to the environment (getenv)
// for every flag that is not given. --help prints usage to usage and returns
// flag.ErrHelp.
func LoadConfig(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	fs := flag.NewFlagSet("telegent-facade", flag.ContinueOnError)
	fs.SetOutput(usage)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var problems []error
	envDuration := func(name string, def time.Duration) time.Duration {
		v := getenv(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", name, err))
			return def
		}
		return d
	}
	envInt := func(name string, def int) int {
		v := getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", name, err))
			return def
		}
		return n
	}
	envFloat := func(name string, def float64) float64 {
		v := getenv(name)
		if v == "" {
			return def
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", name, err))
			return def
		}
		return f
	}
	envBool := func(name string) bool {
		v := getenv(name)
		if v == "" {
			return false
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", name, err))
		}
		return b
	}

	var c Config
	var secretFile, logLevel string
	fs.StringVar(&c.GRPCAddr, "grpc-addr", env("GRPC_ADDR", DefaultGRPCAddr), "gRPC listen address (env GRPC_ADDR)")
	fs.StringVar(&c.HTTPAddr, "http-addr", env("HTTP_ADDR", DefaultHTTPAddr), "HTTP listen address for REST, /healthz, /readyz, /metrics, /openapi.json (env HTTP_ADDR)")
	fs.StringVar(&c.TelegentBaseURL, "telegent-base-url", env("TELEGENT_BASE_URL", DefaultTelegentBaseURL), "Telegent API base URL; http:// only for loopback hosts (env TELEGENT_BASE_URL)")
	fs.StringVar(&c.AccountKey, "telegent-account-key", getenv("TELEGENT_ACCOUNT_KEY"), "Telegent account key, required unless --dev (env TELEGENT_ACCOUNT_KEY)")
	fs.StringVar(&secretFile, "telegent-account-secret-file", "", "file holding the Telegent account secret; or set env TELEGENT_ACCOUNT_SECRET to the value itself. Required unless --dev")
	fs.BoolVar(&c.Dev, "dev", envBool("FACADE_DEV"), "run on an embedded Telegent simulator; no credentials needed (env FACADE_DEV)")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", envDuration("SHUTDOWN_GRACE", DefaultShutdownGrace), "how long in-flight calls may take to finish on SIGTERM (env SHUTDOWN_GRACE)")
	fs.DurationVar(&c.UpstreamTimeout, "upstream-timeout", envDuration("UPSTREAM_TIMEOUT", DefaultUpstreamTimeout), "deadline for calls that arrive without one, and the cap on each attempt at Telegent (env UPSTREAM_TIMEOUT)")
	fs.IntVar(&c.MaxUpstream, "max-upstream", envInt("MAX_UPSTREAM", DefaultMaxUpstream), "maximum concurrent calls to Telegent (env MAX_UPSTREAM)")
	fs.IntVar(&c.BreakerFailures, "breaker-failures", envInt("BREAKER_FAILURES", DefaultBreakerFailures), "consecutive Telegent failures (5xx, timeouts, connection errors) that open the circuit breaker (env BREAKER_FAILURES)")
	fs.Float64Var(&c.BreakerFailureRatio, "breaker-failure-ratio", envFloat("BREAKER_FAILURE_RATIO", DefaultBreakerRatio), "share of failed calls (of at least 20 in 30s) that opens the breaker; above 1 disables the rule (env BREAKER_FAILURE_RATIO)")
	fs.DurationVar(&c.BreakerOpenTimeout, "breaker-open-timeout", envDuration("BREAKER_OPEN_TIMEOUT", DefaultBreakerOpen), "how long the breaker stays open before probing Telegent again (env BREAKER_OPEN_TIMEOUT)")
	fs.StringVar(&c.OTLPEndpoint, "otlp-endpoint", getenv("OTEL_EXPORTER_OTLP_ENDPOINT"), "OTLP/gRPC endpoint; tracing is off when empty (env OTEL_EXPORTER_OTLP_ENDPOINT)")
	fs.StringVar(&c.DebugAddr, "debug-addr", getenv("DEBUG_ADDR"), "loopback address to serve net/http/pprof on; off when empty (env DEBUG_ADDR)")
	fs.StringVar(&logLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (env LOG_LEVEL)")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", envDuration("READ_HEADER_TIMEOUT", DefaultReadHeaderTimeout), "time a client may take to send HTTP request headers, or to set up a TLS or HTTP/2 connection on either listener (env READ_HEADER_TIMEOUT)")
	fs.StringVar(&c.TLSCertFile, "tls-cert-file", getenv("TLS_CERT_FILE"), "PEM certificate (chain) for both listeners; with --tls-key-file enables TLS; reloaded when the file changes (env TLS_CERT_FILE)")
	fs.StringVar(&c.TLSKeyFile, "tls-key-file", getenv("TLS_KEY_FILE"), "PEM private key for --tls-cert-file; reloaded when the file changes (env TLS_KEY_FILE)")
	fs.StringVar(&c.TLSClientCAFile, "tls-client-ca-file", getenv("TLS_CLIENT_CA_FILE"), "PEM CA bundle for client certificates; enables mTLS: a presented certificate must verify, and its URI SAN or common name is the caller; turns authentication on (env TLS_CLIENT_CA_FILE)")
	fs.StringVar(&c.AuthTokensFile, "auth-tokens-file", getenv("AUTH_TOKENS_FILE"), "JSON file of callers and SHA-256 hashes of their bearer tokens; turns authentication on (env AUTH_TOKENS_FILE)")
	fs.StringVar(&c.AuthPolicyFile, "auth-policy-file", getenv("AUTH_POLICY_FILE"), "JSON file mapping each caller to the account ids (exact or prefix) it may create webhooks for; required with authentication (env AUTH_POLICY_FILE)")
	fs.BoolVar(&c.ProtectOps, "protect-ops", envBool("PROTECT_OPS"), "require authentication for /metrics, /readyz, gRPC health and reflection too; /healthz stays open (env PROTECT_OPS)")
	fs.StringVar(&c.TelegentCAFile, "telegent-ca-file", getenv("TELEGENT_CA_FILE"), "PEM CA bundle that replaces the system roots for verifying Telegent's certificate (env TELEGENT_CA_FILE)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Errorf("unexpected arguments: %q", fs.Args()))
	}
	if err := c.LogLevel.UnmarshalText([]byte(logLevel)); err != nil {
		problems = append(problems, fmt.Errorf("--log-level: %w", err))
	}

	c.AccountSecret = getenv("TELEGENT_ACCOUNT_SECRET")
	if secretFile != "" {
		b, err := os.ReadFile(secretFile)
		if err != nil {
			// The path is not secret; the content is never printed.
			problems = append(problems, fmt.Errorf("--telegent-account-secret-file: %w", err))
		}
		c.AccountSecret = strings.TrimSpace(string(b))
	}
	if err := errors.Join(append(problems, c.Validate())...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var problems []error
	for name, addr := range map[string]string{"--grpc-addr": c.GRPCAddr, "--http-addr": c.HTTPAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			problems = append(problems, fmt.Errorf("%s %q: %w", name, addr, err))
		}
	}
	if _, port, _ := net.SplitHostPort(c.GRPCAddr); c.GRPCAddr == c.HTTPAddr && port != "0" {
		problems = append(problems, fmt.Errorf("--grpc-addr and --http-addr are both %q", c.GRPCAddr))
	}
	if !c.Dev {
		if err := telegent.CheckBaseURL(c.TelegentBaseURL); err != nil {
			problems = append(problems, fmt.Errorf("--telegent-base-url: %w", err))
		}
		if c.AccountKey == "" {
			problems = append(problems, errors.New("--telegent-account-key (or TELEGENT_ACCOUNT_KEY) is required unless --dev"))
		}
		if c.AccountSecret == "" {
			problems = append(problems, errors.New("--telegent-account-secret-file (or TELEGENT_ACCOUNT_SECRET) is required unless --dev"))
		}
	}
	if c.ShutdownGrace <= 0 {
		problems = append(problems, fmt.Errorf("--shutdown-grace must be positive, got %v", c.ShutdownGrace))
	}
	if c.UpstreamTimeout <= 0 {
		problems = append(problems, fmt.Errorf("--upstream-timeout must be positive, got %v", c.UpstreamTimeout))
	}
	if c.MaxUpstream < 1 {
		problems = append(problems, fmt.Errorf("--max-upstream must be at least 1, got %d", c.MaxUpstream))
	}
	if c.BreakerFailures < 1 {
		problems = append(problems, fmt.Errorf("--breaker-failures must be at least 1, got %d", c.BreakerFailures))
	}
	if c.BreakerFailureRatio <= 0 {
		problems = append(problems, fmt.Errorf("--breaker-failure-ratio must be positive, got %v", c.BreakerFailureRatio))
	}
	if c.BreakerOpenTimeout <= 0 {
		problems = append(problems, fmt.Errorf("--breaker-open-timeout must be positive, got %v", c.BreakerOpenTimeout))
	}
	if c.DebugAddr != "" {
		if err := debugAddrProblem(c.DebugAddr); err != nil {
			problems = append(problems, fmt.Errorf("--debug-addr %q: %w", c.DebugAddr, err))
		}
	}
	if c.ReadHeaderTimeout < 0 {
		problems = append(problems, fmt.Errorf("--read-header-timeout must not be negative, got %v", c.ReadHeaderTimeout))
	}
	problems = append(problems, c.securityProblems()...)
	return errors.Join(problems...)
}

// securityProblems checks the TLS and authentication settings, and that
// their files load, so that a bad file is reported with every other
// problem. File errors never quote file contents.
func (c Config) securityProblems() []error {
	var problems []error
	tlsPair := true
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		problems = append(problems, errors.New("--tls-cert-file and --tls-key-file must be given together"))
		tlsPair = false
	}
	if c.TLSClientCAFile != "" && c.TLSCertFile == "" {
		problems = append(problems, errors.New("--tls-client-ca-file (mTLS) needs --tls-cert-file and --tls-key-file"))
		tlsPair = false
	}
	if tlsPair && c.TLSEnabled() {
		if _, err := loadTLS(c.TLSCertFile, c.TLSKeyFile, c.TLSClientCAFile); err != nil {
			problems = append(problems, err)
		}
	}
	switch {
	case c.AuthEnabled() && c.AuthPolicyFile == "":
		problems = append(problems, errors.New("authentication (--auth-tokens-file or --tls-client-ca-file) needs --auth-policy-file: it says which accounts each caller may use"))
	case !c.AuthEnabled() && c.AuthPolicyFile != "":
		problems = append(problems, errors.New("--auth-policy-file needs authentication: --auth-tokens-file or --tls-client-ca-file"))
	}
	if c.ProtectOps && !c.AuthEnabled() {
		problems = append(problems, errors.New("--protect-ops needs authentication: --auth-tokens-file or --tls-client-ca-file"))
	}
	if c.AuthTokensFile != "" {
		if _, err := auth.LoadTokens(c.AuthTokensFile); err != nil {
			problems = append(problems, fmt.Errorf("--auth-tokens-file: %w", err))
		}
	}
	if c.AuthPolicyFile != "" {
		if _, err := auth.LoadPolicy(c.AuthPolicyFile); err != nil {
			problems = append(problems, fmt.Errorf("--auth-policy-file: %w", err))
		}
	}
	if c.TelegentCAFile != "" {
		if _, err := loadCertPool(c.TelegentCAFile); err != nil {
			problems = append(problems, fmt.Errorf("--telegent-ca-file: %w", err))
		}
	}
	return problems
}

// isLoopback reports whether host is "localhost" or a loopback IP: where
// the debug listener may bind.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
