package telegent

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTokenExpiryHandling(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		announce      func(now time.Time) string
		wantExpiry    time.Duration // from the moment the request was sent
		wantRefreshAt time.Duration
		wantWarning   bool
	}{
		"documented layout": {
			announce:   func(now time.Time) string { return now.Add(5 * time.Minute).Format(TokenExpiryLayout) },
			wantExpiry: 5 * time.Minute, wantRefreshAt: 5*time.Minute - 30*time.Second,
		},
		"unpadded": {
			announce:   func(now time.Time) string { return now.Add(3 * time.Minute).Format("1/2/2006 3:04:05 PM") },
			wantExpiry: 3 * time.Minute, wantRefreshAt: 3*time.Minute - 30*time.Second,
		},
		"one minute: margin is a fifth": {
			announce:   func(now time.Time) string { return now.Add(time.Minute).Format(TokenExpiryLayout) },
			wantExpiry: time.Minute, wantRefreshAt: 48 * time.Second,
		},
		"RFC 3339 with offset": {
			announce: func(now time.Time) string {
				return now.Add(5 * time.Minute).In(time.FixedZone("CEST", 2*3600)).Format(time.RFC3339)
			},
			wantExpiry: 5 * time.Minute, wantRefreshAt: 5*time.Minute - 30*time.Second,
		},
		"just under the maximum": {
			announce:   func(now time.Time) string { return now.Add(59 * time.Minute).Format(TokenExpiryLayout) },
			wantExpiry: 59 * time.Minute, wantRefreshAt: 59*time.Minute - 30*time.Second,
		},
		"local time west of UTC reads as past": {
			announce:   func(now time.Time) string { return now.Add(-4*time.Hour + 5*time.Minute).Format(TokenExpiryLayout) },
			wantExpiry: 2 * time.Minute, wantRefreshAt: 2*time.Minute - 24*time.Second, wantWarning: true,
		},
		"local time east of UTC reads as far ahead": {
			announce:   func(now time.Time) string { return now.Add(2*time.Hour + 5*time.Minute).Format(TokenExpiryLayout) },
			wantExpiry: 2 * time.Minute, wantRefreshAt: 2*time.Minute - 24*time.Second, wantWarning: true,
		},
		"too close to now": {
			announce:   func(now time.Time) string { return now.Add(5 * time.Second).Format(TokenExpiryLayout) },
			wantExpiry: 2 * time.Minute, wantRefreshAt: 2*time.Minute - 24*time.Second, wantWarning: true,
		},
		"garbage": {
			announce:   func(time.Time) string { return "in a few minutes" },
			wantExpiry: 2 * time.Minute, wantRefreshAt: 2*time.Minute - 24*time.Second, wantWarning: true,
		},
		"empty": {
			announce:   func(time.Time) string { return "" },
			wantExpiry: 2 * time.Minute, wantRefreshAt: 2*time.Minute - 24*time.Second, wantWarning: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t)
			u.setToken(func(w http.ResponseWriter, _ *http.Request, _ int) {
				// The upstream honours the token far longer than announced, so
				// only the client's own expiry decides when it refreshes.
				now := u.clock.Now()
				u.issue(w, now.Add(24*time.Hour), tc.announce(now))
			})
			h := newHarness(t, u, nil)
			sentAt := u.clock.Now()
			for range 2 {
				if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
					t.Fatal(err)
				}
				tok, ok := h.tokens.load(u.scope())
				if !ok {
					t.Fatal("no token cached")
				}
				if got := tok.expiry.Sub(sentAt); got != tc.wantExpiry {
					t.Errorf("expiry = sent + %v, want + %v", got, tc.wantExpiry)
				}
				if got := tok.refreshAt.Sub(sentAt); got != tc.wantRefreshAt {
					t.Errorf("refreshAt = sent + %v, want + %v", got, tc.wantRefreshAt)
				}
				// Move to the refresh point for a second, independent fetch.
				u.clock.Advance(tc.wantRefreshAt)
				sentAt = u.clock.Now()
			}
			if tokens, _ := u.counts(); tokens != 2 {
				t.Errorf("token calls = %d, want 2", tokens)
			}
			logs := h.logs.String()
			if got := strings.Count(logs, "not believed"); (got == 1) != tc.wantWarning || got > 1 {
				t.Errorf("warning logged %d times, want it once: %v; logs:\n%s", got, tc.wantWarning, logs)
			}
			assertNoSecrets(t, "logs", logs)
			if strings.Contains(logs, "tok-") {
				t.Errorf("logs contain a token:\n%s", logs)
			}
		})
	}
}

func TestTokenEarlyRefresh(t *testing.T) {
	t.Parallel()
	type step struct {
		at          time.Duration // since the first fetch
		wantFetches int
	}
	tests := map[string]struct {
		lifetime time.Duration
		steps    []step
	}{
		"five minutes, 30s margin": {
			lifetime: 5 * time.Minute,
			steps:    []step{{0, 1}, {time.Minute, 1}, {4*time.Minute + 29*time.Second, 1}, {4*time.Minute + 30*time.Second, 2}, {4*time.Minute + 31*time.Second, 2}},
		},
		"one minute, a fifth as margin": {
			lifetime: time.Minute,
			steps:    []step{{0, 1}, {47 * time.Second, 1}, {48 * time.Second, 2}, {96 * time.Second, 3}},
		},
		"ten minutes, 30s margin": {
			lifetime: 10 * time.Minute,
			steps:    []step{{0, 1}, {9*time.Minute + 29*time.Second, 1}, {9*time.Minute + 30*time.Second, 2}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t)
			u.lifetime = tc.lifetime
			h := newHarness(t, u, nil)
			start := u.clock.Now()
			for _, s := range tc.steps {
				u.clock.Advance(start.Add(s.at).Sub(u.clock.Now()))
				if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
					t.Fatalf("at %v: %v", s.at, err)
				}
				if tokens, _ := u.counts(); tokens != s.wantFetches {
					t.Errorf("at %v: token calls = %d, want %d", s.at, tokens, s.wantFetches)
				}
			}
		})
	}
}

func TestTokenNeverSentAtExpiry(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	// A margin of a nanosecond leaves "expired" as the only reason to refresh.
	h := newHarness(t, u, func(c *Config) { c.RefreshMargin = time.Nanosecond })
	if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
		t.Fatal(err)
	}
	u.clock.Advance(u.lifetime) // exactly at expiry: the upstream would refuse tok-1
	if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
		t.Fatal(err)
	}
	if tokens, creates := u.counts(); tokens != 2 || creates != 2 {
		t.Errorf("token calls %d, creates %d; want 2, 2", tokens, creates)
	}
	// The upstream's cleanup check asserts no stale token arrived.
}

func TestTokenRefreshFailureKeepsValidToken(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	h := newHarness(t, u, nil)
	if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
		t.Fatal(err)
	}
	u.setToken(func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusInternalServerError) })

	u.clock.Advance(4*time.Minute + 40*time.Second) // refresh due, tok-1 still valid
	if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
		t.Fatalf("refresh failure failed the call although the token was valid: %v", err)
	}
	if tokens, _ := u.counts(); tokens != 1+1+DefaultTokenRetries {
		t.Errorf("token calls = %d, want %d", tokens, 2+DefaultTokenRetries)
	}

	u.clock.Advance(20 * time.Second) // tok-1 has now expired
	_, err := h.CreateWebhook(t.Context(), basicRequest())
	if e := checkError(t, err, KindUpstreamUnavailable, 500, false); e.Op != OpFetchToken {
		t.Errorf("Op = %q", e.Op)
	}
	if _, creates := u.counts(); creates != 2 {
		t.Errorf("creates = %d, want 2", creates)
	}
	if !strings.Contains(h.logs.String(), "token fetch failed") {
		t.Error("failed fetch not logged")
	}
	assertNoSecrets(t, "logs", h.logs.String())
}

func TestUnauthorizedRetry(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		create      func(w http.ResponseWriter, tok string, n int)
		wantKind    Kind // KindUnknown: success
		wantStatus  int
		wantReason  string
		wantCreates int
		wantCached  bool // a token is still cached afterwards
	}{
		"first token refused, fresh one works": {
			create: func(w http.ResponseWriter, tok string, n int) {
				if tok == "tok-1" {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				echoCreate(w, n, map[string]any{})
			},
			wantCreates: 2, wantCached: true,
		},
		"fresh token refused too": {
			create: func(w http.ResponseWriter, _ string, _ int) {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "token scope mismatch"})
			},
			wantKind: KindUnauthorized, wantStatus: 401, wantReason: "token scope mismatch", wantCreates: 2,
		},
		"then a server error": {
			create: func(w http.ResponseWriter, tok string, _ int) {
				if tok == "tok-1" {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.WriteHeader(http.StatusInternalServerError)
			},
			wantKind: KindUpstreamUnavailable, wantStatus: 500, wantCreates: 2, wantCached: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t)
			u.setCreate(func(w http.ResponseWriter, _ *http.Request, n int, tok string, _ map[string]any) {
				tc.create(w, tok, n)
			})
			h := newHarness(t, u, nil)
			_, err := h.CreateWebhook(t.Context(), basicRequest())
			if tc.wantKind == KindUnknown {
				if err != nil {
					t.Fatal(err)
				}
			} else if e := checkError(t, err, tc.wantKind, tc.wantStatus, tc.wantStatus == http.StatusInternalServerError); e.Reason != tc.wantReason {
				// Telegent fails a create with 500 after storing the
				// webhook as well as before: the outcome is unknown.
				t.Errorf("Reason = %q, want %q", e.Reason, tc.wantReason)
			}
			if tokens, creates := u.counts(); tokens != 2 || creates != tc.wantCreates {
				t.Errorf("token calls %d, creates %d; want 2, %d", tokens, creates, tc.wantCreates)
			}
			if _, ok := h.tokens.load(u.scope()); ok != tc.wantCached {
				t.Errorf("token cached = %v, want %v", ok, tc.wantCached)
			}
			if _, _, retries := h.obs.snapshot(); !reflect.DeepEqual(retries, []string{"create_webhook unauthorized"}) {
				t.Errorf("retries = %v", retries)
			}
		})
	}
}

func TestConcurrentUnauthorizedShareOneRefetch(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	h := newHarness(t, u, nil)
	if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
		t.Fatal(err)
	}
	// Telegent revokes tok-1 early; every caller holding it gets a 401.
	u.setCreate(func(w http.ResponseWriter, _ *http.Request, n int, tok string, req map[string]any) {
		if tok == "tok-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		echoCreate(w, n, req)
	})
	concurrentCreates(t, h, 200)
	if tokens, _ := u.counts(); tokens != 2 {
		t.Errorf("token calls = %d, want 2: concurrent 401s must not thrash the cache", tokens)
	}
}

func TestInvalidateOnlySameToken(t *testing.T) {
	t.Parallel()
	var tc tokenCache
	tc.store("create", token{value: "a"})
	tc.store("update", token{value: "u"})
	if tc.invalidate("create", "stale") {
		t.Error("invalidated a token that was not the one refused")
	}
	if !tc.invalidate("create", "a") {
		t.Error("did not invalidate the refused token")
	}
	if _, ok := tc.load("create"); ok {
		t.Error("refused token still cached")
	}
	if got, ok := tc.load("update"); !ok || got.value != "u" {
		t.Error("another scope's token was dropped")
	}
	tc.store("create", token{value: "b"})
	if tc.invalidate("create", "a") {
		t.Error("a late 401 for the old token dropped its replacement")
	}
}

func TestTokenCallFailures(t *testing.T) {
	t.Parallel()
	status := func(code int, body string, header ...string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		}
	}
	tests := map[string]struct {
		responses  []func(http.ResponseWriter) // the last one repeats; nil issues a token
		mod        func(*Config)
		wantKind   Kind // KindUnknown: success
		wantStatus int
		wantReason string
		wantCalls  int
		wantRetry  string
		wantDelay  time.Duration // minimum first delay
	}{
		"400 rejected": {
			responses: []func(http.ResponseWriter){status(400, `{"error":"invalid_client"}`)},
			wantKind:  KindCredentialsRejected, wantStatus: 400, wantReason: "invalid_client", wantCalls: 1,
		},
		"401 rejected": {
			responses: []func(http.ResponseWriter){status(401, "")},
			wantKind:  KindCredentialsRejected, wantStatus: 401, wantCalls: 1,
		},
		"403 rejected, secret scrubbed": {
			responses: []func(http.ResponseWriter){status(403, `{"message":"secret acct-Secret/9f8e\"7d is revoked"}`)},
			wantKind:  KindCredentialsRejected, wantStatus: 403, wantReason: "secret [REDACTED] is revoked", wantCalls: 1,
		},
		"404 misconfigured": {
			responses: []func(http.ResponseWriter){status(404, "")},
			wantKind:  KindNotFound, wantStatus: 404, wantCalls: 1,
		},
		"500 retried then given up": {
			responses: []func(http.ResponseWriter){status(500, "")},
			wantKind:  KindUpstreamUnavailable, wantStatus: 500, wantCalls: 1 + DefaultTokenRetries, wantRetry: RetryStatus,
		},
		"500 then ok": {
			responses: []func(http.ResponseWriter){status(502, ""), nil},
			wantCalls: 2, wantRetry: RetryStatus,
		},
		"429 honours Retry-After": {
			responses: []func(http.ResponseWriter){status(429, "", "Retry-After", "3"), nil},
			wantCalls: 2, wantRetry: RetryStatus, wantDelay: 3 * time.Second,
		},
		"429 Retry-After beyond the fetch deadline": {
			responses: []func(http.ResponseWriter){status(429, "", "Retry-After", "3600")},
			wantKind:  KindRateLimited, wantStatus: 429, wantCalls: 1,
		},
		"retries disabled": {
			responses: []func(http.ResponseWriter){status(503, "")},
			mod:       func(c *Config) { c.TokenRetries = -1 },
			wantKind:  KindUpstreamUnavailable, wantStatus: 503, wantCalls: 1,
		},
		"connection dropped, retried": {
			responses: []func(http.ResponseWriter){hangUp, nil},
			wantCalls: 2, wantRetry: RetryConnection,
		},
		"successful false": {
			responses: []func(http.ResponseWriter){status(200, `{"token":"","successful":false,"error":"bad secret acct-Secret/9f8e\"7d"}`)},
			wantKind:  KindCredentialsRejected, wantStatus: 200, wantReason: "bad secret [REDACTED]", wantCalls: 1,
		},
		"successful false without text": {
			responses: []func(http.ResponseWriter){status(200, `{"token":"x","successful":false}`)},
			wantKind:  KindCredentialsRejected, wantStatus: 200, wantReason: "token call refused", wantCalls: 1,
		},
		"error text without token": {
			responses: []func(http.ResponseWriter){status(200, `{"error":"unknown account key"}`)},
			wantKind:  KindCredentialsRejected, wantStatus: 200, wantReason: "unknown account key", wantCalls: 1,
		},
		"successful true without token": {
			responses: []func(http.ResponseWriter){status(200, `{"token":"","successful":true}`)},
			wantKind:  KindMalformedResponse, wantStatus: 200, wantReason: "token response has no token", wantCalls: 1,
		},
		"not json": {
			responses: []func(http.ResponseWriter){status(200, `<html>sign in</html>`)},
			wantKind:  KindMalformedResponse, wantStatus: 200, wantReason: "token response is not the documented JSON", wantCalls: 1,
		},
		"mistyped": {
			responses: []func(http.ResponseWriter){status(200, `{"token":42,"successful":"yes"}`)},
			wantKind:  KindMalformedResponse, wantStatus: 200, wantReason: "token response is not the documented JSON", wantCalls: 1,
		},
		"too large": {
			responses: []func(http.ResponseWriter){status(200, `{"token":"`+strings.Repeat("t", 600)+`","successful":true}`)},
			mod:       func(c *Config) { c.MaxResponseBytes = 256 },
			wantKind:  KindMalformedResponse, wantStatus: 200, wantReason: "token response exceeds 256 bytes", wantCalls: 1,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t)
			u.setToken(func(w http.ResponseWriter, _ *http.Request, n int) {
				respond := tc.responses[min(n, len(tc.responses))-1]
				if respond == nil {
					u.issue(w, u.clock.Now().Add(u.lifetime), "")
					return
				}
				respond(w)
			})
			h := newHarness(t, u, tc.mod)
			_, err := h.CreateWebhook(t.Context(), basicRequest())
			tokens, creates := u.counts()
			if tokens != tc.wantCalls {
				t.Errorf("token calls = %d, want %d", tokens, tc.wantCalls)
			}
			_, fetches, retries := h.obs.snapshot()
			if tc.wantKind == KindUnknown {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(fetches, []string{TokenFetchOK}) {
					t.Errorf("fetch outcomes = %v", fetches)
				}
			} else {
				e := checkError(t, err, tc.wantKind, tc.wantStatus, false)
				if e.Op != OpFetchToken || e.Reason != tc.wantReason {
					t.Errorf("Op %q Reason %q, want %q %q", e.Op, e.Reason, OpFetchToken, tc.wantReason)
				}
				if creates != 0 {
					t.Errorf("creates = %d without a token", creates)
				}
				want := TokenFetchFailed
				if tc.wantKind == KindCredentialsRejected {
					want = TokenFetchRejected
				}
				if !reflect.DeepEqual(fetches, []string{want}) {
					t.Errorf("fetch outcomes = %v, want [%s]", fetches, want)
				}
			}
			for _, r := range retries {
				if r != OpFetchToken+" "+tc.wantRetry {
					t.Errorf("retry %q, want reason %q", r, tc.wantRetry)
				}
			}
			if len(retries) != tc.wantCalls-1 {
				t.Errorf("retries = %v, want %d", retries, tc.wantCalls-1)
			}
			if d := h.retryDelays(); tc.wantDelay > 0 && (len(d) == 0 || d[0] < tc.wantDelay) {
				t.Errorf("delays = %v, want first >= %v", d, tc.wantDelay)
			}
			assertNoSecrets(t, "logs", h.logs.String())
		})
	}
}

// hangUp closes the connection without answering.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

func TestCanceledWaiterDoesNotFailOthers(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	u.setToken(func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			close(arrived)
		}
		<-release
		u.issue(w, u.clock.Now().Add(u.lifetime), "")
	})
	h := newHarness(t, u, nil)

	ctxA, cancelA := context.WithCancel(t.Context())
	errA := make(chan error, 1)
	go func() {
		_, err := h.CreateWebhook(ctxA, basicRequest())
		errA <- err
	}()
	<-arrived // A's fetch is in flight

	errB := make(chan error, 1)
	go func() {
		_, err := h.CreateWebhook(t.Context(), basicRequest())
		errB <- err
	}()

	cancelA()
	// A gives up at once, while the fetch is still held: it waits on its own
	// context, not on the fetch.
	if e := checkError(t, <-errA, KindCanceled, 0, false); e.Op != OpFetchToken {
		t.Errorf("A: Op = %q", e.Op)
	}
	close(release)
	if err := <-errB; err != nil {
		t.Fatalf("B failed because A was canceled: %v", err)
	}
	if tokens, creates := u.counts(); tokens != 1 || creates != 1 {
		t.Errorf("token calls %d, creates %d; want 1, 1", tokens, creates)
	}
}

func TestConcurrentAcrossLifetimes(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	h := newHarness(t, u, func(c *Config) {
		hc := NewHTTPClient()
		hc.Transport.(*http.Transport).MaxConnsPerHost = 64
		c.HTTPClient = hc
	})
	rounds := []struct {
		advance     time.Duration
		wantFetches int
	}{
		{0, 1},                              // cold cache
		{2 * time.Minute, 1},                // tok-1 reused
		{2*time.Minute + 40*time.Second, 2}, // past tok-1's refresh point (4m30s)
		{5 * time.Minute, 3},                // exactly at tok-2's expiry
		{4 * time.Minute, 3},                // tok-3 reused
		{time.Minute, 4},                    // past tok-3's refresh point
	}
	for i, r := range rounds {
		u.clock.Advance(r.advance)
		concurrentCreates(t, h, 1000)
		if tokens, _ := u.counts(); tokens != r.wantFetches {
			t.Fatalf("round %d: token calls = %d, want %d", i, tokens, r.wantFetches)
		}
	}
	if _, creates := u.counts(); creates != 1000*len(rounds) {
		t.Errorf("creates = %d", creates)
	}
}

// concurrentCreates runs n CreateWebhook calls at once and fails on any error.
func concurrentCreates(t *testing.T, h *harness, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("CreateWebhook: %v", err)
	}
}

func TestPrefetchToken(t *testing.T) {
	t.Parallel()
	t.Run("taken once, used by the next calls", func(t *testing.T) {
		t.Parallel()
		u := newUpstream(t)
		h := newHarness(t, u, nil)
		for range 2 {
			if err := h.PrefetchToken(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if tokens, creates := u.counts(); tokens != 1 || creates != 0 {
			t.Fatalf("after two prefetches: token calls %d, creates %d; want 1, 0", tokens, creates)
		}
		if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
			t.Fatal(err)
		}
		if tokens, creates := u.counts(); tokens != 1 || creates != 1 {
			t.Errorf("after a create: token calls %d, creates %d; want 1, 1", tokens, creates)
		}
	})
	t.Run("refused secret", func(t *testing.T) {
		t.Parallel()
		u := newUpstream(t)
		u.setToken(func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusUnauthorized) })
		h := newHarness(t, u, nil)
		err := h.PrefetchToken(t.Context())
		if e := checkError(t, err, KindCredentialsRejected, http.StatusUnauthorized, false); e.Op != OpFetchToken {
			t.Errorf("Op = %q, want %q", e.Op, OpFetchToken)
		}
		assertNoSecrets(t, "error", err.Error())
	})
}
