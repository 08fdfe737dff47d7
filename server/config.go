// Package server wires the facade together: configuration, the gRPC and
// HTTP servers with one interceptor chain for both protocols, health,
// readiness, metrics, tracing, the Telegent client, and graceful shutdown.
package server

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alecthomas/kong"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/internal/cliconf"
	"github.com/platform/telegent-facade/resilience"
	"github.com/platform/telegent-facade/telegent"
)

// Defaults that code besides the configuration uses too. They reach the
// flags through configVars; every other default is written in its tag.
const (
	DefaultMaxRequestBytes      = 64 << 10
	DefaultMaxHeaderBytes       = 16 << 10
	DefaultReadHeaderTimeout    = 5 * time.Second
	DefaultMaxConcurrentStreams = 100
	// DefaultMaxConnectionAge is short so that clients rebalance onto new
	// pods within minutes of a scale-out.
	DefaultMaxConnectionAge = 5 * time.Minute
	// DefaultMaxConnections bounds the open connections of each listener.
	DefaultMaxConnections = 1024
	// envAccountSecret holds the Telegent account secret itself; see the
	// secretenv tag of Config.AccountSecretFile.
	envAccountSecret = "TELEGENT_ACCOUNT_SECRET"
	// DefaultMaxPendingPerClient bounds, per listener, the connections one
	// client address may hold before its first request (see connguard).
	DefaultMaxPendingPerClient = 64
)

// configVars are the values the tags of Config interpolate: ${name}.
func configVars() kong.Vars {
	return kong.Vars{
		"max_upstream":             strconv.Itoa(resilience.DefaultMaxConcurrent),
		"read_header_timeout":      DefaultReadHeaderTimeout.String(),
		"max_concurrent_streams":   strconv.Itoa(DefaultMaxConcurrentStreams),
		"max_connection_age":       DefaultMaxConnectionAge.String(),
		"max_pending_per_client":   strconv.Itoa(DefaultMaxPendingPerClient),
		"idempotency_store":        IdempotencyStoreMemory,
		"idempotency_ttl":          DefaultIdempotencyTTL.String(),
		"idempotency_caller_limit": strconv.Itoa(DefaultIdempotencyCallerLimit),
	}
}

// Config is the facade's whole configuration, loaded once in main. Each
// setting is declared once, here: its flag (name), environment variable
// (env), default, help, rules (check) and README row all come from its
// tags, through package cliconf and github.com/alecthomas/kong.
//
// How to add a setting:
//   - add a field in the section it belongs to, with name:"flag-name",
//     env:"ENV_NAME" (the product's exact names), default:"value" (or
//     default:"${var}" with a configVars entry when code elsewhere uses the
//     same constant), help:"..." and, if its value has rules,
//     check:"positive" / "notnegative" / "listen" / a rule of configRules
//     ("omitempty," first when empty means off); unset:"off" says what the
//     README shows without a default; zero:"default" gives the default to
//     a Config built in code that leaves the field zero;
//   - LogValue logs it by its flag's name; log:"-" leaves it out;
//   - a secret is never a flag: give it a kong:"-" field (never logged),
//     read its environment variable in LoadConfig and its file in
//     Validate (tag the file's flag secretenv:"ENV_NAME"), and redact it
//     in String and LogValue;
//   - put rules between settings in Validate;
//   - run make configdoc to rewrite the README's flag table.
type Config struct {
	// GRPCAddr is the gRPC listen address.
	GRPCAddr string `name:"grpc-addr" env:"GRPC_ADDR" default:":9090" check:"listen" help:"gRPC listen address"`
	// HTTPAddr is the HTTP listen address: REST, /healthz, /readyz,
	// /openapi.json, and /metrics unless OpsAddr is set.
	HTTPAddr string `name:"http-addr" env:"HTTP_ADDR" default:":8080" check:"listen" help:"HTTP listen address for REST, Connect, gRPC-Web, /healthz, /readyz, /openapi.json, and /metrics unless --ops-addr is set"`
	// TelegentBaseURL is Telegent's base URL. Plain http:// is refused
	// unless the host is a loopback address.
	TelegentBaseURL string `name:"telegent-base-url" env:"TELEGENT_BASE_URL" default:"https://api.telegent.com" help:"Telegent API base URL; http:// only for loopback hosts"`
	// AccountKey is Telegent's account (distributor) key.
	AccountKey string `name:"telegent-account-key" env:"TELEGENT_ACCOUNT_KEY" unset:"required unless --dev" help:"Telegent account key"`
	// AccountSecretFile names a file holding AccountSecret.
	AccountSecretFile string `name:"telegent-account-secret-file" secretenv:"TELEGENT_ACCOUNT_SECRET" unset:"required unless --dev" help:"file holding the Telegent account secret; the secret is never a plain flag"`
	// AccountSecret goes with AccountKey. It comes from AccountSecretFile
	// or the environment, never a flag, and is never logged.
	AccountSecret string `kong:"-"`
	// Dev runs an embedded Telegent simulator and needs no credentials.
	Dev bool `name:"dev" env:"FACADE_DEV" help:"run on an embedded Telegent simulator; no credentials needed"`
	// ShutdownDelay is how long the listeners keep serving after SIGTERM,
	// with readiness already failed, so that load balancers and clients
	// take the replica out of rotation before it stops accepting.
	ShutdownDelay time.Duration `name:"shutdown-delay" env:"SHUTDOWN_DELAY" default:"5s" check:"notnegative" help:"after SIGTERM, how long readiness fails while the listeners still serve, before they stop accepting"`
	// ShutdownGrace bounds how long in-flight calls may take to finish after
	// SIGTERM.
	ShutdownGrace time.Duration `name:"shutdown-grace" env:"SHUTDOWN_GRACE" default:"20s" check:"positive" help:"then, how long in-flight calls may take to finish"`
	// OpsAddr, when set, serves plaintext /healthz, /readyz, /metrics and
	// gRPC health there: kubelet's probes cannot speak TLS. /metrics is
	// then served there only.
	OpsAddr string `name:"ops-addr" env:"OPS_ADDR" unset:"off" check:"omitempty,listen" help:"plaintext listen address for /healthz, /readyz, /metrics and gRPC health (probes when TLS is on); when set, /metrics is served only here"`
	// UpstreamTimeout is the deadline given to calls that arrive without
	// one, and the longest one attempt at Telegent may take.
	UpstreamTimeout time.Duration `name:"upstream-timeout" env:"UPSTREAM_TIMEOUT" default:"10s" check:"positive" help:"deadline for calls that arrive without one, and the cap on each attempt at Telegent"`
	// MaxUpstream is the ceiling of the adaptive limit on concurrent calls
	// to Telegent (see package resilience).
	MaxUpstream int `name:"max-upstream" env:"MAX_UPSTREAM" default:"${max_upstream}" check:"positive" help:"ceiling of the adaptive limit on concurrent calls to Telegent"`
	// BreakerFailures is how many consecutive upstream failures open the
	// circuit breaker.
	BreakerFailures int `name:"breaker-failures" env:"BREAKER_FAILURES" default:"5" check:"positive" help:"consecutive Telegent failures (5xx, timeouts, connection errors) that open the circuit breaker"`
	// BreakerFailureRatio opens the breaker when this share of at least 20
	// calls in the last 30s failed; above 1 disables the rule.
	BreakerFailureRatio float64 `name:"breaker-failure-ratio" env:"BREAKER_FAILURE_RATIO" default:"0.5" check:"positive" help:"share of failed calls (of at least 20 in 30s) that opens the breaker; above 1 disables the rule"`
	// BreakerOpenTimeout is how long the breaker stays open before probing.
	BreakerOpenTimeout time.Duration `name:"breaker-open-timeout" env:"BREAKER_OPEN_TIMEOUT" default:"10s" check:"positive" help:"how long the breaker stays open before probing Telegent again"`
	// OTLPEndpoint enables OpenTelemetry tracing (OTLP over gRPC) when set.
	OTLPEndpoint string `name:"otlp-endpoint" env:"OTEL_EXPORTER_OTLP_ENDPOINT" unset:"off" check:"otlp" log:"-" help:"OTLP endpoint URL (http:// means plaintext; OTEL_EXPORTER_OTLP_PROTOCOL picks grpc or http/protobuf); tracing is off when empty"`
	// Logging holds LogLevel, the minimum level logged.
	cliconf.Logging
	// DebugAddr, when set, serves net/http/pprof there for profiling; it
	// must be a loopback address.
	DebugAddr string `name:"debug-addr" env:"DEBUG_ADDR" unset:"off" check:"omitempty,debug-addr" help:"loopback address to serve net/http/pprof on"`

	// TLSCertFile and TLSKeyFile enable TLS on both listeners. The files
	// are reloaded when they change.
	TLSCertFile string `name:"tls-cert-file" env:"TLS_CERT_FILE" unset:"off" help:"PEM certificate (chain) for both listeners; with --tls-key-file enables TLS; reloaded when the file changes"`
	TLSKeyFile  string `name:"tls-key-file" env:"TLS_KEY_FILE" unset:"off" help:"PEM private key for --tls-cert-file; reloaded when the file changes"`
	// TLSClientCAFile enables mTLS: a client certificate must verify
	// against this bundle, and identifies its caller by its URI SAN.
	TLSClientCAFile string `name:"tls-client-ca-file" env:"TLS_CLIENT_CA_FILE" unset:"off" help:"PEM CA bundle for client certificates; enables mTLS: a presented certificate must verify, and names the caller; turns authentication on"`
	// AuthCertCNFallback names a client certificate without URI SANs by
	// its subject common name ("cn:NAME" in the policy). Off by default.
	AuthCertCNFallback bool `name:"auth-cert-cn-fallback" env:"AUTH_CERT_CN_FALLBACK" help:"name client certificates without a URI SAN by their subject common name (cn:NAME in the policy); only for a client CA that issues for this facade alone"`
	// AuthTokensFile enables bearer-token authentication; it holds SHA-256
	// hashes of the tokens, never the tokens.
	AuthTokensFile string `name:"auth-tokens-file" env:"AUTH_TOKENS_FILE" unset:"off" help:"JSON file of callers and SHA-256 hashes of their bearer tokens; turns authentication on"`
	// AuthPolicyFile maps each caller to the account ids it may use.
	// Required when authentication is on.
	AuthPolicyFile string `name:"auth-policy-file" env:"AUTH_POLICY_FILE" unset:"required with authentication" help:"JSON file mapping each caller (token:NAME, a certificate's URI SAN, cn:NAME) to the account ids (exact or prefix) it may create webhooks for"`
	// ProtectOps requires authentication for /metrics, /readyz, gRPC
	// health and reflection too. /healthz stays open.
	ProtectOps bool `name:"protect-ops" env:"PROTECT_OPS" help:"require authentication for /metrics, /readyz, gRPC health and reflection too; /healthz stays open"`
	// TelegentCAFile replaces the system roots for verifying Telegent's
	// certificate (a private CA, a TLS-inspecting proxy).
	TelegentCAFile string `name:"telegent-ca-file" env:"TELEGENT_CA_FILE" unset:"system roots" help:"PEM CA bundle that replaces the system roots for verifying Telegent's certificate"`

	// ReadHeaderTimeout bounds how long a client may take to send an HTTP
	// request's headers, and to set up a connection (TLS and HTTP/2
	// handshakes) on either listener: slow clients are cut off. Zero means
	// the default, never "no limit".
	ReadHeaderTimeout time.Duration `name:"read-header-timeout" env:"READ_HEADER_TIMEOUT" default:"${read_header_timeout}" zero:"default" check:"notnegative" help:"time a client may take to send HTTP request headers, or to set up a TLS or HTTP/2 connection on either listener"`
	// MaxConcurrentStreams bounds the calls one gRPC connection may have
	// open at once. Zero means the default.
	MaxConcurrentStreams int `name:"max-concurrent-streams" env:"MAX_CONCURRENT_STREAMS" default:"${max_concurrent_streams}" zero:"default" check:"notnegative" help:"maximum calls in flight on one gRPC connection"`
	// MaxConnectionAge closes gRPC connections (after a grace period for
	// the calls in flight) once they are this old, so that clients pick up
	// new certificates and client CAs, and rebalance onto new replicas.
	// Zero means the default.
	MaxConnectionAge time.Duration `name:"max-connection-age" env:"MAX_CONNECTION_AGE" default:"${max_connection_age}" zero:"default" check:"notnegative" help:"gRPC connections are closed, after a grace period for their calls, once this old; clients reconnect with current certificates, onto new replicas too"`
	// MaxPendingPerClient is how many connections one client IP address
	// (an IPv6 /64) may have open on a listener before their first
	// request; past it, its oldest such connection is closed.
	MaxPendingPerClient int `name:"max-pending-per-client" env:"MAX_PENDING_PER_CLIENT" default:"${max_pending_per_client}" zero:"default" check:"notnegative" help:"connections one client address may hold on a listener before their first request; past it, its oldest such connection is closed; raise it behind a load balancer or NAT, where every connection comes from a few addresses"`

	// CORSAllowedOrigins is a comma-separated list of browser origins
	// (scheme://host[:port]) that may call the HTTP port: REST, Connect
	// and gRPC-Web. Empty means no CORS at all.
	CORSAllowedOrigins string `name:"cors-allowed-origins" env:"CORS_ALLOWED_ORIGINS" unset:"empty: no CORS" check:"cors" help:"comma-separated browser origins (scheme://host[:port], no wildcards) that may call REST, Connect and gRPC-Web"`

	// IdempotencyStore is where request ids are remembered: "memory" (one
	// replica) or redis://HOST:PORT/DB (replicas that share callers).
	IdempotencyStore string `name:"idempotency-store" env:"IDEMPOTENCY_STORE" default:"${idempotency_store}" zero:"default" check:"idempotency-store" log:"-" help:"where request ids are remembered: memory, or redis://[USER@]HOST:PORT/DB (rediss:// for TLS) for replicas that share callers; a password in the URL is refused"`
	// IdempotencyTTL is how long a request id is remembered.
	IdempotencyTTL time.Duration `name:"idempotency-ttl" env:"IDEMPOTENCY_TTL" default:"${idempotency_ttl}" zero:"default" check:"positive" help:"how long a request id is remembered"`
	// IdempotencyCallerLimit bounds the request ids one caller may have
	// remembered at once.
	IdempotencyCallerLimit int `name:"idempotency-caller-limit" env:"IDEMPOTENCY_CALLER_LIMIT" default:"${idempotency_caller_limit}" zero:"default" check:"positive" help:"request ids one caller may have remembered at once; its oldest finished ones are forgotten first, and it alone is refused (RESOURCE_EXHAUSTED) when all are in flight"`
	// IdempotencyRedisCAFile is a PEM CA bundle for a rediss:// store.
	IdempotencyRedisCAFile string `name:"idempotency-redis-ca-file" env:"IDEMPOTENCY_REDIS_CA_FILE" unset:"system roots" help:"PEM CA bundle that replaces the system roots for verifying a rediss:// store"`
	// IdempotencyRedisPasswordFile holds the Redis password (never in a
	// flag or the URL).
	IdempotencyRedisPasswordFile string `name:"idempotency-redis-password-file" env:"IDEMPOTENCY_REDIS_PASSWORD_FILE" unset:"none" help:"file holding the Redis password (a password in the store URL is refused)"`

	// loaded is the material the files above hold, read once by Validate.
	loaded *material
}

// configRules are the check rules particular to the facade.
var configRules = cliconf.Rules{
	"otlp": cliconf.String(checkOTLPEndpoint),
	"cors": cliconf.String(func(list string) error {
		_, err := parseOrigins(list)
		return err
	}),
	"idempotency-store": cliconf.String(checkIdempotencyStore),
	"debug-addr":        cliconf.String(debugAddrProblem),
}

// configApp is the facade's command line.
func configApp(vars kong.Vars) cliconf.App {
	return cliconf.App{Name: "telegent-facade", Description: "Serves telegent.webhook.v1.WebhookService over gRPC and REST in front of Telegent. Flags override the environment.", Vars: vars}
}

// commandLine is the facade's command line: the configuration and --version.
type commandLine struct {
	Config
	Version cliconf.VersionFlag `name:"version" help:"print the version, revision and Go version, and exit"`
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
	c.IdempotencyStore = redactedStore(c.IdempotencyStore)
	type plain Config // no String method: no recursion
	return fmt.Sprintf("%+v", plain(c))
}

// GoString keeps %#v from printing the account secret.
func (c Config) GoString() string { return c.String() }

// LogValue logs the configuration without the account secret: every
// setting with a flag, by its flag's name, and what follows from them.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(append(cliconf.LogAttrs(&c),
		slog.String("telegent_account_secret", telegent.Redact(c.AccountSecret)),
		slog.Bool("tracing", tracingWanted(c.OTLPEndpoint)),
		slog.Bool("authentication", c.AuthEnabled()),
		slog.String("idempotency_store", redactedStore(c.IdempotencyStore)),
	)...)
}

// ErrVersion is returned by LoadConfig when --version is given: the caller
// prints the build's version and exits.
var ErrVersion = cliconf.ErrVersion

// LoadConfig reads flags from args, falling back to the environment (getenv)
// for every flag that is not given, then to the defaults, validates the
// configuration and loads its files (TLS, tokens, policy, CA, the account
// secret) once; the returned Config carries them to New. With a problem, it
// returns the settings as read beside it. --help prints usage to usage and
// returns flag.ErrHelp; --version returns ErrVersion. Usage shows the
// defaults, never a value from the environment. Every problem is reported
// at once, malformed values included.
func LoadConfig(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	var cl commandLine
	cl.AccountSecret = getenv(envAccountSecret)
	err := cliconf.Parse(configApp(configVars()), &cl, args, getenv, usage)
	if err != nil {
		// The settings as read, so that the caller can report more
		// problems with them (see CheckListen).
		return cl.Config, err
	}
	// Validate passed; this reads the files again and keeps them.
	return cl.Config.Load()
}

// FlagTable is the README's table of the flags, from Config's tags.
func FlagTable() (string, error) { return flagTable(configVars()) }

func flagTable(vars kong.Vars) (string, error) { return cliconf.Table(configApp(vars), &commandLine{}) }

// usageText is what --help prints with vars.
func usageText(vars kong.Vars) (string, error) { return cliconf.Usage(configApp(vars), &commandLine{}) }

// defaultConfig is a Config with the declared defaults.
var defaultConfig = sync.OnceValues(func() (Config, error) {
	var cl commandLine
	err := cliconf.Defaults(configApp(configVars()), &cl)
	return cl.Config, err
})

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

// Validate reports every problem of the configuration at once, its files
// included; kong calls it last when LoadConfig parses. It changes nothing:
// Load keeps what the files hold.
func (c Config) Validate() error { return c.load() }

// Load validates the configuration and reads its files: the returned
// Config carries what they hold, and New uses it as read. Every problem is
// reported at once.
func (c Config) Load() (Config, error) {
	if err := c.load(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// load checks every setting and every rule between settings, and reads the
// files (TLS, tokens, policy, CA, the account secret) into c. Fields tagged
// zero:"default" that a Config built in code leaves zero get their
// declared defaults.
func (c *Config) load() error {
	defaults, err := defaultConfig()
	if err != nil {
		return err
	}
	cliconf.FillZero(c, &defaults)
	problems := cliconf.Check(c, configRules)
	if c.AccountSecretFile != "" {
		b, err := os.ReadFile(c.AccountSecretFile)
		if err != nil {
			// The path is not secret; the content is never printed.
			problems = append(problems, fmt.Errorf("--telegent-account-secret-file: %w", err))
		}
		c.AccountSecret = strings.TrimSpace(string(b))
	}
	problems = append(problems, c.checkIdempotencyRedis())
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
			problems = append(problems, errors.New("--telegent-account-secret-file (or "+envAccountSecret+") is required unless --dev"))
		}
	}
	m, securityProblems := c.loadSecurity()
	if err := errors.Join(append(problems, securityProblems...)...); err != nil {
		return err
	}
	c.loaded = m
	return nil
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
