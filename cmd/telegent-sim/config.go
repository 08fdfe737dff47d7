package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // --expiry-zone works on hosts without a zoneinfo database

	"github.com/platform/telegent-facade/telegentsim"
)

// Defaults of the configuration.
const (
	defaultAddr            = "127.0.0.1:8081"
	defaultAccountKey      = telegentsim.DefaultAccountKey
	defaultAccountSecret   = telegentsim.DefaultAccountSecret
	defaultTokenLifetime   = telegentsim.DefaultTokenLifetime
	defaultExpiryZone      = "UTC"
	defaultLogLevel        = "info"
	defaultShutdownTimeout = 10 * time.Second
)

// Environment variables. Each flag falls back to one; the secret has only these.
const (
	envAddr              = "TELEGENT_SIM_ADDR"
	envAccountKey        = "TELEGENT_SIM_ACCOUNT_KEY"
	envAccountSecret     = "TELEGENT_SIM_ACCOUNT_SECRET" // the value itself
	envAccountSecretFile = "TELEGENT_SIM_ACCOUNT_SECRET_FILE"
	envTokenLifetime     = "TELEGENT_SIM_TOKEN_LIFETIME"
	envPublicBaseURL     = "TELEGENT_SIM_PUBLIC_BASE_URL"
	envFault             = "TELEGENT_SIM_FAULT"
	envExpiryZone        = "TELEGENT_SIM_EXPIRY_ZONE"
	envLogLevel          = "TELEGENT_SIM_LOG_LEVEL"
	envShutdownTimeout   = "TELEGENT_SIM_SHUTDOWN_TIMEOUT"
	envOwnershipCheck    = "TELEGENT_SIM_OWNERSHIP_CHECK"
)

// config is the binary's configuration: flags, then environment, then defaults.
type config struct {
	Addr              string
	AccountKey        string
	AccountSecretFile string
	TokenLifetime     time.Duration
	PublicBaseURL     string
	Fault             string
	ExpiryZone        string
	LogLevel          string
	ShutdownTimeout   time.Duration
	OwnershipCheck    bool

	// Resolved by Validate.
	accountSecret string
	faults        telegentsim.Faults
	location      *time.Location
	logLevel      slog.Level
}

// loadConfig parses args with environment fallbacks and validates the result. It
// returns flag.ErrHelp after printing the usage for -h/--help.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	cfg := config{}
	fs := flag.NewFlagSet("telegent-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	envOf := map[string]string{}
	str := func(p *string, name, env, def, usage string) {
		fs.StringVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
		envOf[name] = env
	}
	dur := func(p *time.Duration, name, env string, def time.Duration, usage string) {
		fs.DurationVar(p, name, def, fmt.Sprintf("%s (env %s)", usage, env))
		envOf[name] = env
	}
	str(&cfg.Addr, "addr", envAddr, defaultAddr, "`host:port` to listen on; port 0 picks a free port")
	str(&cfg.AccountKey, "account-key", envAccountKey, defaultAccountKey, "the AccountKey the token call accepts")
	str(&cfg.AccountSecretFile, "account-secret-file", envAccountSecretFile, "",
		"`file` holding the AccountSecret the token call accepts; without it the secret is $"+envAccountSecret+
			", else \""+defaultAccountSecret+"\"")
	dur(&cfg.TokenLifetime, "token-lifetime", envTokenLifetime, defaultTokenLifetime, "how long issued tokens stay valid (at least 1s)")
	str(&cfg.PublicBaseURL, "public-base-url", envPublicBaseURL, "",
		"`URL` that token scopes are checked against instead of this server's own, e.g. https://api.telegent.com")
	str(&cfg.Fault, "fault", envFault, "", "default fault `spec` for every request, e.g. \"status:503;once\" (grammar: go doc telegentsim)")
	str(&cfg.ExpiryZone, "expiry-zone", envExpiryZone, defaultExpiryZone, "IANA `zone` in which tokenExpiry is written")
	str(&cfg.LogLevel, "log-level", envLogLevel, defaultLogLevel, "debug (one line per request), info, warn or error")
	dur(&cfg.ShutdownTimeout, "shutdown-timeout", envShutdownTimeout, defaultShutdownTimeout, "grace period for in-flight requests on SIGINT/SIGTERM")
	fs.BoolVar(&cfg.OwnershipCheck, "ownership-check", true, fmt.Sprintf("update and delete answer 404 for a WebhookId of another account than the AccountId sent; false acts on it, as Telegent might (env %s)", envOwnershipCheck))
	envOf["ownership-check"] = envOwnershipCheck
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: telegent-sim [flags]\n\n"+
			"Simulates Telegent's token and webhook endpoints. Every flag falls back to the\n"+
			"environment variable named beside it; the account secret is never a flag.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		env := envOf[f.Name]
		if set[f.Name] || getenv(env) == "" {
			return
		}
		if err := fs.Set(f.Name, getenv(env)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", env, err))
		}
	})
	if err := errors.Join(errs...); err != nil {
		return config{}, fmt.Errorf("load configuration: %w", err)
	}
	if err := cfg.Validate(getenv); err != nil {
		return config{}, fmt.Errorf("invalid configuration: %w", err)
	}
	return cfg, nil
}

// Validate reports every problem at once and resolves the secret, the faults, the
// zone and the log level.
func (c *config) Validate(getenv func(string) string) error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("--addr is empty"))
	}
	if c.AccountKey == "" {
		errs = append(errs, errors.New("--account-key is empty"))
	}

	c.accountSecret = defaultAccountSecret
	envSecret := getenv(envAccountSecret)
	switch {
	case c.AccountSecretFile != "" && envSecret != "":
		errs = append(errs, fmt.Errorf("both --account-secret-file and %s are set: choose one", envAccountSecret))
	case c.AccountSecretFile != "":
		b, err := os.ReadFile(c.AccountSecretFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("read --account-secret-file: %w", err))
			break
		}
		c.accountSecret = strings.TrimRight(string(b), "\r\n")
		if c.accountSecret == "" {
			errs = append(errs, fmt.Errorf("--account-secret-file %s is empty", c.AccountSecretFile))
		}
	case envSecret != "":
		c.accountSecret = envSecret
	}

	if c.TokenLifetime < time.Second {
		errs = append(errs, fmt.Errorf("--token-lifetime %s: must be at least 1s (tokenExpiry has one-second precision)", c.TokenLifetime))
	}
	if c.PublicBaseURL != "" {
		u, err := url.Parse(c.PublicBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("--public-base-url %q: want an absolute http(s) URL without query", c.PublicBaseURL))
		}
	}
	var err error
	if c.faults, err = telegentsim.ParseFaultSpec(c.Fault); err != nil {
		errs = append(errs, fmt.Errorf("--fault: %w", err))
	}
	if c.location, err = time.LoadLocation(c.ExpiryZone); err != nil || c.ExpiryZone == "" {
		errs = append(errs, fmt.Errorf("--expiry-zone %q: not an IANA zone name", c.ExpiryZone))
	}
	if err := c.logLevel.UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--shutdown-timeout %s: must be positive", c.ShutdownTimeout))
	}
	return errors.Join(errs...)
}
