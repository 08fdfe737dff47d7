package telegent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/platform/telegent-facade/internal/testutil"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Values that must never show up in an error or a log line.
const (
	testKey       = "DID-1234567ab-1a2b-3c4d"
	testSecret    = "acct-Secret/9f8e\"7d"
	testPassword  = "s3cureP@ss word"
	testHookToken = "hook-token-abc123XYZ"
)

// newFakeClock starts at whole seconds, because tokenExpiry has second
// resolution.
func newFakeClock() *testutil.Clock {
	return testutil.NewClock(time.Date(2025, 5, 2, 18, 0, 0, 0, time.UTC))
}

// upstream is a fake Telegent. By default it issues tokens living lifetime
// (by the fake clock) and echoes creates like the real API. It refuses, and
// counts as stale, any create whose token it did not issue or that has
// expired by the fake clock; every test asserts there were none.
type upstream struct {
	t        *testing.T
	srv      *httptest.Server
	clock    *testutil.Clock
	lifetime time.Duration

	mu          sync.Mutex
	tokenCalls  int
	createCalls int
	issued      map[string]time.Time
	stale       int
	onToken     func(w http.ResponseWriter, r *http.Request, n int)
	onCreate    func(w http.ResponseWriter, r *http.Request, n int, tok string, req map[string]any)
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{t: t, clock: newFakeClock(), lifetime: 5 * time.Minute, issued: map[string]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1.0/oauth2/tokens", u.handleToken)
	mux.HandleFunc("POST /v1.0/webhook/create", u.handleCreate)
	u.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		u.srv.Close()
		u.mu.Lock()
		defer u.mu.Unlock()
		if u.stale != 0 {
			t.Errorf("upstream received %d creates with an expired or unknown token", u.stale)
		}
	})
	return u
}

func (u *upstream) scope() string { return u.srv.URL + "/v1.0/webhook/create" }

func (u *upstream) setToken(f func(w http.ResponseWriter, r *http.Request, n int)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.onToken = f
}

func (u *upstream) setCreate(f func(w http.ResponseWriter, r *http.Request, n int, tok string, req map[string]any)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.onCreate = f
}

func (u *upstream) counts() (tokens, creates int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.tokenCalls, u.createCalls
}

func (u *upstream) handleToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		u.t.Errorf("token request body: %v", err)
	}
	if req.AccountKey != testKey || req.AccountSecret != testSecret || req.ApiEndpoint != u.scope() {
		u.t.Errorf("token request = %+v, want key, secret and scope %s", req, u.scope())
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		u.t.Errorf("token Content-Type = %q", ct)
	}
	if a := r.Header.Get("Authorization"); a != "" {
		u.t.Errorf("token call carries Authorization %q", a)
	}
	u.mu.Lock()
	u.tokenCalls++
	n, f := u.tokenCalls, u.onToken
	u.mu.Unlock()
	if f != nil {
		f(w, r, n)
		return
	}
	u.issue(w, u.clock.Now().Add(u.lifetime), "")
}

// issue hands out a new token valid until validUntil (as the upstream sees
// it) and announces expiryText, or validUntil in the documented layout.
func (u *upstream) issue(w http.ResponseWriter, validUntil time.Time, expiryText string) string {
	u.mu.Lock()
	tok := fmt.Sprintf("tok-%d", len(u.issued)+1)
	u.issued[tok] = validUntil
	u.mu.Unlock()
	if expiryText == "" {
		expiryText = validUntil.UTC().Format(TokenExpiryLayout)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token": tok, "successful": true, "tokenExpiry": expiryText, "error": "", "apiEndpoint": u.scope(),
	})
	return tok
}

func (u *upstream) handleCreate(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	u.mu.Lock()
	validUntil, known := u.issued[tok]
	if !ok || !known || !u.clock.Now().Before(validUntil) {
		u.stale++
		u.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	u.createCalls++
	n, f := u.createCalls, u.onCreate
	u.mu.Unlock()

	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		u.t.Errorf("create Content-Type = %q", ct)
	}
	if a := r.Header.Get("Accept"); a != "application/json" {
		u.t.Errorf("create Accept = %q", a)
	}
	var req map[string]any
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		u.t.Errorf("create body: %v", err)
	}
	if f != nil {
		f(w, r, n, tok, req)
		return
	}
	echoCreate(w, n, req)
}

// echoCreate answers like the documented API, secrets echoed included.
func echoCreate(w http.ResponseWriter, n int, req map[string]any) {
	resp := map[string]any{}
	for k, v := range req {
		resp[k] = v
	}
	resp["WebhookId"] = fmt.Sprintf("WID-%07d", n)
	resp["Active"] = true
	writeJSON(w, http.StatusOK, resp)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// recorder is an Observer that remembers what it saw.
type recorder struct {
	mu       sync.Mutex
	upstream []string // "op status"
	fetches  []string
	retries  []string // "op reason"
}

func (r *recorder) ObserveUpstream(op string, status int, _ time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := fmt.Sprintf("%s %d", op, status)
	if err != nil {
		s += " " + KindOf(err).String()
	}
	r.upstream = append(r.upstream, s)
}

func (r *recorder) ObserveTokenFetch(outcome string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fetches = append(r.fetches, outcome)
}

func (r *recorder) ObserveRetry(op, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries = append(r.retries, op+" "+reason)
}

func (r *recorder) snapshot() (upstream, fetches, retries []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.upstream...), append([]string(nil), r.fetches...), append([]string(nil), r.retries...)
}

// harness is a Client wired to an upstream, with its log, metrics and
// retry delays captured.
type harness struct {
	*Client
	up     *upstream
	obs    *recorder
	logs   *testutil.SyncBuffer
	mu     sync.Mutex
	delays []time.Duration
}

func newHarness(t *testing.T, u *upstream, mod func(*Config)) *harness {
	t.Helper()
	h := &harness{up: u, obs: &recorder{}, logs: &testutil.SyncBuffer{}}
	cfg := Config{
		BaseURL:       u.srv.URL,
		AccountKey:    testKey,
		AccountSecret: testSecret,
		HTTPClient:    NewHTTPClient(),
		Clock:         u.clock,
		Logger:        slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observer:      h.obs,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// Retry delays are recorded, not waited for: the tests assert what
	// is retried, not how long it takes.
	c.sleep = func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.delays = append(h.delays, d)
		h.mu.Unlock()
		return ctx.Err()
	}
	t.Cleanup(c.CloseIdleConnections)
	h.Client = c
	return h
}

func (h *harness) retryDelays() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.delays...)
}

func basicRequest() *CreateWebhookRequest {
	return &CreateWebhookRequest{
		AccountId:              "AID-1234567",
		WebhookUrl:             "https://api.example.com/telegent/events",
		Method:                 "POST",
		DataFormat:             "json",
		AuthenticationType:     "Basic",
		AuthenticationUsername: "webhook_user",
		AuthenticationPassword: testPassword,
		AuthenticationToken:    testHookToken,
		SubscribedEvents:       "Order_Update",
	}
}

// asError returns err as *Error or fails the test.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	e, ok := errors.AsType[*Error](err)
	if !ok {
		t.Fatalf("error %v (%T) is not *Error", err, err)
	}
	return e
}

// checkError asserts the parts of an *Error callers act on, and that its
// text leaks nothing.
func checkError(t *testing.T, err error, kind Kind, status int, outcomeUnknown bool) *Error {
	t.Helper()
	e := asError(t, err)
	if e.Kind != kind || e.StatusCode != status || e.OutcomeUnknown != outcomeUnknown {
		t.Errorf("error = {Kind:%v Status:%d OutcomeUnknown:%v}, want {Kind:%v Status:%d OutcomeUnknown:%v} (%v)",
			e.Kind, e.StatusCode, e.OutcomeUnknown, kind, status, outcomeUnknown, err)
	}
	assertNoSecrets(t, "Error()", err.Error())
	assertNoSecrets(t, "%+v", fmt.Sprintf("%+v", err))
	return e
}

// assertNoSecrets fails if s contains any secret or an issued token.
func assertNoSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{testSecret, testPassword, testHookToken, "tok-1", "s3cureP", "acct-Secret"} {
		if strings.Contains(s, secret) {
			t.Errorf("%s leaks %q: %s", what, secret, s)
		}
	}
}
