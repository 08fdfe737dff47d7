package telegentsim

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Paths of the simulated Telegent endpoints. The simulator matches them
// case-insensitively, as Telegent's own documentation spells the token path both
// /v1.0/oauth2/tokens and /v1.0/OAuth2/tokens.
const (
	TokenPath  = "/v1.0/oauth2/tokens"
	CreatePath = "/v1.0/webhook/create"
	UpdatePath = "/v1.0/webhook/update"
	DeletePath = "/v1.0/webhook/delete"
	// ListPath takes the account as the query parameter AccountId.
	ListPath = "/v1.0/account/webhooks"
)

// Defaults applied by New to zero Config members.
const (
	DefaultAccountKey    = "DID-sim-key"
	DefaultAccountSecret = "sim-secret"
	DefaultTokenLifetime = 5 * time.Minute
	// MaxBodyBytes is the largest request body accepted; larger bodies get 413.
	MaxBodyBytes = 64 << 10
)

// Clock tells the time. Tests substitute a fake one to expire tokens.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Config configures a Simulator. The zero value is usable.
type Config struct {
	// AccountKey and AccountSecret are the only credentials the token call accepts.
	// Empty means DefaultAccountKey and DefaultAccountSecret.
	AccountKey, AccountSecret string
	// TokenLifetime is how long an issued token stays valid (DefaultTokenLifetime
	// when zero). The expiry is truncated to the second, as tokenExpiry shows it.
	TokenLifetime time.Duration
	// Clock tells the time; nil means the real clock. Latency faults always wait
	// in real time.
	Clock Clock
	// Logger receives one Debug line per request (Info when a fault was injected).
	// Secrets and tokens are never logged. Nil discards.
	Logger *slog.Logger
	// Faults are the default faults applied to every request that carries no
	// per-request fault spec. New panics if they are invalid (see Faults.Validate).
	Faults Faults
	// ExpiryLocation is the zone tokenExpiry is written in; nil means UTC.
	ExpiryLocation *time.Location
	// PublicBaseURL, when set (e.g. "https://api.telegent.com"), replaces
	// scheme://Host when checking a token's scope against the request URL, so the
	// simulator accepts production-scoped tokens while listening elsewhere.
	PublicBaseURL string
	// DisableAdmin hides the /_sim/ admin endpoints (404), e.g. when the simulator
	// is embedded in a development server. /healthz stays.
	DisableAdmin bool
	// SkipOwnershipCheck makes update and delete act on a WebhookId whatever
	// AccountId is sent with it, as Telegent might (its docs do not say). By
	// default a WebhookId of another account is answered 404, like a missing
	// one.
	SkipOwnershipCheck bool
}

// Counters is a snapshot of what the simulator has seen since start or Reset.
type Counters struct {
	// TokenRequests counts token calls that got past routing.
	TokenRequests int64 `json:"tokenRequests"`
	// TokensIssued counts tokens handed out.
	TokensIssued int64 `json:"tokensIssued"`
	// CreatesAttempted counts create calls that got past routing, faulted or not.
	CreatesAttempted int64 `json:"createsAttempted"`
	// CreatesAccepted counts webhooks stored by create (including those whose
	// answer was then dropped or malformed by a fault).
	CreatesAccepted int64 `json:"createsAccepted"`
	// DuplicateCreates counts stored webhooks whose WebhookUrl had already been
	// stored by an earlier create: zero means no webhook was created twice.
	DuplicateCreates int64 `json:"duplicateCreates"`
	// UpdatesAttempted counts update calls that got past routing.
	UpdatesAttempted int64 `json:"updatesAttempted"`
	// UpdatesAccepted counts updates applied.
	UpdatesAccepted int64 `json:"updatesAccepted"`
	// DeletesAttempted counts delete calls that got past routing.
	DeletesAttempted int64 `json:"deletesAttempted"`
	// DeletesAccepted counts webhooks deleted.
	DeletesAccepted int64 `json:"deletesAccepted"`
	// ListsAttempted counts list calls that got past routing.
	ListsAttempted int64 `json:"listsAttempted"`
	// ListsAnswered counts lists computed (including those whose answer was
	// then dropped or reshaped by a fault).
	ListsAnswered int64 `json:"listsAnswered"`
	// Unauthorized counts 401 answers (bad credentials or bad bearer token).
	Unauthorized int64 `json:"unauthorized"`
	// FaultsInjected counts requests on which a fault took effect.
	FaultsInjected int64 `json:"faultsInjected"`
	// Dropped counts connections closed without an answer by a fault.
	Dropped int64 `json:"dropped"`
}

// WebhookFields are the members of a create or update body, as sent: nil means the
// member was null or absent.
type WebhookFields struct {
	AccountID              *string `json:"AccountId"`
	WebhookURL             *string `json:"WebhookUrl"`
	Method                 *string `json:"Method"`
	DataFormat             *string `json:"DataFormat"`
	AuthenticationType     *string `json:"AuthenticationType"`
	AuthenticationUsername *string `json:"AuthenticationUsername"`
	AuthenticationPassword *string `json:"AuthenticationPassword"`
	AuthenticationToken    *string `json:"AuthenticationToken"`
	SubscribedEvents       *string `json:"SubscribedEvents"`
}

// members returns pointers to the fields in documented order (see webhookMembers).
func (f *WebhookFields) members() [9]**string {
	return [9]**string{
		&f.AccountID, &f.WebhookURL, &f.Method, &f.DataFormat, &f.AuthenticationType,
		&f.AuthenticationUsername, &f.AuthenticationPassword, &f.AuthenticationToken,
		&f.SubscribedEvents,
	}
}

func (f WebhookFields) clone() WebhookFields {
	for _, p := range f.members() {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	return f
}

// Webhook is a stored webhook.
type Webhook struct {
	WebhookFields
	WebhookID string `json:"WebhookId"`
	Active    bool   `json:"Active"`
}

type tokenGrant struct {
	scope  string
	expiry time.Time
}

// Simulator simulates Telegent's token and webhook endpoints. It is safe for
// concurrent use. Create it with New.
type Simulator struct {
	accountKey, accountSecret string
	lifetime                  time.Duration
	clock                     Clock
	log                       *slog.Logger
	location                  *time.Location
	publicBase                string
	disableAdmin              bool
	skipOwnership             bool
	initialFaults             Faults

	// hookLatency, when set by tests before serving, runs as a latency wait starts.
	hookLatency func()

	mu                 sync.Mutex
	faults             Faults
	defaultWebhookOnce bool // the default webhook faults' once has been used
	defaultTokenOnce   bool // the default token faults' once has been used
	onceUsed           map[string]bool
	tokens             map[string]tokenGrant
	webhooks           []*Webhook
	byID               map[string]*Webhook
	createsByURL       map[string]int
	lastID             int64
	counters           Counters
}

// New returns a Simulator for cfg. It panics if cfg.Faults is invalid, as that is a
// programming error in the caller (the binary validates its flag first).
func New(cfg Config) *Simulator {
	if err := cfg.Faults.Validate(); err != nil {
		panic(fmt.Sprintf("telegentsim: invalid Config.Faults: %v", err))
	}
	s := &Simulator{
		accountKey:    cfg.AccountKey,
		accountSecret: cfg.AccountSecret,
		lifetime:      cfg.TokenLifetime,
		clock:         cfg.Clock,
		log:           cfg.Logger,
		location:      cfg.ExpiryLocation,
		publicBase:    strings.TrimRight(cfg.PublicBaseURL, "/"),
		disableAdmin:  cfg.DisableAdmin,
		skipOwnership: cfg.SkipOwnershipCheck,
		initialFaults: cfg.Faults,
		lastID:        1000000, // ids look like Telegent's example, WID-1234567
	}
	if s.accountKey == "" {
		s.accountKey = DefaultAccountKey
	}
	if s.accountSecret == "" {
		s.accountSecret = DefaultAccountSecret
	}
	if s.lifetime <= 0 {
		s.lifetime = DefaultTokenLifetime
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.location == nil {
		s.location = time.UTC
	}
	s.resetLocked()
	return s
}

// resetLocked restores the initial state; the id sequence keeps counting so that
// ids stay unique for the simulator's whole life.
func (s *Simulator) resetLocked() {
	s.faults = s.initialFaults
	s.defaultWebhookOnce, s.defaultTokenOnce = false, false
	s.onceUsed = map[string]bool{}
	s.tokens = map[string]tokenGrant{}
	s.webhooks = nil
	s.byID = map[string]*Webhook{}
	s.createsByURL = map[string]int{}
	s.counters = Counters{}
}

// Reset forgets every token, webhook, counter and once-marker and restores the
// default faults of the Config. Webhook ids keep increasing across resets.
func (s *Simulator) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

// RevokeTokens invalidates every token issued so far, as if Telegent revoked them
// mid-load: their next use gets 401.
func (s *Simulator) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// SetFaults replaces the default faults and re-arms their once-marker.
func (s *Simulator) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("set faults: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.defaultWebhookOnce, s.defaultTokenOnce = false, false
	return nil
}

// Faults returns the current default faults.
func (s *Simulator) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Counters returns a snapshot of the counters.
func (s *Simulator) Counters() Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters
}

// Webhooks returns copies of the stored webhooks in creation order.
func (s *Simulator) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Webhook, len(s.webhooks))
	for i, w := range s.webhooks {
		out[i] = Webhook{WebhookFields: w.WebhookFields.clone(), WebhookID: w.WebhookID, Active: w.Active}
	}
	return out
}

// CreatesByURL returns, per WebhookUrl, how many webhooks create stored with it. A
// count above one means the same webhook was created more than once.
func (s *Simulator) CreatesByURL() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.createsByURL)
}

// claimOnce reports whether a spec marked once may still fire for key, and marks it.
func (s *Simulator) claimOnce(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.onceUsed[key] {
		return false
	}
	s.onceUsed[key] = true
	return true
}

// defaultWebhookFaults returns the default webhook faults for a request to op and
// claims their once. With preBody it returns only faults that act before the body
// is read (drop:before-body), leaving the others to be claimed once the body is
// known.
func (s *Simulator) defaultWebhookFaults(op operation, preBody bool) Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults.webhookPart()
	if !f.hasWebhookFaults() || !f.appliesTo(op.endpoint()) || (preBody && f.Drop != DropBeforeBody) {
		return Faults{}
	}
	if f.Once {
		if s.defaultWebhookOnce {
			return Faults{}
		}
		s.defaultWebhookOnce = true
	}
	return f
}

// defaultTokenFaults returns the default token faults, claiming their once.
func (s *Simulator) defaultTokenFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults.tokenPart()
	if !f.Once || !f.hasTokenFaults() {
		return f
	}
	if s.defaultTokenOnce {
		return Faults{}
	}
	s.defaultTokenOnce = true
	return f
}

func (s *Simulator) count(field func(*Counters) *int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*field(&s.counters)++
}

func (s *Simulator) now() time.Time { return s.clock.Now() }

// ServeHTTP routes a request. Besides the Telegent endpoints (see the package
// documentation) it serves, unless Config.DisableAdmin is set:
//
//	GET  /healthz            200 "ok"
//	GET  /_sim/counters      Counters as JSON
//	GET  /_sim/webhooks      stored webhooks as a JSON array (creation order),
//	                         secrets included; ?AccountId= keeps one account's
//	GET  /_sim/creates-by-url  {"<WebhookUrl>": count, ...}
//	POST /_sim/revoke-tokens  RevokeTokens; 204
//	GET  /_sim/faults        the default Faults as JSON
//	PUT  /_sim/faults        set the default Faults: JSON Faults, or a spec when the
//	                         Content-Type is text/plain; 204, or 400 if invalid
//	POST /_sim/reset         Reset; 204
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &recorder{ResponseWriter: w}
	defer func() {
		level := slog.LevelDebug
		if rw.fault != "" {
			level = slog.LevelInfo
		}
		status := rw.status
		if status == 0 && !rw.dropped {
			status = http.StatusOK
		}
		s.log.LogAttrs(r.Context(), level, "sim request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Bool("dropped", rw.dropped),
			slog.String("fault", rw.fault),
			slog.Duration("duration", time.Since(start)),
		)
	}()
	path := r.URL.Path
	switch {
	case strings.EqualFold(path, TokenPath):
		s.serveToken(rw, r)
	case strings.EqualFold(path, CreatePath):
		s.serveWebhook(rw, r, opCreate)
	case strings.EqualFold(path, UpdatePath):
		s.serveWebhook(rw, r, opUpdate)
	case strings.EqualFold(path, DeletePath):
		s.serveWebhook(rw, r, opDelete)
	case strings.EqualFold(path, ListPath):
		s.serveWebhook(rw, r, opList)
	case path == "/healthz":
		s.serveHealth(rw, r)
	case !s.disableAdmin && strings.HasPrefix(path, "/_sim/"):
		s.serveAdmin(rw, r)
	default:
		writeError(rw, http.StatusNotFound, "not_found", "no such endpoint: "+path)
	}
}

// recorder remembers what a handler did, for the request log line. Unwrap lets
// http.ResponseController reach the connection to hijack it.
type recorder struct {
	http.ResponseWriter
	status  int
	dropped bool
	fault   string
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// noteFault records on the log line that a fault took effect and counts it.
func (s *Simulator) noteFault(w http.ResponseWriter, f Faults) {
	if rw, ok := w.(*recorder); ok {
		if rw.fault != "" {
			return
		}
		rw.fault = f.String()
	}
	s.count(func(c *Counters) *int64 { return &c.FaultsInjected })
}

// drop closes the client connection without an answer. Where the connection cannot
// be hijacked (HTTP/2, a ResponseRecorder) it aborts the handler instead, which the
// net/http server turns into a reset stream or closed connection.
func (s *Simulator) drop(w http.ResponseWriter) {
	if rw, ok := w.(*recorder); ok {
		rw.dropped = true
	}
	s.count(func(c *Counters) *int64 { return &c.Dropped })
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
