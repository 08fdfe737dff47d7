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
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
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
}

// String describes the configuration without the account secret.
func (c Config) String() string {
	c.AccountSecret = redacted(c.AccountSecret)
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
		slog.String("telegent_account_secret", redacted(c.AccountSecret)),
		slog.Bool("dev", c.Dev),
		slog.Duration("shutdown_grace", c.ShutdownGrace),
		slog.Duration("upstream_timeout", c.UpstreamTimeout),
		slog.Int("max_upstream", c.MaxUpstream),
		slog.Int("breaker_failures", c.BreakerFailures),
		slog.Float64("breaker_failure_ratio", c.BreakerFailureRatio),
		slog.Duration("breaker_open_timeout", c.BreakerOpenTimeout),
		slog.Bool("tracing", c.OTLPEndpoint != ""),
		slog.String("log_level", c.LogLevel.String()),
	)
}

func redacted(secret string) string {
	if secret == "" {
		return ""
	}
	return "[REDACTED]"
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
	fs.StringVar(&logLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (env LOG_LEVEL)")
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
		if err := checkBaseURL(c.TelegentBaseURL); err != nil {
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
	return errors.Join(problems...)
}

// checkBaseURL refuses what the Telegent client would refuse, so that the
// problem is reported with every other one at start-up.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("%q has no host", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("plain http:// is allowed only for loopback hosts, got %q", u.Host)
	default:
		return fmt.Errorf("scheme must be https, got %q", u.Scheme)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
