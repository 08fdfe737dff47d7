package telegent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/platform/telegent-facade/internal/testutil"
)

// Paths of the four webhook endpoints.
const (
	pathCreate = "/v1.0/webhook/create"
	pathUpdate = "/v1.0/webhook/update"
	pathDelete = "/v1.0/webhook/delete"
	pathList   = "/v1.0/account/webhooks"
)

// seen is one request a multiUpstream endpoint received.
type seen struct {
	method, query, contentType string
	body                       map[string]any
}

// multiUpstream is a fake Telegent serving the token call and the four
// webhook endpoints. Tokens are scoped: a token used on another endpoint than
// its ApiEndpoint is refused with 401 and counted as misscoped, which every
// test asserts never happens. Handlers set per path replace the default
// answer (an echo for create and update, {} for delete, [] for list).
type multiUpstream struct {
	t     *testing.T
	srv   *httptest.Server
	clock *testutil.Clock

	mu        sync.Mutex
	scopes    []string          // ApiEndpoint of every token call
	issued    map[string]string // token -> scope
	misscoped int
	calls     map[string][]seen
	handlers  map[string]func(w http.ResponseWriter, r *http.Request, n int) bool
}

func newMultiUpstream(t *testing.T) *multiUpstream {
	t.Helper()
	m := &multiUpstream{t: t, clock: newFakeClock(), issued: map[string]string{},
		calls: map[string][]seen{}, handlers: map[string]func(http.ResponseWriter, *http.Request, int) bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1.0/oauth2/tokens", m.token)
	for _, p := range []string{pathCreate, pathUpdate, pathDelete, pathList} {
		mux.HandleFunc(p, m.endpoint)
	}
	m.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		m.srv.Close()
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.misscoped != 0 {
			t.Errorf("upstream received %d calls with a token of another scope", m.misscoped)
		}
	})
	return m
}

// on sets path's handler; it returns false to fall back to the default answer.
func (m *multiUpstream) on(path string, f func(w http.ResponseWriter, r *http.Request, n int) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handlers[path] = f
}

func (m *multiUpstream) seen(path string) []seen {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls[path])
}

func (m *multiUpstream) tokenScopes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.scopes)
}

func (m *multiUpstream) token(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.AccountSecret != testSecret {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	m.mu.Lock()
	m.scopes = append(m.scopes, req.ApiEndpoint)
	tok := fmt.Sprintf("tok-%d", len(m.scopes))
	m.issued[tok] = req.ApiEndpoint
	m.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"token": tok, "successful": true, "error": "",
		"tokenExpiry": m.clock.Now().Add(5 * time.Minute).UTC().Format(TokenExpiryLayout),
	})
}

func (m *multiUpstream) endpoint(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			m.t.Errorf("%s body: %v", r.URL.Path, err)
		}
	}
	m.mu.Lock()
	if scope, ok := m.issued[tok]; !ok || scope != m.srv.URL+r.URL.Path {
		m.misscoped++
		m.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	m.calls[r.URL.Path] = append(m.calls[r.URL.Path], seen{r.Method, r.URL.RawQuery, r.Header.Get("Content-Type"), body})
	n, f := len(m.calls[r.URL.Path]), m.handlers[r.URL.Path]
	m.mu.Unlock()
	if f != nil && f(w, r, n) {
		return
	}
	switch r.URL.Path {
	case pathCreate, pathUpdate:
		echoCreate(w, n, body)
	case pathDelete:
		writeJSON(w, http.StatusOK, map[string]any{})
	default:
		writeJSON(w, http.StatusOK, []any{})
	}
}

// newMultiClient is newHarness for a multiUpstream.
func newMultiClient(t *testing.T, m *multiUpstream) *harness {
	t.Helper()
	h := &harness{obs: &recorder{}, logs: &testutil.SyncBuffer{}}
	c, err := New(Config{
		BaseURL: m.srv.URL, AccountKey: testKey, AccountSecret: testSecret,
		HTTPClient: NewHTTPClient(), Clock: m.clock, Observer: h.obs,
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
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

func updateRequest() *UpdateWebhookRequest {
	return &UpdateWebhookRequest{WebhookId: "WID-0000001", CreateWebhookRequest: *basicRequest()}
}

func TestEveryEndpointHasItsOwnToken(t *testing.T) {
	t.Parallel()
	m := newMultiUpstream(t)
	h := newMultiClient(t, m)
	ctx := t.Context()
	for range 2 { // the second round runs on cached tokens
		if _, err := h.CreateWebhook(ctx, basicRequest()); err != nil {
			t.Fatalf("CreateWebhook: %v", err)
		}
		if _, err := h.UpdateWebhook(ctx, updateRequest()); err != nil {
			t.Fatalf("UpdateWebhook: %v", err)
		}
		if err := h.DeleteWebhook(ctx, "AID-1234567", "WID-0000001"); err != nil {
			t.Fatalf("DeleteWebhook: %v", err)
		}
		if _, err := h.ListWebhooks(ctx, "AID-1234567"); err != nil {
			t.Fatalf("ListWebhooks: %v", err)
		}
	}
	want := []string{m.srv.URL + pathCreate, m.srv.URL + pathUpdate, m.srv.URL + pathDelete, m.srv.URL + pathList}
	if got := m.tokenScopes(); !reflect.DeepEqual(got, want) {
		t.Errorf("token scopes = %v, want one per endpoint %v", got, want)
	}
	_, _, retries := h.obs.snapshot()
	if len(retries) != 0 {
		t.Errorf("retries = %v", retries)
	}
	up, _, _ := h.obs.snapshot()
	for _, op := range []string{OpCreateWebhook, OpUpdateWebhook, OpDeleteWebhook, OpListWebhooks} {
		if !slices.Contains(up, op+" 200") {
			t.Errorf("no %q observation in %v", op+" 200", up)
		}
	}
}

func TestRequestShapes(t *testing.T) {
	t.Parallel()
	m := newMultiUpstream(t)
	h := newMultiClient(t, m)
	ctx := t.Context()
	if _, err := h.UpdateWebhook(ctx, updateRequest()); err != nil {
		t.Fatal(err)
	}
	if err := h.DeleteWebhook(ctx, "AID-1234567", "WID-0000009"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ListWebhooks(ctx, "AID-1234567"); err != nil {
		t.Fatal(err)
	}
	up := m.seen(pathUpdate)[0]
	if up.method != http.MethodPost || up.body["WebhookId"] != "WID-0000001" || up.body["AuthenticationPassword"] != testPassword ||
		up.body["AccountId"] != "AID-1234567" || len(up.body) != 10 || up.contentType != "application/json" {
		t.Errorf("update request = %+v", up)
	}
	del := m.seen(pathDelete)[0]
	if del.method != http.MethodPost || !reflect.DeepEqual(del.body, map[string]any{"AccountId": "AID-1234567", "WebhookId": "WID-0000009"}) {
		t.Errorf("delete request = %+v", del)
	}
	list := m.seen(pathList)[0]
	if list.method != http.MethodGet || list.query != "AccountId=AID-1234567" || list.body != nil || list.contentType != "" {
		t.Errorf("list request = %+v", list)
	}
	// Requests refused before anything is sent.
	_, err := h.UpdateWebhook(ctx, nil)
	checkError(t, err, KindBadRequest, 0, false)
	_, err = h.UpdateWebhook(ctx, &UpdateWebhookRequest{CreateWebhookRequest: *basicRequest()})
	checkError(t, err, KindBadRequest, 0, false)
	checkError(t, h.DeleteWebhook(ctx, "AID-1234567", ""), KindBadRequest, 0, false)
}

func TestUnauthorizedRetriedOnceOnEveryEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path, op string
		call     func(h *harness) error
	}{
		{pathUpdate, OpUpdateWebhook, func(h *harness) error { _, err := h.UpdateWebhook(t.Context(), updateRequest()); return err }},
		{pathDelete, OpDeleteWebhook, func(h *harness) error { return h.DeleteWebhook(t.Context(), "AID-1234567", "WID-0000001") }},
		{pathList, OpListWebhooks, func(h *harness) error { _, err := h.ListWebhooks(t.Context(), "AID-1234567"); return err }},
	} {
		t.Run(tc.op, func(t *testing.T) {
			t.Parallel()
			m := newMultiUpstream(t)
			m.on(tc.path, func(w http.ResponseWriter, _ *http.Request, n int) bool {
				if n == 1 {
					w.WriteHeader(http.StatusUnauthorized) // as if the token expired early
					return true
				}
				return false
			})
			h := newMultiClient(t, m)
			if err := tc.call(h); err != nil {
				t.Fatalf("call: %v", err)
			}
			if got := m.tokenScopes(); len(got) != 2 || got[0] != got[1] {
				t.Errorf("token scopes = %v, want two fetches for one scope", got)
			}
			if _, _, retries := h.obs.snapshot(); !reflect.DeepEqual(retries, []string{tc.op + " unauthorized"}) {
				t.Errorf("retries = %v", retries)
			}

			// Refused with the fresh token too: KindUnauthorized after one retry.
			m.on(tc.path, func(w http.ResponseWriter, _ *http.Request, _ int) bool {
				w.WriteHeader(http.StatusUnauthorized)
				return true
			})
			before := len(m.seen(tc.path))
			checkError(t, tc.call(h), KindUnauthorized, 401, false)
			if n := len(m.seen(tc.path)) - before; n != 2 {
				t.Errorf("%d attempts, want 2", n)
			}
		})
	}
}

func TestDroppedAfterBodyRetriedOnlyWhenHarmless(t *testing.T) {
	t.Parallel()
	// The request has been read in full when a handler runs. Two drops: a
	// GET is also repeated once by http.Transport on a reused connection, so
	// the second drop makes sure this client's own retry runs.
	dropTwice := func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n <= 2 {
			hangUp(w)
			return true
		}
		return false
	}
	t.Run("create is not retried", func(t *testing.T) {
		t.Parallel()
		m := newMultiUpstream(t)
		m.on(pathCreate, dropTwice)
		h := newMultiClient(t, m)
		_, err := h.CreateWebhook(t.Context(), basicRequest())
		checkError(t, err, KindConnection, 0, true)
		if n := len(m.seen(pathCreate)); n != 1 {
			t.Errorf("creates = %d, want 1", n)
		}
	})
	for _, tc := range []struct {
		path, op string
		call     func(h *harness) error
	}{
		{pathUpdate, OpUpdateWebhook, func(h *harness) error { _, err := h.UpdateWebhook(t.Context(), updateRequest()); return err }},
		{pathDelete, OpDeleteWebhook, func(h *harness) error { return h.DeleteWebhook(t.Context(), "AID-1234567", "WID-0000001") }},
		{pathList, OpListWebhooks, func(h *harness) error { _, err := h.ListWebhooks(t.Context(), "AID-1234567"); return err }},
	} {
		t.Run(tc.op+" is retried", func(t *testing.T) {
			t.Parallel()
			m := newMultiUpstream(t)
			m.on(tc.path, dropTwice)
			h := newMultiClient(t, m)
			if err := tc.call(h); err != nil {
				t.Fatalf("call: %v", err)
			}
			if n := len(m.seen(tc.path)); n != 3 {
				t.Errorf("attempts = %d, want 3", n)
			}
			_, _, retries := h.obs.snapshot()
			if len(retries) == 0 || slices.ContainsFunc(retries, func(r string) bool { return r != tc.op+" connection" }) {
				t.Errorf("retries = %v", retries)
			}
		})
		t.Run(tc.op+" gives up", func(t *testing.T) {
			t.Parallel()
			m := newMultiUpstream(t)
			m.on(tc.path, func(w http.ResponseWriter, _ *http.Request, _ int) bool {
				w.WriteHeader(http.StatusBadGateway)
				return true
			})
			h := newMultiClient(t, m)
			// Outcome unknown for what changes Telegent, never for a read.
			checkError(t, tc.call(h), KindUpstreamUnavailable, 502, tc.op != OpListWebhooks)
			if n := len(m.seen(tc.path)); n != 1+maxConnectRetries {
				t.Errorf("attempts = %d, want %d", n, 1+maxConnectRetries)
			}
		})
	}
	t.Run("a 500 is not retried, and leaves the outcome unknown", func(t *testing.T) {
		t.Parallel()
		m := newMultiUpstream(t)
		m.on(pathUpdate, func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "boom"})
			return true
		})
		h := newMultiClient(t, m)
		_, err := h.UpdateWebhook(t.Context(), updateRequest())
		checkError(t, err, KindUpstreamUnavailable, 500, true)
		if n := len(m.seen(pathUpdate)); n != 1 {
			t.Errorf("attempts = %d, want 1", n)
		}
	})
	t.Run("a delete whose repeat finds nothing may have deleted it", func(t *testing.T) {
		t.Parallel()
		m := newMultiUpstream(t)
		m.on(pathDelete, func(w http.ResponseWriter, _ *http.Request, n int) bool {
			if n == 1 {
				hangUp(w)
			} else {
				writeJSON(w, http.StatusNotFound, map[string]any{"message": "not found"})
			}
			return true
		})
		h := newMultiClient(t, m)
		checkError(t, h.DeleteWebhook(t.Context(), "AID-1234567", "WID-0000001"), KindNotFound, 404, true)
	})
	t.Run("a plain missing webhook is a definite not found", func(t *testing.T) {
		t.Parallel()
		m := newMultiUpstream(t)
		m.on(pathDelete, func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			w.WriteHeader(http.StatusNotFound)
			return true
		})
		h := newMultiClient(t, m)
		checkError(t, h.DeleteWebhook(t.Context(), "AID-1234567", "WID-0000001"), KindNotFound, 404, false)
	})
}

func TestListShapes(t *testing.T) {
	t.Parallel()
	entry := `{"WebhookId":"WID-1","AccountId":"AID-1234567","WebhookUrl":"https://a.example/1","Method":"POST","DataFormat":"json",` +
		`"AuthenticationType":"Basic","AuthenticationUsername":"u","AuthenticationPassword":"` + testPassword + `","AuthenticationToken":"","SubscribedEvents":"Order_Update","Active":true}`
	camel := `{"webhookId":"WID-2","accountId":"AID-1234567","webhookUrl":"https://a.example/2","authenticationToken":"` + testHookToken + `","active":false}`
	want1 := &Webhook{WebhookId: "WID-1", AccountId: "AID-1234567", WebhookUrl: "https://a.example/1", Method: "POST", DataFormat: "json",
		AuthenticationType: "Basic", AuthenticationUsername: "u", SubscribedEvents: "Order_Update", Active: new(true), HasPassword: true}
	want2 := &Webhook{WebhookId: "WID-2", AccountId: "AID-1234567", WebhookUrl: "https://a.example/2", Active: new(false), HasToken: true}
	for name, tc := range map[string]struct {
		body string
		want []*Webhook
	}{
		"array":               {`[` + entry + `,` + camel + `]`, []*Webhook{want1, want2}},
		"wrapped":             {`{"Webhooks":[` + entry + `]}`, []*Webhook{want1}},
		"wrapped camelCase":   {`{"webhooks":[` + camel + `],"count":1}`, []*Webhook{want2}},
		"wrapped other name":  {`{"Total":1,"Items":[` + entry + `]}`, []*Webhook{want1}},
		"only array member":   {`{"total":1,"hooks":[` + entry + `]}`, []*Webhook{want1}},
		"empty array":         {`[]`, []*Webhook{}},
		"null":                {`null`, []*Webhook{}},
		"wrapped null":        {`{"Webhooks":null}`, []*Webhook{}},
		"mistyped member":     {`[{"WebhookId":"WID-1","Active":"yes","Method":7}]`, []*Webhook{{WebhookId: "WID-1"}}},
		"masked password set": {`[{"WebhookId":"WID-1","AuthenticationPassword":"****","AuthenticationToken":null}]`, []*Webhook{{WebhookId: "WID-1", HasPassword: true}}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeWebhookList([]byte(tc.body))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			assertNoSecrets(t, "%+v", fmt.Sprintf("%+v", got))
		})
	}
}

func TestListMalformed(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"empty":              ``,
		"text":               `ok`,
		"truncated":          `[{"WebhookId":"WID-1","AuthenticationPassword":"` + testPassword,
		"object without":     `{"count":0}`,
		"two arrays":         `{"a":[],"b":[]}`,
		"entry without id":   `[{"WebhookId":"WID-1"},{"AuthenticationPassword":"` + testPassword + `"}]`,
		"entry not object":   `["WID-1"]`,
		"a single webhook":   `{"WebhookId":"WID-1"}`,
		"string":             `"` + testHookToken + `"`,
		"wrapped not a list": `{"Webhooks":{"WebhookId":"WID-1"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMultiUpstream(t)
			m.on(pathList, func(w http.ResponseWriter, _ *http.Request, _ int) bool {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, body)
				return true
			})
			h := newMultiClient(t, m)
			got, err := h.ListWebhooks(t.Context(), "AID-1234567")
			if got != nil {
				t.Errorf("list = %v with an error", got)
			}
			checkError(t, err, KindMalformedResponse, 200, false)
			if n := len(m.seen(pathList)); n != 1 {
				t.Errorf("attempts = %d: a malformed answer is not worth repeating", n)
			}
		})
	}
}

func TestEndpointErrorsNeverCarrySecrets(t *testing.T) {
	t.Parallel()
	m := newMultiUpstream(t)
	// Each endpoint refuses the call quoting back every secret it could
	// know: the webhook's (sent in an update), the account secret (which it
	// may hold) and the bearer token.
	for _, p := range []string{pathUpdate, pathDelete, pathList} {
		m.on(p, func(w http.ResponseWriter, r *http.Request, _ int) bool {
			msg := "refused " + testSecret + " " + r.Header.Get("Authorization")
			if r.URL.Path == pathUpdate {
				msg += " " + testPassword + " " + testHookToken
			}
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": msg})
			return true
		})
	}
	h := newMultiClient(t, m)
	_, err := h.UpdateWebhook(t.Context(), updateRequest())
	checkError(t, err, KindBadRequest, 400, false)
	checkError(t, h.DeleteWebhook(t.Context(), "AID-1234567", "WID-0000001"), KindBadRequest, 400, false)
	_, err = h.ListWebhooks(t.Context(), "AID-1234567")
	checkError(t, err, KindBadRequest, 400, false)
	assertNoSecrets(t, "logs", h.logs.String())

	// The update request itself prints without its secrets, in every form.
	req := updateRequest()
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("req", "req", req)
	for _, s := range []string{fmt.Sprint(req), fmt.Sprintf("%+v", req), fmt.Sprintf("%#v", req), fmt.Sprintf("%q", *req), fmt.Sprintf("%x", *req), req.String(), logs.String()} {
		assertNoSecrets(t, "update request", s)
		if !strings.Contains(s, "WID-0000001") {
			t.Errorf("update request %s lacks its WebhookId", s)
		}
	}
}

// TestOutcomeUnknownSticksAfterAnIndefiniteAttempt: once an update may have
// reached Telegent, the call's final error says so even when the repeat got
// a definite refusal: the first attempt may still have been applied.
func TestOutcomeUnknownSticksAfterAnIndefiniteAttempt(t *testing.T) {
	t.Parallel()
	m := newMultiUpstream(t)
	m.on(pathUpdate, func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n == 1 {
			w.WriteHeader(http.StatusGatewayTimeout) // the proxy gave up waiting
		} else {
			w.WriteHeader(http.StatusConflict)
		}
		return true
	})
	h := newMultiClient(t, m)
	_, err := h.UpdateWebhook(t.Context(), updateRequest())
	checkError(t, err, KindConflict, 409, true)
	if n := len(m.seen(pathUpdate)); n != 2 {
		t.Errorf("attempts = %d, want 2", n)
	}
}
