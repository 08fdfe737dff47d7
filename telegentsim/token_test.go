package telegentsim

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/platform/telegent-facade/internal/testutil"
)

func TestTokenCall(t *testing.T) {
	t.Parallel()
	const scope = "https://api.telegent.com/v1.0/webhook/create"
	good := map[string]any{"AccountKey": DefaultAccountKey, "AccountSecret": DefaultAccountSecret, "ApiEndpoint": scope}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == "<absent>" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := map[string]struct {
		method, path string
		body         any
		header       map[string]string
		want         int
		wantErr      string // substring of the error member
	}{
		"issued":                   {path: TokenPath, body: good, want: 200},
		"mixed case path":          {path: "/v1.0/OAuth2/tokens", body: good, want: 200},
		"upper case path":          {path: "/V1.0/OAUTH2/TOKENS", body: good, want: 200},
		"lower case member names":  {path: TokenPath, body: map[string]any{"accountkey": DefaultAccountKey, "accountsecret": DefaultAccountSecret, "apiendpoint": scope}, want: 200},
		"charset in content type":  {path: TokenPath, body: good, header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, want: 200},
		"wrong key":                {path: TokenPath, body: with("AccountKey", "DID-other"), want: 401, wantErr: "AccountKey"},
		"wrong secret":             {path: TokenPath, body: with("AccountSecret", "nope"), want: 401, wantErr: "AccountSecret"},
		"missing secret":           {path: TokenPath, body: with("AccountSecret", "<absent>"), want: 401},
		"missing ApiEndpoint":      {path: TokenPath, body: with("ApiEndpoint", "<absent>"), want: 400, wantErr: "ApiEndpoint"},
		"empty ApiEndpoint":        {path: TokenPath, body: with("ApiEndpoint", ""), want: 400, wantErr: "ApiEndpoint"},
		"ApiEndpoint not a string": {path: TokenPath, body: with("ApiEndpoint", 7), want: 400, wantErr: "ApiEndpoint"},
		"malformed JSON":           {path: TokenPath, body: `{"AccountKey":`, want: 400},
		"JSON array":               {path: TokenPath, body: `[]`, want: 400},
		"empty body":               {path: TokenPath, body: ``, want: 400},
		"trailing data":            {path: TokenPath, body: `{"ApiEndpoint":"x"} {}`, want: 400},
		"GET":                      {method: http.MethodGet, path: TokenPath, want: 405},
		"text body":                {path: TokenPath, body: good, header: map[string]string{"Content-Type": "text/plain"}, want: 415},
		"no content type":          {path: TokenPath, body: good, header: map[string]string{"Content-Type": ""}, want: 415},
		"too large":                {path: TokenPath, body: `{"x":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, want: 413},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{})
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			r := h.must(method, tc.path, tc.body, tc.header)
			wantStatus(t, r, tc.want)
			m := r.json(t)
			if tc.want != 200 {
				if m["successful"] != false {
					t.Errorf("successful = %v, want false", m["successful"])
				}
				if msg, _ := m["error"].(string); msg == "" || !strings.Contains(msg, tc.wantErr) {
					t.Errorf("error = %q, want it to mention %q", msg, tc.wantErr)
				}
				if tc.want == 401 && h.sim.Counters().Unauthorized != 1 {
					t.Errorf("Unauthorized = %d, want 1", h.sim.Counters().Unauthorized)
				}
				if h.sim.Counters().TokensIssued != 0 {
					t.Error("a token was issued")
				}
				return
			}
			tok, _ := m["token"].(string)
			raw, err := base64.RawURLEncoding.DecodeString(tok)
			if err != nil || len(raw) != 32 {
				t.Errorf("token %q: want base64url of 32 bytes (err %v)", tok, err)
			}
			if m["successful"] != true || m["error"] != "" || m["apiEndpoint"] != scope {
				t.Errorf("body = %s", r.body)
			}
			if _, err := time.Parse(ExpiryLayout, m["tokenExpiry"].(string)); err != nil {
				t.Errorf("tokenExpiry: %v", err)
			}
			wantCounters(t, h.sim, Counters{TokenRequests: 1, TokensIssued: 1})
		})
	}
}

func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	issued := time.Date(2025, 5, 2, 18, 31, 13, 600_000_000, time.UTC)
	est := time.FixedZone("EST", -5*3600)
	tests := map[string]struct {
		lifetime time.Duration
		loc      *time.Location
		format   string
		want     string // "" with absent: member missing
		absent   bool
	}{
		"default lifetime, UTC, sub-second dropped": {want: "05/02/2025 06:36:13 PM"},
		"custom lifetime": {lifetime: 90 * time.Second, want: "05/02/2025 06:32:43 PM"},
		"zone":            {loc: est, want: "05/02/2025 01:36:13 PM"},
		"past":            {format: ExpiryPast, want: "05/02/2025 05:31:13 PM"},
		"far future":      {format: ExpiryFarFuture, want: "05/02/2035 06:36:13 PM"},
		"garbled":         {format: ExpiryGarbled, want: "13/45/20x5 27:61:99 ZM"},
		"empty":           {format: ExpiryEmpty, want: ""},
		"missing":         {format: ExpiryMissing, absent: true},
		"rfc3339":         {format: ExpiryRFC3339, want: "2025-05-02T18:36:13Z"},
		"layout":          {format: "layout:2006-01-02 15:04:05", loc: est, want: "2025-05-02 13:36:13"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{
				Clock: testutil.NewClock(issued), TokenLifetime: tc.lifetime, ExpiryLocation: tc.loc,
				Faults: Faults{TokenExpiryFormat: tc.format},
			})
			r := h.must(http.MethodPost, TokenPath, map[string]any{
				"AccountKey": DefaultAccountKey, "AccountSecret": DefaultAccountSecret, "ApiEndpoint": h.url(CreatePath),
			}, nil)
			wantStatus(t, r, 200)
			got, present := r.json(t)["tokenExpiry"]
			if tc.absent {
				if present {
					t.Fatalf("tokenExpiry present: %s", r.body)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("tokenExpiry = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTokensAreUnique(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	seen := map[string]bool{}
	for range 50 {
		tok := h.tokenFor(h.url(CreatePath))
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
	}
}

func TestCustomCredentials(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{AccountKey: "DID-1234567ab-1a2b", AccountSecret: "hunter2"})
	for _, tc := range []struct {
		key, secret string
		want        int
	}{
		{"DID-1234567ab-1a2b", "hunter2", 200},
		{DefaultAccountKey, DefaultAccountSecret, 401},
	} {
		r := h.must(http.MethodPost, TokenPath, map[string]any{"AccountKey": tc.key, "AccountSecret": tc.secret, "ApiEndpoint": "x"}, nil)
		wantStatus(t, r, tc.want)
	}
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 5, 2, 18, 0, 0, 250_000_000, time.UTC)
	tests := map[string]struct {
		cfg Config
		// auth builds the Authorization header; it may move the clock or revoke.
		auth    func(h *harness, clock *testutil.Clock) string
		want    int
		wantMsg string
	}{
		"valid": {
			auth: func(h *harness, _ *testutil.Clock) string { return "Bearer " + h.tokenFor(h.url(CreatePath)) },
			want: 200,
		},
		"scheme is case-insensitive": {
			auth: func(h *harness, _ *testutil.Clock) string { return "bearer " + h.tokenFor(h.url(CreatePath)) },
			want: 200,
		},
		"no header": {
			auth: func(*harness, *testutil.Clock) string { return "" },
			want: 401, wantMsg: "missing",
		},
		"basic scheme": {
			auth: func(h *harness, _ *testutil.Clock) string { return "Basic " + h.tokenFor(h.url(CreatePath)) },
			want: 401, wantMsg: "missing",
		},
		"unknown token": {
			auth: func(*harness, *testutil.Clock) string { return "Bearer not-a-token" },
			want: 401, wantMsg: "unknown",
		},
		"scoped to update": {
			auth: func(h *harness, _ *testutil.Clock) string { return "Bearer " + h.tokenFor(h.url(UpdatePath)) },
			want: 401, wantMsg: "scoped",
		},
		"scoped to production without PublicBaseURL": {
			auth: func(h *harness, _ *testutil.Clock) string {
				return "Bearer " + h.tokenFor("https://api.telegent.com"+CreatePath)
			},
			want: 401, wantMsg: "scoped",
		},
		"scoped to production with PublicBaseURL": {
			cfg: Config{PublicBaseURL: "https://api.telegent.com/"},
			auth: func(h *harness, _ *testutil.Clock) string {
				return "Bearer " + h.tokenFor("https://API.telegent.com"+CreatePath)
			},
			want: 200,
		},
		"PublicBaseURL refuses the local address": {
			cfg:  Config{PublicBaseURL: "https://api.telegent.com"},
			auth: func(h *harness, _ *testutil.Clock) string { return "Bearer " + h.tokenFor(h.url(CreatePath)) },
			want: 401, wantMsg: "scoped",
		},
		"scope path is exact": {
			auth: func(h *harness, _ *testutil.Clock) string { return "Bearer " + h.tokenFor(h.url(CreatePath+"/")) },
			want: 401, wantMsg: "scoped",
		},
		"one nanosecond before expiry": {
			auth: func(h *harness, c *testutil.Clock) string {
				tok := h.tokenFor(h.url(CreatePath))
				// expiry is start+5m truncated to the second: 18:05:00
				c.Set(time.Date(2025, 5, 2, 18, 5, 0, 0, time.UTC).Add(-time.Nanosecond))
				return "Bearer " + tok
			},
			want: 200,
		},
		"at expiry": {
			auth: func(h *harness, c *testutil.Clock) string {
				tok := h.tokenFor(h.url(CreatePath))
				c.Set(time.Date(2025, 5, 2, 18, 5, 0, 0, time.UTC))
				return "Bearer " + tok
			},
			want: 401, wantMsg: "expired",
		},
		"revoked": {
			auth: func(h *harness, _ *testutil.Clock) string {
				tok := h.tokenFor(h.url(CreatePath))
				h.sim.RevokeTokens()
				return "Bearer " + tok
			},
			want: 401, wantMsg: "revoked",
		},
		"after reset": {
			auth: func(h *harness, _ *testutil.Clock) string {
				tok := h.tokenFor(h.url(CreatePath))
				h.sim.Reset()
				return "Bearer " + tok
			},
			want: 401,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := testutil.NewClock(start)
			cfg := tc.cfg
			cfg.Clock = clock
			h := newHarness(t, cfg)
			r := h.must(http.MethodPost, CreatePath, validBody(nil), map[string]string{"Authorization": tc.auth(h, clock)})
			wantStatus(t, r, tc.want)
			if tc.want == 401 {
				m := r.json(t)
				if msg, _ := m["message"].(string); !strings.Contains(msg, tc.wantMsg) {
					t.Errorf("message = %q, want it to contain %q", msg, tc.wantMsg)
				}
				if m["error"] == "" || m["error"] == nil {
					t.Errorf("no error member: %s", r.body)
				}
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
				}
				c := h.sim.Counters()
				if c.Unauthorized != 1 || c.CreatesAccepted != 0 || c.CreatesAttempted != 1 {
					t.Errorf("counters = %+v", c)
				}
			}
		})
	}
}

// TestInProcess drives the simulator through ServeHTTP with client-style requests, as
// an embedding RoundTripper would, scoped to the production URL.
func TestInProcess(t *testing.T) {
	t.Parallel()
	sim := New(Config{})
	scope := "https://api.telegent.com" + CreatePath
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "https://api.telegent.com"+TokenPath,
		strings.NewReader(`{"AccountKey":"DID-sim-key","AccountSecret":"sim-secret","ApiEndpoint":"`+scope+`"}`))
	req.Header.Set("Content-Type", "application/json")
	sim.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	tok := response{body: rec.Body.Bytes()}.json(t)["token"].(string)

	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, scope, strings.NewReader(`{"AccountId":"AID-1","WebhookUrl":"https://h.example/x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	sim.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
}
