// Package server wires the facade together: configuration, the gRPC and
// HTTP servers with one interceptor chain for both protocols, health,
// readiness, metrics, tracing, the Telegent client, and graceful shutdown.
package server

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/resilience"
	"github.com/platform/telegent-facade/telegent"
)

// Defaults of the configuration, in one place: the flags show them in
// --help and a Config built in code gets them for its zero fields. The
// first three are fixed by the product's interface.
const (
	DefaultGRPCAddr             = ":9090"
	DefaultHTTPAddr             = ":8080"
	DefaultTelegentBaseURL      = "https://api.telegent.com"
	DefaultShutdownGrace        = 20 * time.Second
	DefaultShutdownDelay        = 5 * time.Second
	DefaultUpstreamTimeout      = 10 * time.Second
	DefaultMaxUpstream          = resilience.DefaultMaxConcurrent
	DefaultMaxRequestBytes      = 64 << 10
	DefaultBreakerFailures      = 5
	DefaultBreakerRatio         = 0.5
	DefaultBreakerOpen          = 10 * time.Second
	DefaultMaxHeaderBytes       = 16 << 10
	DefaultReadHeaderTimeout    = 5 * time.Second
	DefaultLogLevel             = slog.LevelInfo
	DefaultMaxConcurrentStreams = 100
	DefaultMaxConnectionAge     = 30 * time.Minute
	// DefaultMaxConnections bounds the open connections of each listener.
	DefaultMaxConnections = 1024
)

// Config is the facade's whole configuration, loaded once in main.
type Config struct {
	// GRPCAddr is the gRPC listen address.
	GRPCAddr string
	// HTTPAddr is the HTTP listen address: REST, /healthz, /readyz,
	// /openapi.json, and /metrics unless OpsAddr is set.
	HTTPAddr string
	// TelegentBaseURL is Telegent's base URL. Plain http:// is refused
	// unless the host is a loopback address.
	TelegentBaseURL string
	// AccountKey is Telegent's account (distributor) key.
	AccountKey string
	// AccountSecret goes with AccountKey. It comes from a file or the
	// environment, never a flag, and is never logged.
	AccountSecret string
	// AccountSecretFile is the file AccountSecret was read from, if any:
	// re-read while Telegent refuses the credentials.
	AccountSecretFile string
	// Dev runs an embedded Telegent simulator and needs no credentials.
	Dev bool
	// ShutdownGrace bounds how long in-flight calls may take to finish after
	// SIGTERM.
	ShutdownGrace time.Duration
	// ShutdownDelay is how long the listeners keep serving after SIGTERM,
	// with readiness already failed, so that load balancers and clients
	// take the replica out of rotation before it stops accepting.
	ShutdownDelay time.Duration
	// OpsAddr, when set, serves plaintext /healthz, /readyz, /metrics and
	// gRPC health there: kubelet's probes cannot speak TLS. /metrics is
	// then served there only.
	OpsAddr string
	// UpstreamTimeout is the deadline given to calls that arrive without
	// one, and the longest one attempt at Telegent may take.
	UpstreamTimeout time.Duration
	// MaxUpstream is the ceiling of the adaptive limit on concurrent calls
	// to Telegent (see package resilience).
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
	// against this bundle, and identifies its caller by its URI SAN.
	TLSClientCAFile string
	// AuthCertCNFallback names a client certificate without URI SANs by
	// its subject common name ("cn:NAME" in the policy). Off by default.
	AuthCertCNFallback bool
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

	// MaxConcurrentStreams bounds the calls one gRPC connection may have
	// open at once. Zero means DefaultMaxConcurrentStreams.
	MaxConcurrentStreams int
	// MaxConnectionAge closes gRPC connections (after a grace period for
	// the calls in flight) once they are this old, so that clients pick up
	// new certificates and client CAs. Zero means DefaultMaxConnectionAge.
	MaxConnectionAge time.Duration

	// CORSAllowedOrigins is a comma-separated list of browser origins
	// (scheme://host[:port]) that may call the HTTP port: REST, Connect
	// and gRPC-Web. Empty means no CORS at all.
	CORSAllowedOrigins string

	// IdempotencyStore is where request ids are remembered: "memory" (one
	// replica) or redis://HOST:PORT/DB (replicas that share callers).
	// Empty means "memory".
	IdempotencyStore string
	// IdempotencyTTL is how long a request id is remembered. Zero means
	// DefaultIdempotencyTTL.
	IdempotencyTTL time.Duration

	// loaded is the material the files above hold, read once by Load.
	loaded *material
}

// material is what the configuration's files hold, read and checked once
// when the configuration is loaded, and used by the server as read.
type material struct {
	tls         *tlsState      // nil without TLS
	tokens      *auth.Tokens   // nil without bearer tokens
	policy      *auth.Policy   // nil without authentication
	telegentCAs *x509.CertPool // nil: the system roots
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
		slog.Duration("shutdown_delay", c.ShutdownDelay),
		slog.String("ops_addr", c.OpsAddr),
		slog.Duration("upstream_timeout", c.UpstreamTimeout),
		slog.Int("max_upstream", c.MaxUpstream),
		slog.Int("breaker_failures", c.BreakerFailures),
		slog.Float64("breaker_failure_ratio", c.BreakerFailureRatio),
		slog.Duration("breaker_open_timeout", c.BreakerOpenTimeout),
		slog.Bool("tracing", tracingWanted(c.OTLPEndpoint)),
		slog.String("log_level", c.LogLevel.String()),
		slog.Duration("read_header_timeout", c.ReadHeaderTimeout),
		slog.String("tls_cert_file", c.TLSCertFile),
		slog.String("tls_key_file", c.TLSKeyFile),
		slog.String("tls_client_ca_file", c.TLSClientCAFile),
		slog.Bool("auth_cert_cn_fallback", c.AuthCertCNFallback),
		slog.String("auth_tokens_file", c.AuthTokensFile),
		slog.String("auth_policy_file", c.AuthPolicyFile),
		slog.Bool("authentication", c.AuthEnabled()),
		slog.Bool("protect_ops", c.ProtectOps),
		slog.String("telegent_ca_file", c.TelegentCAFile),
		slog.String("debug_addr", c.DebugAddr),
		slog.Int("max_concurrent_streams", c.MaxConcurrentStreams),
		slog.Duration("max_connection_age", c.MaxConnectionAge),
		slog.String("cors_allowed_origins", c.CORSAllowedOrigins),
		slog.String("idempotency_store", c.IdempotencyStore),
		slog.Duration("idempotency_ttl", c.IdempotencyTTL),
	)
}

// ErrVersion is returned by LoadConfig when --version is given: the caller
// prints the build's version and exits.
var ErrVersion = errors.New("version requested")

// option is one setting: its flag, its environment variable, its default
// and its rule. Adding a setting is a Config field, a Default constant and
// one entry in Config.options.
type option struct {
	name  string // the flag, without dashes
	env   string // "" when the setting has no environment variable
	usage string
	// define registers the flag, with the default as its value.
	define func(fs *flag.FlagSet, usage string)
	// check reports what is wrong with the setting's value, or nil.
	check func() error
}

// opt binds a setting of type T at p; check may be nil.
func opt[T string | bool | int | float64 | time.Duration | slog.Level](p *T, name, env string, def T, usage string, check func(T) error) option {
	o := option{name: name, env: env, usage: usage}
	o.define = func(fs *flag.FlagSet, usage string) {
		switch p := any(p).(type) {
		case *string:
			fs.StringVar(p, name, any(def).(string), usage)
		case *bool:
			fs.BoolVar(p, name, any(def).(bool), usage)
		case *int:
			fs.IntVar(p, name, any(def).(int), usage)
		case *float64:
			fs.Float64Var(p, name, any(def).(float64), usage)
		case *time.Duration:
			fs.DurationVar(p, name, any(def).(time.Duration), usage)
		case *slog.Level:
			fs.TextVar(p, name, any(def).(slog.Level), usage)
		}
	}
	if check != nil {
		o.check = func() error {
			if err := check(*p); err != nil {
				return fmt.Errorf("--%s: %w", name, err)
			}
			return nil
		}
	}
	return o
}

// Rules shared by several settings.
func positive[T int | float64 | time.Duration](v T) error {
	if v <= 0 {
		return fmt.Errorf("must be positive, got %v", v)
	}
	return nil
}

func notNegative[T int | time.Duration](v T) error {
	if v < 0 {
		return fmt.Errorf("must not be negative, got %v", v)
	}
	return nil
}

func listenAddr(addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	return nil
}

// options are every setting that has a flag, bound to c's fields. The order
// is --help's.
func (c *Config) options() []option {
	return []option{
		opt(&c.GRPCAddr, "grpc-addr", "GRPC_ADDR", DefaultGRPCAddr, "gRPC listen address", listenAddr),
		opt(&c.HTTPAddr, "http-addr", "HTTP_ADDR", DefaultHTTPAddr, "HTTP listen address for REST, /healthz, /readyz, /openapi.json, and /metrics unless --ops-addr is set", listenAddr),
		opt(&c.TelegentBaseURL, "telegent-base-url", "TELEGENT_BASE_URL", DefaultTelegentBaseURL, "Telegent API base URL; http:// only for loopback hosts", nil),
		opt(&c.AccountKey, "telegent-account-key", "TELEGENT_ACCOUNT_KEY", "", "Telegent account key, required unless --dev", nil),
		opt(&c.Dev, "dev", "FACADE_DEV", false, "run on an embedded Telegent simulator; no credentials needed", nil),
		opt(&c.ShutdownGrace, "shutdown-grace", "SHUTDOWN_GRACE", DefaultShutdownGrace, "how long in-flight calls may take to finish on SIGTERM", positive),
		opt(&c.ShutdownDelay, "shutdown-delay", "SHUTDOWN_DELAY", DefaultShutdownDelay, "after SIGTERM, how long readiness fails while the listeners still serve, before they stop accepting", notNegative),
		opt(&c.OpsAddr, "ops-addr", "OPS_ADDR", "", "plaintext listen address for /healthz, /readyz, /metrics and gRPC health (probes when TLS is on); when set, /metrics is served only here; off when empty", func(addr string) error {
			if addr == "" {
				return nil
			}
			return listenAddr(addr)
		}),
		opt(&c.UpstreamTimeout, "upstream-timeout", "UPSTREAM_TIMEOUT", DefaultUpstreamTimeout, "deadline for calls that arrive without one, and the cap on each attempt at Telegent", positive),
		opt(&c.MaxUpstream, "max-upstream", "MAX_UPSTREAM", DefaultMaxUpstream, "ceiling of the adaptive limit on concurrent calls to Telegent", positive),
		opt(&c.BreakerFailures, "breaker-failures", "BREAKER_FAILURES", DefaultBreakerFailures, "consecutive Telegent failures (5xx, timeouts, connection errors) that open the circuit breaker", positive),
		opt(&c.BreakerFailureRatio, "breaker-failure-ratio", "BREAKER_FAILURE_RATIO", DefaultBreakerRatio, "share of failed calls (of at least 20 in 30s) that opens the breaker; above 1 disables the rule", positive),
		opt(&c.BreakerOpenTimeout, "breaker-open-timeout", "BREAKER_OPEN_TIMEOUT", DefaultBreakerOpen, "how long the breaker stays open before probing Telegent again", positive),
		opt(&c.MaxConcurrentStreams, "max-concurrent-streams", "MAX_CONCURRENT_STREAMS", DefaultMaxConcurrentStreams, "maximum calls in flight on one gRPC connection", notNegative),
		opt(&c.MaxConnectionAge, "max-connection-age", "MAX_CONNECTION_AGE", DefaultMaxConnectionAge, "gRPC connections are closed, after a grace period for their calls, once this old; clients reconnect with current certificates", notNegative),
		opt(&c.OTLPEndpoint, "otlp-endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTLP endpoint URL (http:// means plaintext; OTEL_EXPORTER_OTLP_PROTOCOL picks grpc or http/protobuf); tracing is off when empty", checkOTLPEndpoint),
		opt(&c.CORSAllowedOrigins, "cors-allowed-origins", "CORS_ALLOWED_ORIGINS", "", "comma-separated browser origins (scheme://host[:port]) that may call REST, Connect and gRPC-Web; no CORS when empty", func(list string) error {
			_, err := parseOrigins(list)
			return err
		}),
		opt(&c.IdempotencyStore, "idempotency-store", "IDEMPOTENCY_STORE", IdempotencyStoreMemory, "where request ids are remembered: memory, or redis://HOST:PORT/DB for replicas that share callers", checkIdempotencyStore),
		opt(&c.IdempotencyTTL, "idempotency-ttl", "IDEMPOTENCY_TTL", DefaultIdempotencyTTL, "how long a request id is remembered", positive),
		opt(&c.DebugAddr, "debug-addr", "DEBUG_ADDR", "", "loopback address to serve net/http/pprof on; off when empty", func(addr string) error {
			if addr == "" {
				return nil
			}
			return debugAddrProblem(addr)
		}),
		opt(&c.LogLevel, "log-level", "LOG_LEVEL", DefaultLogLevel, "debug, info, warn or error", nil),
		opt(&c.ReadHeaderTimeout, "read-header-timeout", "READ_HEADER_TIMEOUT", DefaultReadHeaderTimeout, "time a client may take to send HTTP request headers, or to set up a TLS or HTTP/2 connection on either listener", notNegative),
		opt(&c.TLSCertFile, "tls-cert-file", "TLS_CERT_FILE", "", "PEM certificate (chain) for both listeners; with --tls-key-file enables TLS; reloaded when the file changes", nil),
		opt(&c.TLSKeyFile, "tls-key-file", "TLS_KEY_FILE", "", "PEM private key for --tls-cert-file; reloaded when the file changes", nil),
		opt(&c.TLSClientCAFile, "tls-client-ca-file", "TLS_CLIENT_CA_FILE", "", "PEM CA bundle for client certificates; enables mTLS: a presented certificate must verify, and names the caller; turns authentication on", nil),
		opt(&c.AuthCertCNFallback, "auth-cert-cn-fallback", "AUTH_CERT_CN_FALLBACK", false, "name client certificates without a URI SAN by their subject common name (cn:NAME in the policy); only for a client CA that issues for this facade alone", nil),
		opt(&c.AuthTokensFile, "auth-tokens-file", "AUTH_TOKENS_FILE", "", "JSON file of callers and SHA-256 hashes of their bearer tokens; turns authentication on", nil),
		opt(&c.AuthPolicyFile, "auth-policy-file", "AUTH_POLICY_FILE", "", "JSON file mapping each caller to the account ids (exact or prefix) it may create webhooks for; required with authentication", nil),
		opt(&c.ProtectOps, "protect-ops", "PROTECT_OPS", false, "require authentication for /metrics, /readyz, gRPC health and reflection too; /healthz stays open", nil),
		opt(&c.TelegentCAFile, "telegent-ca-file", "TELEGENT_CA_FILE", "", "PEM CA bundle that replaces the system roots for verifying Telegent's certificate", nil),
	}
}

// LoadConfig reads flags from args, falling back to the environment (getenv)
// for every flag that is not given, then validates the configuration and
// loads its files (TLS, tokens, policy, CA) once; the returned Config carries
// them to New. With a problem, it returns the settings as read beside it. --help prints usage to usage and returns flag.ErrHelp;
// --version returns ErrVersion. Usage shows the defaults, never a value
// from the environment. Every problem is reported at once, except that
// parsing stops at the first malformed flag.
func LoadConfig(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("telegent-facade", flag.ContinueOnError)
	// The flag package would print a malformed flag's error and the whole
	// usage; the caller prints the error once instead.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	opts := c.options()
	for _, o := range opts {
		u := o.usage
		if o.env != "" {
			u += " (env " + o.env + ")"
		}
		o.define(fs, u)
	}
	var secretFile string
	var version bool
	fs.StringVar(&secretFile, "telegent-account-secret-file", "", "file holding the Telegent account secret; or set env TELEGENT_ACCOUNT_SECRET to the value itself. Required unless --dev")
	fs.BoolVar(&version, "version", false, "print the version, revision and Go version, and exit")
	// A malformed value is recorded and parsing goes on, so that every
	// problem is reported together.
	var problems []error
	fs.VisitAll(func(f *flag.Flag) {
		lv := lenientValue{Value: f.Value, name: f.Name, problems: &problems}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			f.Value = lenientBool{lv}
		} else {
			f.Value = lv
		}
	})
	err := fs.Parse(args)
	fs.VisitAll(func(f *flag.Flag) { f.Value = f.Value.(lenientValueOf).strict() })
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(usage)
			fmt.Fprintln(usage, "Usage of telegent-facade (flags override the environment):")
			fs.PrintDefaults()
		}
		return Config{}, err
	}
	if version {
		return Config{}, ErrVersion
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Errorf("unexpected arguments: %q", fs.Args()))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, o := range opts {
		if v := getenv(o.env); o.env != "" && v != "" && !given[o.name] {
			f := fs.Lookup(o.name)
			prev := f.Value.String()
			if err := f.Value.Set(v); err != nil {
				_ = f.Value.Set(prev)
				problems = append(problems, fmt.Errorf("%s: %w", o.env, err))
			}
		}
	}

	c.AccountSecret = getenv("TELEGENT_ACCOUNT_SECRET")
	if secretFile != "" {
		b, err := os.ReadFile(secretFile)
		if err != nil {
			// The path is not secret; the content is never printed.
			problems = append(problems, fmt.Errorf("--telegent-account-secret-file: %w", err))
		}
		c.AccountSecret = strings.TrimSpace(string(b))
		c.AccountSecretFile = secretFile
	}
	loaded, err := c.Load()
	if err := errors.Join(append(problems, err)...); err != nil {
		// The settings as read, so that the caller can report more
		// problems with them (see CheckListen).
		return c, err
	}
	return loaded, nil
}

// CheckListen reports every listen address of c that cannot be bound now
// (another process has it, say), so that a start-up that fails for other
// reasons reports these too. It binds each address and closes it at once.
func CheckListen(c Config) error {
	var problems []error
	for _, a := range []struct{ flag, addr string }{{"--grpc-addr", c.GRPCAddr}, {"--http-addr", c.HTTPAddr}, {"--debug-addr", c.DebugAddr}} {
		if a.addr == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(a.addr); err != nil || port == "0" {
			continue // reported by Validate, or any free port will do
		}
		l, err := net.Listen("tcp", a.addr)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s %s: %w", a.flag, a.addr, err))
			continue
		}
		_ = l.Close()
	}
	return errors.Join(problems...)
}

// lenientValue records a malformed flag value as a problem instead of
// stopping the parse.
type lenientValue struct {
	flag.Value
	name     string
	problems *[]error
}

func (v lenientValue) Set(s string) error {
	prev := v.Value.String()
	if err := v.Value.Set(s); err != nil {
		// The flag package's values are zeroed by a failed Set; the
		// previous value keeps the rules from reporting it a second time.
		_ = v.Value.Set(prev)
		*v.problems = append(*v.problems, fmt.Errorf("--%s %q: %w", v.name, s, err))
	}
	return nil
}

func (v lenientValue) strict() flag.Value { return v.Value }

// lenientBool is a lenientValue of a boolean flag, which takes no argument.
type lenientBool struct{ lenientValue }

func (lenientBool) IsBoolFlag() bool { return true }

type lenientValueOf interface{ strict() flag.Value }

// Validate reports every problem of the configuration at once, its files
// included.
func (c Config) Validate() error {
	_, err := c.Load()
	return err
}

// Load validates the configuration and reads its files, once: the returned
// Config carries what they hold, and New uses it as read. Every problem is
// reported at once. Zero values of the settings that document one get
// their defaults.
func (c Config) Load() (Config, error) {
	if c.MaxConcurrentStreams == 0 {
		c.MaxConcurrentStreams = DefaultMaxConcurrentStreams
	}
	if c.MaxConnectionAge == 0 {
		c.MaxConnectionAge = DefaultMaxConnectionAge
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.IdempotencyStore == "" {
		c.IdempotencyStore = IdempotencyStoreMemory
	}
	if c.IdempotencyTTL == 0 {
		c.IdempotencyTTL = DefaultIdempotencyTTL
	}
	var problems []error
	for _, o := range c.options() {
		if o.check != nil {
			problems = append(problems, o.check())
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
	m, securityProblems := c.loadSecurity()
	c.loaded = m
	if err := errors.Join(append(problems, securityProblems...)...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// loadSecurity checks the TLS and authentication settings and loads their
// files, so that a bad file is reported with every other problem. File
// errors never quote file contents.
func (c Config) loadSecurity() (*material, []error) {
	var problems []error
	m := &material{}
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
		var err error
		if m.tls, err = loadTLSFiles(c.TLSCertFile, c.TLSKeyFile, c.TLSClientCAFile); err != nil {
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
	if c.AuthCertCNFallback && c.TLSClientCAFile == "" {
		problems = append(problems, errors.New("--auth-cert-cn-fallback needs client certificates: --tls-client-ca-file"))
	}
	var err error
	if c.AuthTokensFile != "" {
		if m.tokens, err = auth.LoadTokens(c.AuthTokensFile); err != nil {
			problems = append(problems, fmt.Errorf("--auth-tokens-file: %w", err))
		}
	}
	if c.AuthPolicyFile != "" {
		if m.policy, err = auth.LoadPolicy(c.AuthPolicyFile); err != nil {
			problems = append(problems, fmt.Errorf("--auth-policy-file: %w", err))
		}
	}
	if c.TelegentCAFile != "" {
		if m.telegentCAs, err = loadCertPool(c.TelegentCAFile); err != nil {
			problems = append(problems, fmt.Errorf("--telegent-ca-file: %w", err))
		}
	}
	return m, problems
}
