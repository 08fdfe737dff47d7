// Package telegent is a client for the Telegent REST calls the facade needs:
// fetching an endpoint-scoped token, and creating, updating, deleting and
// listing webhooks.
//
// The client caches one token per endpoint scope, shares concurrent fetches,
// refreshes before expiry and retries a call once after a 401. Every webhook
// call goes through one path driven by a row of the endpoints table: a call
// whose body may have reached Telegent is repeated only when repeating it is
// harmless (update, delete, list); a create, which is not idempotent, is
// repeated for nothing else but a connection that could not be established.
// Every failure is an *Error whose Kind says what happened and whose text is
// safe to log.
package telegent

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/platform/telegent-facade/internal/ctxutil"
	"github.com/platform/telegent-facade/internal/netutil"
)

// Defaults for the zero values of Config's fields.
const (
	// DefaultRefreshMargin is how long before expiry a token is replaced. For
	// tokens living "a few minutes" it is capped at a fifth of the lifetime.
	DefaultRefreshMargin = 30 * time.Second
	// DefaultMaxTokenLifetime is the longest token lifetime believed. A longer
	// one most likely means tokenExpiry was local time east of UTC.
	DefaultMaxTokenLifetime = time.Hour
	// DefaultFallbackTokenLifetime is the lifetime assumed when tokenExpiry
	// is unparseable, past, or beyond MaxTokenLifetime: conservative, since
	// the docs only promise "a few minutes" and a 401 costs one extra fetch.
	DefaultFallbackTokenLifetime = 2 * time.Minute
	// DefaultMaxResponseBytes caps every response body read.
	DefaultMaxResponseBytes = 1 << 20
	// DefaultTokenRetries is how often a failed token call is repeated.
	DefaultTokenRetries = 2
	// DefaultTokenFetchTimeout bounds a token fetch including its retries.
	// Fetches are shared between callers and so cannot use any one caller's
	// deadline.
	DefaultTokenFetchTimeout = 10 * time.Second
	// DefaultAttemptTimeout bounds one create attempt (one HTTP exchange),
	// within the caller's deadline, so that a hung upstream never holds a
	// call for longer even when the caller gave no deadline.
	DefaultAttemptTimeout = 10 * time.Second
)

// Clock tells the time. Token validity is judged by it, so tests can move it;
// timeouts and backoff follow contexts and real time.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Config configures a Client. The zero value of every optional field means
// its default.
type Config struct {
	// BaseURL is where the API lives, e.g. https://api.telegent.com. Required.
	// Plain http:// is accepted only for loopback hosts (tests, simulator);
	// user info, query and fragment are refused.
	BaseURL string
	// AccountKey is the Telegent account (distributor) key. Required.
	AccountKey string
	// AccountSecret goes with AccountKey. Required; never logged, never in an
	// error.
	AccountSecret string
	// HTTPClient sends the requests; nil means NewHTTPClient(). It is copied,
	// and redirects are never followed: a redirected create could be replayed
	// elsewhere or silently turned into a GET.
	HTTPClient *http.Client
	// Clock judges token validity; nil means the system clock.
	Clock Clock
	// Logger receives token warnings; nil discards them.
	Logger *slog.Logger
	// RefreshMargin: see DefaultRefreshMargin.
	RefreshMargin time.Duration
	// MaxTokenLifetime: see DefaultMaxTokenLifetime.
	MaxTokenLifetime time.Duration
	// FallbackTokenLifetime: see DefaultFallbackTokenLifetime. Measured from
	// when the token request was sent.
	FallbackTokenLifetime time.Duration
	// MaxResponseBytes: see DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// TokenRetries: see DefaultTokenRetries; negative disables retries.
	TokenRetries int
	// TokenFetchTimeout: see DefaultTokenFetchTimeout.
	TokenFetchTimeout time.Duration
	// AttemptTimeout: see DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// Observer receives metrics events; nil discards them.
	Observer Observer
	// SetHeaders, when set, is called on every request to Telegent, token
	// calls included, with the context of the call it serves, to add
	// headers of the caller's (a request id, trace context). It must leave
	// the client's own headers alone.
	SetHeaders func(ctx context.Context, h http.Header)
}

// withDefaults fills in zero values. TokenRetries stays as given: negative
// is meaningful.
// HTTPClient is left to New, so Validate does not build a transport.
func (c Config) withDefaults() Config {
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.RefreshMargin == 0 {
		c.RefreshMargin = DefaultRefreshMargin
	}
	if c.MaxTokenLifetime == 0 {
		c.MaxTokenLifetime = DefaultMaxTokenLifetime
	}
	if c.FallbackTokenLifetime == 0 {
		c.FallbackTokenLifetime = DefaultFallbackTokenLifetime
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.TokenRetries == 0 {
		c.TokenRetries = DefaultTokenRetries
	}
	if c.TokenFetchTimeout == 0 {
		c.TokenFetchTimeout = DefaultTokenFetchTimeout
	}
	if c.AttemptTimeout == 0 {
		c.AttemptTimeout = DefaultAttemptTimeout
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c
}

// Validate reports every problem with c at once. No message quotes BaseURL or
// the secret: a malformed URL may carry credentials.
func (c Config) Validate() error {
	var errs []error
	if _, err := parseBaseURL(c.BaseURL); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(c.AccountKey) == "" {
		errs = append(errs, errors.New("AccountKey is required"))
	}
	if c.AccountSecret == "" {
		errs = append(errs, errors.New("AccountSecret is required"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"RefreshMargin", c.RefreshMargin},
		{"MaxTokenLifetime", c.MaxTokenLifetime},
		{"FallbackTokenLifetime", c.FallbackTokenLifetime},
		{"TokenFetchTimeout", c.TokenFetchTimeout},
		{"AttemptTimeout", c.AttemptTimeout},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative", d.name))
		}
	}
	if c.MaxResponseBytes < 0 {
		errs = append(errs, errors.New("MaxResponseBytes must not be negative"))
	}
	d := c.withDefaults()
	if d.FallbackTokenLifetime < minTokenLifetime {
		errs = append(errs, fmt.Errorf("FallbackTokenLifetime must be at least %v", minTokenLifetime))
	}
	if d.FallbackTokenLifetime > d.MaxTokenLifetime {
		errs = append(errs, errors.New("FallbackTokenLifetime must not exceed MaxTokenLifetime"))
	}
	return errors.Join(errs...)
}

// CheckBaseURL reports why raw cannot be a Client's BaseURL (plain http to
// a host that is not loopback, user info, a query...), or nil. It is what
// New checks, so configuration code can report the problem early, with
// its other problems.
func CheckBaseURL(raw string) error {
	_, err := parseBaseURL(raw)
	return err
}

// parseBaseURL checks BaseURL and returns it without a trailing slash.
func parseBaseURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("BaseURL is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("BaseURL is not a valid URL") // err would quote it
	}
	var errs []error
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http":
		if !netutil.IsLoopbackHost(u.Hostname()) {
			errs = append(errs, errors.New(`BaseURL must use https unless the host is loopback (a literal loopback IP address or exactly "localhost")`))
		}
	default:
		errs = append(errs, errors.New("BaseURL scheme must be https"))
	}
	if u.Host == "" || u.Opaque != "" {
		errs = append(errs, errors.New("BaseURL must be an absolute URL with a host"))
	}
	if u.User != nil {
		errs = append(errs, errors.New("BaseURL must not contain user info"))
	}
	if u.RawQuery != "" || u.ForceQuery {
		errs = append(errs, errors.New("BaseURL must not contain a query"))
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		errs = append(errs, errors.New("BaseURL must not contain a fragment"))
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	return strings.TrimRight(raw, "/"), nil
}

// String describes c with the secret redacted.
func (c Config) String() string {
	return fmt.Sprintf("{BaseURL:%s AccountKey:%s AccountSecret:%s}", safeURL(c.BaseURL), c.AccountKey, Redact(c.AccountSecret))
}

// Format implements fmt.Formatter so that no verb, %#v included, prints the
// secret.
func (c Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue implements slog.LogValuer with the secret redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", safeURL(c.BaseURL)),
		slog.String("account_key", c.AccountKey),
		slog.String("account_secret", Redact(c.AccountSecret)),
	)
}

// safeURL drops anything from a URL that might hold a credential.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[invalid]"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment = nil, "", false, ""
	return u.String()
}

// NewHTTPClient returns an *http.Client tuned for many concurrent calls to
// one host: keep-alives with up to 100 idle connections per host, HTTP/2
// attempted, certificates always verified. It sets no overall or
// response-header timeout on purpose: each call's context deadline bounds
// it, and a shorter fixed timeout would fail calls that still had time.
func NewHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true, // needed because DialContext and TLSClientConfig are set
			MaxIdleConns:          200,
			MaxIdleConnsPerHost:   100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ExpectContinueTimeout: time.Second,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		},
		CheckRedirect: refuseRedirect,
	}
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Observer receives events for metrics. Methods are called synchronously on
// the request path and concurrently, so they must be cheap and safe for
// concurrent use.
type Observer interface {
	// ObserveUpstream is called once per HTTP attempt; status is 0 when no
	// response arrived, err is nil or an *Error.
	ObserveUpstream(op string, status int, d time.Duration, err error)
	// ObserveTokenFetch is called once per shared token fetch with
	// TokenFetchOK, TokenFetchRejected or TokenFetchFailed.
	ObserveTokenFetch(outcome string)
	// ObserveRetry is called before each retry with RetryUnauthorized,
	// RetryConnection or RetryStatus.
	ObserveRetry(op, reason string)
}

// Token fetch outcomes passed to Observer.ObserveTokenFetch.
const (
	// TokenFetchOK: a token was fetched and cached.
	TokenFetchOK = "ok"
	// TokenFetchRejected: the credentials were refused.
	TokenFetchRejected = "rejected"
	// TokenFetchFailed: anything else went wrong.
	TokenFetchFailed = "failed"
)

// Retry reasons passed to Observer.ObserveRetry.
const (
	// RetryUnauthorized: a webhook call got 401 and is repeated with a new
	// token.
	RetryUnauthorized = "unauthorized"
	// RetryConnection: no connection could be made (any call), the exchange
	// failed after one was (a repeatable webhook call), or the transport
	// failed (token).
	RetryConnection = "connection"
	// RetryStatus: a token call got 5xx, 408 or 429, or a repeatable webhook
	// call got 502 or 504.
	RetryStatus = "status"
)

type nopObserver struct{}

func (nopObserver) ObserveUpstream(string, int, time.Duration, error) {}
func (nopObserver) ObserveTokenFetch(string)                          {}
func (nopObserver) ObserveRetry(string, string)                       {}

// Client calls Telegent. It is safe for concurrent use; create one per
// account and share it.
type Client struct {
	cfg          Config // with defaults
	hc           *http.Client
	clock        Clock
	log          *slog.Logger
	obs          Observer
	tokenURL     string
	tokenRetries int

	// tokenURL parsed once: requests are built from copies.
	tokenTarget *url.URL
	// targets holds each endpoint's URL, indexed like endpoints.
	targets [len(endpoints)]target

	tokens        tokenCache
	expiryWarning sync.Once

	// sleep waits between retries; tests replace it to avoid real delays.
	sleep func(ctx context.Context, d time.Duration) error
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("telegent: invalid config: %w", err)
	}
	cfg = cfg.withDefaults()
	base, _ := parseBaseURL(cfg.BaseURL)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = NewHTTPClient()
	}
	hc := *cfg.HTTPClient
	hc.CheckRedirect = refuseRedirect
	c := &Client{
		cfg:          cfg,
		hc:           &hc,
		clock:        cfg.Clock,
		log:          cfg.Logger,
		obs:          cfg.Observer,
		tokenURL:     base + "/v1.0/oauth2/tokens",
		tokenRetries: max(cfg.TokenRetries, 0),
		sleep:        ctxutil.Sleep,
	}
	var errs []error
	var err error
	c.tokenTarget, err = url.Parse(c.tokenURL)
	errs = append(errs, err)
	for i, ep := range endpoints {
		c.targets[i].scope = base + ep.path
		c.targets[i].url, err = url.Parse(c.targets[i].scope)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, errors.New("telegent: invalid config: BaseURL is not a valid URL") // err would quote it
	}
	c.tokenTarget.Host = strings.TrimSuffix(c.tokenTarget.Host, ":") // an empty port, as NewRequest drops it
	for i := range c.targets {
		c.targets[i].url.Host = strings.TrimSuffix(c.targets[i].url.Host, ":")
	}
	return c, nil
}

// CloseIdleConnections closes idle upstream connections, e.g. at shutdown.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// PrefetchToken takes the token CreateWebhook uses, unless a fresh one is
// cached, so that the next call does not wait for it. A server calls it at
// start-up: a refused account secret then shows at once, and the first
// caller pays no more than the others. Errors are *Error.
func (c *Client) PrefetchToken(ctx context.Context) error {
	_, err := c.token(ctx, c.targets[epCreate].scope)
	return err
}

const userAgent = "telegent-facade-client/1"

func (c *Client) observeUpstream(op string, status int, d time.Duration, e *Error) {
	if e == nil {
		c.obs.ObserveUpstream(op, status, d, nil) // not a typed nil in an interface
		return
	}
	c.obs.ObserveUpstream(op, status, d, e)
}

// maxBackoff caps a single retry delay.
const maxBackoff = 2 * time.Second

// backoff returns base·2^attempt (capped), jittered into its upper half so
// that callers failing together do not retry together.
func backoff(base time.Duration, attempt int) time.Duration {
	d := maxBackoff
	if attempt < 16 {
		d = min(base<<attempt, maxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// fitsDeadline reports whether waiting d still leaves ctx some time.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}
