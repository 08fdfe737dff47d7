package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // --expiry-zone works on hosts without a zoneinfo database

	"github.com/alecthomas/kong"

	"github.com/platform/telegent-facade/internal/cliconf"
	"github.com/platform/telegent-facade/telegentsim"
)

// envAccountSecret holds the account secret itself; it is never a flag (see
// the secretenv tag of config.AccountSecretFile).
const envAccountSecret = "TELEGENT_SIM_ACCOUNT_SECRET"

// configVars are the values the tags of config interpolate: the
// simulator's own defaults.
func configVars() kong.Vars {
	return kong.Vars{
		"account_key":    telegentsim.DefaultAccountKey,
		"account_secret": telegentsim.DefaultAccountSecret,
		"token_lifetime": telegentsim.DefaultTokenLifetime.String(),
	}
}

var app = cliconf.App{
	Name: "telegent-sim",
	Description: "Simulates Telegent's token and webhook endpoints. Every flag falls back to the " +
		"environment variable named beside it; the account secret is never a flag.",
	Vars: configVars(),
}

// config is the binary's configuration: flags, then environment, then
// defaults, each setting declared once in its tags (see server.Config for
// how to add one). Its environment variables all start with TELEGENT_SIM_.
type config struct {
	Addr              string        `name:"addr" env:"TELEGENT_SIM_ADDR" default:"127.0.0.1:8081" help:"host:port to listen on; port 0 picks a free port"`
	AccountKey        string        `name:"account-key" env:"TELEGENT_SIM_ACCOUNT_KEY" default:"${account_key}" help:"the AccountKey the token call accepts"`
	AccountSecretFile string        `name:"account-secret-file" env:"TELEGENT_SIM_ACCOUNT_SECRET_FILE" secretenv:"TELEGENT_SIM_ACCOUNT_SECRET" placeholder:"file" help:"file holding the AccountSecret the token call accepts; without it and the variable, the secret is \"${account_secret}\""`
	TokenLifetime     time.Duration `name:"token-lifetime" env:"TELEGENT_SIM_TOKEN_LIFETIME" default:"${token_lifetime}" help:"how long issued tokens stay valid (at least 1s)"`
	PublicBaseURL     string        `name:"public-base-url" env:"TELEGENT_SIM_PUBLIC_BASE_URL" placeholder:"URL" help:"URL that token scopes are checked against instead of this server's own, e.g. https://api.telegent.com"`
	Fault             string        `name:"fault" env:"TELEGENT_SIM_FAULT" placeholder:"spec" help:"default fault for every request, e.g. \"status:503;once\" (grammar: go doc telegentsim)"`
	ExpiryZone        string        `name:"expiry-zone" env:"TELEGENT_SIM_EXPIRY_ZONE" default:"UTC" help:"IANA zone in which tokenExpiry is written"`
	// Logging holds LogLevel; its variable is TELEGENT_SIM_LOG_LEVEL.
	cliconf.Logging `embed:"" envprefix:"TELEGENT_SIM_"`
	ShutdownTimeout time.Duration `name:"shutdown-timeout" env:"TELEGENT_SIM_SHUTDOWN_TIMEOUT" default:"10s" help:"grace period for in-flight requests on SIGINT/SIGTERM"`
	OwnershipCheck  bool          `name:"ownership-check" env:"TELEGENT_SIM_OWNERSHIP_CHECK" default:"true" help:"update and delete answer 404 for a WebhookId of another account than the AccountId sent; false acts on it, as Telegent might"`

	// envSecret is TELEGENT_SIM_ACCOUNT_SECRET, read by loadConfig.
	envSecret string
	// Resolved by Validate.
	accountSecret string
	faults        telegentsim.Faults
	location      *time.Location
}

// loadConfig parses args with environment fallbacks and validates the
// result, reporting every problem at once. It returns flag.ErrHelp after
// printing the usage for -h/--help.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	cfg := config{envSecret: getenv(envAccountSecret)}
	// kong calls Validate last.
	err := cliconf.Parse(app, &cfg, args, getenv, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return config{}, err
	case err != nil:
		return config{}, fmt.Errorf("invalid configuration: %w", err)
	}
	return cfg, nil
}

// Validate reports every problem at once and resolves the secret, the
// faults and the zone.
func (c *config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("--addr is empty"))
	}
	if c.AccountKey == "" {
		errs = append(errs, errors.New("--account-key is empty"))
	}

	c.accountSecret = telegentsim.DefaultAccountSecret
	switch {
	case c.AccountSecretFile != "" && c.envSecret != "":
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
	case c.envSecret != "":
		c.accountSecret = c.envSecret
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
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--shutdown-timeout %s: must be positive", c.ShutdownTimeout))
	}
	return errors.Join(errs...)
}
