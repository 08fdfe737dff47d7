package telegent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestNewValidation(t *testing.T) {
	t.Parallel()
	valid := Config{BaseURL: "https://api.telegent.com", AccountKey: testKey, AccountSecret: testSecret}
	tests := map[string]struct {
		mod     func(*Config)
		wantErr []string // substrings; nil means valid
	}{
		"https":                  {mod: func(*Config) {}},
		"https trailing slash":   {mod: func(c *Config) { c.BaseURL = "https://api.telegent.com/" }},
		"https with path":        {mod: func(c *Config) { c.BaseURL = "https://gw.example.com/telegent" }},
		"http 127.0.0.1":         {mod: func(c *Config) { c.BaseURL = "http://127.0.0.1:8080" }},
		"http 127.1.2.3":         {mod: func(c *Config) { c.BaseURL = "http://127.1.2.3" }},
		"http localhost":         {mod: func(c *Config) { c.BaseURL = "http://localhost:9000" }},
		"http localhost upper":   {mod: func(c *Config) { c.BaseURL = "http://LocalHost:9000" }, wantErr: []string{"https unless the host is loopback"}},
		"http localhost dot":     {mod: func(c *Config) { c.BaseURL = "http://localhost.:9000" }, wantErr: []string{"https unless the host is loopback"}},
		"http ::1 zone":          {mod: func(c *Config) { c.BaseURL = "http://[::1%25lo]:9000" }, wantErr: []string{"https unless the host is loopback"}},
		"http ::1":               {mod: func(c *Config) { c.BaseURL = "http://[::1]:9000" }},
		"http remote":            {mod: func(c *Config) { c.BaseURL = "http://api.telegent.com" }, wantErr: []string{"https unless the host is loopback"}},
		"http loopback-ish name": {mod: func(c *Config) { c.BaseURL = "http://127.0.0.1.example.com" }, wantErr: []string{"https unless"}},
		"http localhost suffix":  {mod: func(c *Config) { c.BaseURL = "http://localhost.example.com" }, wantErr: []string{"https unless"}},
		"http 10.0.0.1":          {mod: func(c *Config) { c.BaseURL = "http://10.0.0.1" }, wantErr: []string{"https unless"}},
		"ftp":                    {mod: func(c *Config) { c.BaseURL = "ftp://api.telegent.com" }, wantErr: []string{"scheme must be https"}},
		"relative":               {mod: func(c *Config) { c.BaseURL = "/v1.0" }, wantErr: []string{"scheme must be https", "with a host"}},
		"empty":                  {mod: func(c *Config) { c.BaseURL = "" }, wantErr: []string{"BaseURL is required"}},
		"user info":              {mod: func(c *Config) { c.BaseURL = "https://user:" + testPassword + "@api.telegent.com" }, wantErr: []string{"valid URL"}},
		"user info parseable":    {mod: func(c *Config) { c.BaseURL = "https://user:hunter2@api.telegent.com" }, wantErr: []string{"user info"}},
		"query":                  {mod: func(c *Config) { c.BaseURL = "https://api.telegent.com?key=" + testHookToken }, wantErr: []string{"query"}},
		"empty query":            {mod: func(c *Config) { c.BaseURL = "https://api.telegent.com?" }, wantErr: []string{"query"}},
		"fragment":               {mod: func(c *Config) { c.BaseURL = "https://api.telegent.com#x" }, wantErr: []string{"fragment"}},
		"everything at once": {
			mod: func(c *Config) {
				*c = Config{BaseURL: "http://u:p@example.com?q", RefreshMargin: -1, MaxResponseBytes: -1, TokenFetchTimeout: -time.Second}
			},
			wantErr: []string{"https unless", "user info", "query", "AccountKey is required", "AccountSecret is required", "RefreshMargin", "MaxResponseBytes", "TokenFetchTimeout"},
		},
		"fallback above max": {
			mod:     func(c *Config) { c.FallbackTokenLifetime = 2 * time.Hour },
			wantErr: []string{"must not exceed MaxTokenLifetime"},
		},
		"fallback too short": {
			mod:     func(c *Config) { c.FallbackTokenLifetime = time.Second },
			wantErr: []string{"at least"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := valid
			tc.mod(&cfg)
			c, err := New(cfg)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				c.CloseIdleConnections()
				return
			}
			if err == nil {
				t.Fatal("New succeeded, want error")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			assertNoSecrets(t, "config error", err.Error())
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("config error leaks the URL password: %v", err)
			}
		})
	}
}

func TestNewTrimsBaseURL(t *testing.T) {
	t.Parallel()
	c, err := New(Config{BaseURL: "https://gw.example.com/telegent/", AccountKey: testKey, AccountSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if c.targets[epCreate].scope != "https://gw.example.com/telegent/v1.0/webhook/create" || c.tokenURL != "https://gw.example.com/telegent/v1.0/oauth2/tokens" {
		t.Errorf("URLs = %s, %s", c.targets[epCreate].scope, c.tokenURL)
	}
}

func TestConfigRedaction(t *testing.T) {
	t.Parallel()
	cfg := Config{BaseURL: "https://user:hunter2@api.telegent.com?k=v", AccountKey: testKey, AccountSecret: testSecret}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg, "ptr", &cfg)
	outputs := map[string]string{"slog": logs.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		outputs[verb] = fmt.Sprintf(verb, cfg)
		outputs[verb+" pointer"] = fmt.Sprintf(verb, &cfg)
	}
	for what, out := range outputs {
		assertNoSecrets(t, what, out)
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s leaks the URL password: %s", what, out)
		}
		if !strings.Contains(out, testKey) {
			t.Errorf("%s lost the account key: %s", what, out)
		}
	}
}

func TestRequestRedaction(t *testing.T) {
	t.Parallel()
	req := basicRequest()
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("create", "req", req, "val", *req)
	outputs := map[string]string{"slog": logs.String(), "String": req.String(), "GoString": req.GoString()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%T %v"} {
		if verb == "%T %v" {
			outputs[verb] = fmt.Sprintf(verb, req, req)
			continue
		}
		outputs[verb] = fmt.Sprintf(verb, req)
		outputs[verb+" value"] = fmt.Sprintf(verb, *req)
		outputs[verb+" slice"] = fmt.Sprintf(verb, []*CreateWebhookRequest{req})
	}
	for what, out := range outputs {
		assertNoSecrets(t, what, out)
		for _, want := range []string{"AID-1234567", "webhook_user", redacted} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lost %q: %s", what, want, out)
			}
		}
	}
	// Unset secrets stay visibly unset, which helps debugging.
	if s := (CreateWebhookRequest{AuthenticationType: "None"}).String(); strings.Contains(s, redacted) {
		t.Errorf("empty secrets shown as redacted: %s", s)
	}
}

func TestWebhookDoesNotHoldSecrets(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[Webhook]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if strings.Contains(f.Name+f.Tag.Get("json"), "AuthenticationPassword") || strings.Contains(f.Name+f.Tag.Get("json"), "AuthenticationToken") {
			t.Errorf("Webhook has secret field %s", f.Name)
		}
	}
}

func TestNewHTTPClient(t *testing.T) {
	t.Parallel()
	hc := NewHTTPClient()
	tr, ok := hc.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("Transport is %T", hc.Transport)
	}
	defer tr.CloseIdleConnections()
	if tr.MaxIdleConnsPerHost != 100 || tr.IdleConnTimeout == 0 || tr.TLSHandshakeTimeout == 0 {
		t.Errorf("pooling not tuned: %+v", tr)
	}
	if tr.DisableKeepAlives || !tr.ForceAttemptHTTP2 || tr.ResponseHeaderTimeout != 0 || hc.Timeout != 0 {
		t.Errorf("keep-alive/HTTP2/timeouts wrong: keepalive off %v, h2 %v, header timeout %v, timeout %v",
			tr.DisableKeepAlives, tr.ForceAttemptHTTP2, tr.ResponseHeaderTimeout, hc.Timeout)
	}
	if tr.TLSClientConfig == nil || tr.TLSClientConfig.InsecureSkipVerify {
		t.Error("certificates not verified")
	}
}

func TestCreateWebhookSuccess(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	var gotBody map[string]any
	var gotAuth string
	u.setCreate(func(w http.ResponseWriter, r *http.Request, n int, tok string, req map[string]any) {
		gotBody, gotAuth = req, r.Header.Get("Authorization")
		echoCreate(w, n, req)
	})
	h := newHarness(t, u, nil)
	req := basicRequest()
	req.AuthenticationToken = "" // "always sent" includes empty members
	w, err := h.CreateWebhook(t.Context(), req)
	if err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	want := &Webhook{
		WebhookId: "WID-0000001", AccountId: "AID-1234567", WebhookUrl: "https://api.example.com/telegent/events",
		Method: "POST", DataFormat: "json", AuthenticationType: "Basic", AuthenticationUsername: "webhook_user",
		SubscribedEvents: "Order_Update", Active: new(true), HasPassword: true,
	}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("webhook = %+v, want %+v", w, want)
	}
	if gotAuth != "Bearer tok-1" {
		t.Errorf("Authorization = %q", gotAuth)
	}
	wantMembers := []string{"AccountId", "WebhookUrl", "Method", "DataFormat", "AuthenticationType",
		"AuthenticationUsername", "AuthenticationPassword", "AuthenticationToken", "SubscribedEvents"}
	if len(gotBody) != len(wantMembers) {
		t.Errorf("body has %d members, want %d: %v", len(gotBody), len(wantMembers), gotBody)
	}
	for _, m := range wantMembers {
		if _, ok := gotBody[m]; !ok {
			t.Errorf("body lacks %s", m)
		}
	}
	if gotBody["AuthenticationPassword"] != testPassword || gotBody["AuthenticationToken"] != "" {
		t.Errorf("secrets not sent as given: %v", gotBody)
	}
	up, fetches, retries := h.obs.snapshot()
	if want := []string{"fetch_token 200", "create_webhook 200"}; !reflect.DeepEqual(up, want) {
		t.Errorf("upstream observations = %v, want %v", up, want)
	}
	if !reflect.DeepEqual(fetches, []string{TokenFetchOK}) || len(retries) != 0 {
		t.Errorf("fetches = %v, retries = %v", fetches, retries)
	}
	assertNoSecrets(t, "logs", h.logs.String())
}

func TestCreateWebhookNilRequest(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	h := newHarness(t, u, nil)
	_, err := h.CreateWebhook(t.Context(), nil)
	checkError(t, err, KindBadRequest, 0, false)
	if tokens, creates := u.counts(); tokens+creates != 0 {
		t.Errorf("nil request reached upstream: %d token, %d create calls", tokens, creates)
	}
}

func TestCreateWebhookStatusMapping(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		status      int
		contentType string
		body        string
		header      map[string]string
		kind        Kind
		reason      string
		retryAfter  time.Duration
		unknown     bool // the outcome: 502 and 504 come from a proxy
	}{
		"400 json error":       {status: 400, body: `{"error":"WebhookUrl must be https"}`, kind: KindBadRequest, reason: "WebhookUrl must be https"},
		"400 json message":     {status: 400, body: `{"message":"bad AccountId"}`, kind: KindBadRequest, reason: "bad AccountId"},
		"400 json Message":     {status: 400, body: `{"Message":"The request is invalid.","ModelState":{}}`, kind: KindBadRequest, reason: "The request is invalid."},
		"400 problem title":    {status: 400, contentType: "application/problem+json", body: `{"type":"about:blank","title":"Bad Request","status":400}`, kind: KindBadRequest, reason: "Bad Request"},
		"400 nested error":     {status: 400, body: `{"error":{"code":7,"message":"events unknown"}}`, kind: KindBadRequest, reason: "events unknown"},
		"400 json no member":   {status: 400, body: `{"code":7}`, kind: KindBadRequest},
		"400 broken json":      {status: 400, body: `{"error":"unterminated`, kind: KindBadRequest},
		"400 plain text":       {status: 400, contentType: "text/plain", body: "AccountId is required\nat line 2", kind: KindBadRequest, reason: "AccountId is required"},
		"400 no body":          {status: 400, kind: KindBadRequest},
		"403":                  {status: 403, body: `{"error":"account suspended"}`, kind: KindForbidden, reason: "account suspended"},
		"404":                  {status: 404, body: "Not Found", kind: KindNotFound, reason: "Not Found"},
		"405":                  {status: 405, kind: KindBadRequest},
		"409 duplicate":        {status: 409, body: `{"error":"webhook already exists"}`, kind: KindConflict, reason: "webhook already exists"},
		"413":                  {status: 413, kind: KindBadRequest},
		"415":                  {status: 415, kind: KindBadRequest},
		"422":                  {status: 422, kind: KindBadRequest},
		"408":                  {status: 408, kind: KindUpstreamUnavailable},
		"429 seconds":          {status: 429, header: map[string]string{"Retry-After": "7"}, kind: KindRateLimited, retryAfter: 7 * time.Second},
		"429 date":             {status: 429, header: map[string]string{"Retry-After": "Fri, 02 May 2025 18:01:00 GMT"}, kind: KindRateLimited, retryAfter: time.Minute},
		"429 garbage":          {status: 429, header: map[string]string{"Retry-After": "soon"}, kind: KindRateLimited},
		"500":                  {status: 500, body: `{"error":"NullReferenceException"}`, kind: KindUpstreamUnavailable, reason: "NullReferenceException", unknown: true},
		"502 html from proxy":  {status: 502, contentType: "text/html", body: "<html><body><h1>502 Bad Gateway</h1></body></html>", kind: KindUpstreamUnavailable, unknown: true},
		"503 retry-after":      {status: 503, contentType: "text/plain", body: "maintenance", header: map[string]string{"Retry-After": "120"}, kind: KindUpstreamUnavailable, reason: "maintenance", retryAfter: 2 * time.Minute},
		"504":                  {status: 504, kind: KindUpstreamUnavailable, unknown: true},
		"418 other 4xx":        {status: 418, kind: KindBadRequest},
		"302 not followed":     {status: 302, header: map[string]string{"Location": "/elsewhere"}, kind: KindUpstreamUnavailable},
		"long text not echoed": {status: 400, contentType: "text/plain", body: strings.Repeat("x", 201), kind: KindBadRequest},
		"control chars":        {status: 400, contentType: "text/plain", body: "bad\x1b[31m red", kind: KindBadRequest},
		"long json truncated":  {status: 400, body: `{"error":"` + strings.Repeat("y", 300) + `"}`, kind: KindBadRequest, reason: strings.Repeat("y", 200) + "..."},
		"echoes password": {
			status: 400, body: `{"error":"password ` + testPassword + ` too weak"}`,
			kind: KindBadRequest, reason: "password [REDACTED] too weak",
		},
		"echoes hook token in text": {
			status: 400, contentType: "text/plain", body: "token " + testHookToken + " rejected",
			kind: KindBadRequest, reason: "token [REDACTED] rejected",
		},
		"echoes account secret json-escaped": {
			status: 500, contentType: "text/plain", body: `secret=acct-Secret/9f8e\"7d`,
			kind: KindUpstreamUnavailable, reason: "secret=[REDACTED]", unknown: true,
		},
		"echoes account secret url-encoded": {
			status: 500, contentType: "text/plain", body: `secret=acct-Secret%2F9f8e%227d`,
			kind: KindUpstreamUnavailable, reason: "secret=[REDACTED]", unknown: true,
		},
		"echoes bearer": {
			status: 403, body: `{"error":"Bearer tok-1 is not allowed"}`,
			kind: KindForbidden, reason: "Bearer [REDACTED] is not allowed",
		},
		"echoes whole request": {
			status: 400, body: `{"AccountId":"AID-1","AuthenticationPassword":"` + testPassword + `","AuthenticationToken":"` + testHookToken + `"}`,
			kind: KindBadRequest,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t)
			u.setCreate(func(w http.ResponseWriter, _ *http.Request, _ int, _ string, _ map[string]any) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			h := newHarness(t, u, nil)
			w, err := h.CreateWebhook(t.Context(), basicRequest())
			if w != nil {
				t.Errorf("webhook = %+v, want nil", w)
			}
			e := checkError(t, err, tc.kind, tc.status, tc.unknown)
			if e.Op != OpCreateWebhook || e.Reason != tc.reason || e.RetryAfter != tc.retryAfter {
				t.Errorf("Op %q Reason %q RetryAfter %v, want %q %q %v", e.Op, e.Reason, e.RetryAfter, OpCreateWebhook, tc.reason, tc.retryAfter)
			}
			if _, creates := u.counts(); creates != 1 {
				t.Errorf("creates = %d, want exactly 1 (no retry)", creates)
			}
		})
	}
}

func TestCreateWebhookMalformedSuccess(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		status int
		body   string
		max    int64
	}{
		"empty":             {status: 200},
		"not json":          {status: 200, body: "OK"},
		"html":              {status: 200, body: "<html>login</html>"},
		"null":              {status: 200, body: "null"},
		"array":             {status: 200, body: `[{"WebhookId":"WID-1"}]`},
		"no WebhookId":      {status: 200, body: `{"AccountId":"AID-1","Active":true}`},
		"empty WebhookId":   {status: 200, body: `{"WebhookId":""}`},
		"blank WebhookId":   {status: 200, body: `{"WebhookId":"  "}`},
		"null WebhookId":    {status: 200, body: `{"WebhookId":null}`},
		"numeric WebhookId": {status: 200, body: `{"WebhookId":1234567}`},
		"trailing garbage":  {status: 200, body: `{"WebhookId":"WID-1"} {}`},
		"truncated":         {status: 200, body: `{"WebhookId":"WID-1","Acc`},
		"201 empty":         {status: 201},
		"204":               {status: 204},
		"over size cap":     {status: 200, body: `{"WebhookId":"WID-1","Padding":"` + strings.Repeat("p", 600) + `"}`, max: 512},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t)
			u.setCreate(func(w http.ResponseWriter, _ *http.Request, _ int, _ string, _ map[string]any) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			h := newHarness(t, u, func(c *Config) { c.MaxResponseBytes = tc.max })
			_, err := h.CreateWebhook(t.Context(), basicRequest())
			// The upstream said yes, so a webhook probably exists: unknown.
			checkError(t, err, KindMalformedResponse, tc.status, true)
			if _, creates := u.counts(); creates != 1 {
				t.Errorf("creates = %d, want 1", creates)
			}
		})
	}
}

func TestCreateWebhookLenientDecoding(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		body   string
		active *bool
		check  func(*testing.T, *Webhook)
	}{
		"active true":      {body: `{"WebhookId":"WID-1","Active":true}`, active: new(true)},
		"active false":     {body: `{"WebhookId":"WID-1","Active":false}`, active: new(false)},
		"active null":      {body: `{"WebhookId":"WID-1","Active":null}`},
		"active missing":   {body: `{"WebhookId":"WID-1"}`},
		"active mistyped":  {body: `{"WebhookId":"WID-1","Active":"yes","AccountId":"AID-1"}`, check: wantAccount("AID-1")},
		"unknown members":  {body: `{"WebhookId":"WID-1","CreatedAt":"2025-05-02","Extra":{"a":[1,2]},"AccountId":"AID-1","Active":true}`, active: new(true), check: wantAccount("AID-1")},
		"null echo fields": {body: `{"WebhookId":"WID-1","AccountId":null,"Method":null}`, check: wantAccount("")},
		"secrets echoed":   {body: `{"WebhookId":"WID-1","AuthenticationPassword":"` + testPassword + `","AuthenticationToken":"` + testHookToken + `"}`},
		"exactly at cap":   {body: `{"WebhookId":"WID-1","Pad":"` + strings.Repeat("p", 512-len(`{"WebhookId":"WID-1","Pad":""}`)) + `"}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUpstream(t)
			u.setCreate(func(w http.ResponseWriter, _ *http.Request, _ int, _ string, _ map[string]any) {
				_, _ = w.Write([]byte(tc.body))
			})
			h := newHarness(t, u, func(c *Config) { c.MaxResponseBytes = 512 })
			w, err := h.CreateWebhook(t.Context(), basicRequest())
			if err != nil {
				t.Fatalf("CreateWebhook: %v", err)
			}
			if w.WebhookId != "WID-1" {
				t.Errorf("WebhookId = %q", w.WebhookId)
			}
			if !reflect.DeepEqual(w.Active, tc.active) {
				t.Errorf("Active = %v, want %v", ptrString(w.Active), ptrString(tc.active))
			}
			if tc.check != nil {
				tc.check(t, w)
			}
			assertNoSecrets(t, "webhook", fmt.Sprintf("%+v", *w))
		})
	}
}

func wantAccount(id string) func(*testing.T, *Webhook) {
	return func(t *testing.T, w *Webhook) {
		t.Helper()
		if w.AccountId != id {
			t.Errorf("AccountId = %q, want %q", w.AccountId, id)
		}
	}
}

func ptrString(b *bool) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprint(*b)
}

func TestErrorBodyOverCapStillMapsStatus(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	u.setCreate(func(w http.ResponseWriter, _ *http.Request, _ int, _ string, _ map[string]any) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte("duplicate\n" + strings.Repeat("z", 4096)))
	})
	h := newHarness(t, u, func(c *Config) { c.MaxResponseBytes = 256 })
	_, err := h.CreateWebhook(t.Context(), basicRequest())
	if e := checkError(t, err, KindConflict, 409, false); e.Reason != "duplicate" {
		t.Errorf("Reason = %q", e.Reason)
	}
}

// refusingDialer makes the next n dials hit a closed loopback port, which
// fails with a genuine "connection refused", then dials normally. It counts
// every dial.
type refusingDialer struct {
	closedAddr string
	refuse     atomic.Int32
	dials      atomic.Int32
}

func newRefusingDialer(t *testing.T) *refusingDialer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return &refusingDialer{closedAddr: addr}
}

func (d *refusingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.dials.Add(1)
	if d.refuse.Add(-1) >= 0 {
		addr = d.closedAddr
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func (d *refusingDialer) client() *http.Client {
	hc := NewHTTPClient()
	hc.Transport.(*http.Transport).DialContext = d.DialContext
	return hc
}

func TestConnectionRefusedBeforeSendIsRetried(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	d := newRefusingDialer(t)
	h := newHarness(t, u, func(c *Config) { c.HTTPClient = d.client() })
	// Warm the token so the refusal hits the create call.
	if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
		t.Fatal(err)
	}
	h.CloseIdleConnections()
	d.refuse.Store(2)
	w, err := h.CreateWebhook(t.Context(), basicRequest())
	if err != nil {
		t.Fatalf("CreateWebhook after refusals: %v", err)
	}
	if w.WebhookId != "WID-0000002" {
		t.Errorf("WebhookId = %q", w.WebhookId)
	}
	if tokens, creates := u.counts(); tokens != 1 || creates != 2 {
		t.Errorf("token calls %d, creates %d; want 1, 2", tokens, creates)
	}
	_, _, retries := h.obs.snapshot()
	want := []string{"create_webhook connection", "create_webhook connection"}
	if !reflect.DeepEqual(retries, want) {
		t.Errorf("retries = %v, want %v", retries, want)
	}
	delays := h.retryDelays()
	if len(delays) != 2 || delays[0] < connectBackoffBase/2 || delays[0] > connectBackoffBase ||
		delays[1] < connectBackoffBase || delays[1] > 2*connectBackoffBase {
		t.Errorf("backoff delays = %v, want jittered %v then %v", delays, connectBackoffBase, 2*connectBackoffBase)
	}
}

func TestConnectionRefusedGivesUp(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	d := newRefusingDialer(t)
	h := newHarness(t, u, func(c *Config) { c.HTTPClient = d.client() })
	if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
		t.Fatal(err)
	}
	h.CloseIdleConnections()
	d.dials.Store(0)
	d.refuse.Store(100)
	_, err := h.CreateWebhook(t.Context(), basicRequest())
	e := checkError(t, err, KindConnection, 0, false)
	if !errors.Is(e, syscall.ECONNREFUSED) {
		t.Errorf("cause %v is not connection refused", e.Err)
	}
	if got := d.dials.Load(); got != 1+maxConnectRetries {
		t.Errorf("dials = %d, want %d", got, 1+maxConnectRetries)
	}
}

func TestConnectionRefusedRetryRespectsDeadline(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	d := newRefusingDialer(t)
	h := newHarness(t, u, func(c *Config) { c.HTTPClient = d.client() })
	if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
		t.Fatal(err)
	}
	h.CloseIdleConnections()
	d.dials.Store(0)
	d.refuse.Store(100)
	// A deadline too close for any backoff: the first failure is final.
	ctx, cancel := context.WithTimeout(t.Context(), connectBackoffBase/4)
	defer cancel()
	_, err := h.CreateWebhook(ctx, basicRequest())
	if k := KindOf(err); k != KindConnection && k != KindTimeout {
		t.Errorf("kind = %v (%v)", k, err)
	}
	if asError(t, err).OutcomeUnknown {
		t.Error("nothing was sent, yet OutcomeUnknown")
	}
	if got := d.dials.Load(); got > 1 {
		t.Errorf("dials = %d, want at most 1", got)
	}
}

func TestDropAfterWriteIsNotRetried(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	u.setCreate(func(w http.ResponseWriter, _ *http.Request, _ int, _ string, _ map[string]any) {
		// The whole request has been read; vanish without answering.
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_ = conn.Close()
	})
	h := newHarness(t, u, nil)
	_, err := h.CreateWebhook(t.Context(), basicRequest())
	checkError(t, err, KindConnection, 0, true)
	if _, creates := u.counts(); creates != 1 {
		t.Errorf("creates = %d, want exactly 1", creates)
	}
	if _, _, retries := h.obs.snapshot(); len(retries) != 0 {
		t.Errorf("retries = %v, want none", retries)
	}
}

// manualDeadline is a context whose deadline "passes" when the test says so,
// which keeps timeout tests free of timing.
type manualDeadline struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newManualDeadline() *manualDeadline {
	return &manualDeadline{Context: context.Background(), done: make(chan struct{})}
}

func (m *manualDeadline) Done() <-chan struct{} { return m.done }

func (m *manualDeadline) Err() error {
	select {
	case <-m.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (m *manualDeadline) expire() { m.once.Do(func() { close(m.done) }) }

func TestTimeoutAfterWriteIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	ctx := newManualDeadline()
	u.setCreate(func(_ http.ResponseWriter, r *http.Request, _ int, _ string, _ map[string]any) {
		ctx.expire() // the caller's deadline passes while Telegent works
		<-r.Context().Done()
	})
	h := newHarness(t, u, nil)
	_, err := h.CreateWebhook(ctx, basicRequest())
	e := checkError(t, err, KindTimeout, 0, true)
	if !errors.Is(e, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap DeadlineExceeded", err)
	}
	if _, creates := u.counts(); creates != 1 {
		t.Errorf("creates = %d, want exactly 1", creates)
	}
}

func TestCanceledAfterWriteIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	u.setCreate(func(_ http.ResponseWriter, r *http.Request, _ int, _ string, _ map[string]any) {
		cancel()
		<-r.Context().Done()
	})
	h := newHarness(t, u, nil)
	_, err := h.CreateWebhook(ctx, basicRequest())
	checkError(t, err, KindCanceled, 0, true)
}

func TestDeadlineBeforeSend(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	h := newHarness(t, u, nil)
	ctx := newManualDeadline()
	ctx.expire()
	_, err := h.CreateWebhook(ctx, basicRequest())
	e := checkError(t, err, KindTimeout, 0, false)
	if e.Op != OpFetchToken {
		t.Errorf("Op = %q", e.Op)
	}
	if tokens, creates := u.counts(); tokens+creates != 0 {
		t.Errorf("calls made after the deadline: %d token, %d create", tokens, creates)
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	clock := newFakeClock()
	var tokenCalls atomic.Int32
	mux.HandleFunc("POST /v1.0/oauth2/tokens", func(w http.ResponseWriter, _ *http.Request) {
		tokenCalls.Add(1)
		writeJSON(w, 200, map[string]any{"token": "tls-tok", "successful": true, "tokenExpiry": clock.Now().Add(5 * time.Minute).Format(TokenExpiryLayout)})
	})
	mux.HandleFunc("POST /v1.0/webhook/create", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"WebhookId": "WID-9"})
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	cfg := Config{BaseURL: srv.URL, AccountKey: testKey, AccountSecret: testSecret, Clock: clock}

	t.Run("trusted", func(t *testing.T) {
		cfg := cfg
		cfg.HTTPClient = srv.Client()
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		if w, err := c.CreateWebhook(t.Context(), basicRequest()); err != nil || w.WebhookId != "WID-9" {
			t.Fatalf("CreateWebhook = %v, %v", w, err)
		}
	})
	t.Run("unknown authority is refused and not retried", func(t *testing.T) {
		tokenCalls.Store(0)
		c, err := New(cfg) // default client: the test certificate is not trusted
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		_, err = c.CreateWebhook(t.Context(), basicRequest())
		e := checkError(t, err, KindConnection, 0, false)
		if e.Op != OpFetchToken || !isCertificateError(err) {
			t.Errorf("error = %v, want certificate failure fetching token", err)
		}
		if tokenCalls.Load() != 0 {
			t.Error("request reached the server over an unverified connection")
		}
	})
}

func TestCreateWebhookConcurrentColdCacheOneFetch(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	release := make(chan struct{})
	u.setToken(func(w http.ResponseWriter, _ *http.Request, _ int) {
		<-release // hold the fetch so that callers pile up behind it
		u.issue(w, u.clock.Now().Add(u.lifetime), "")
	})
	h := newHarness(t, u, func(c *Config) {
		hc := NewHTTPClient()
		hc.Transport.(*http.Transport).MaxConnsPerHost = 64
		c.HTTPClient = hc
	})
	const callers = 1000
	var started, done sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		started.Add(1)
		done.Go(func() {
			started.Done()
			_, err := h.CreateWebhook(t.Context(), basicRequest())
			errs <- err
		})
	}
	started.Wait()
	close(release)
	done.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("CreateWebhook: %v", err)
		}
	}
	if tokens, creates := u.counts(); tokens != 1 || creates != callers {
		t.Errorf("token calls %d, creates %d; want 1, %d", tokens, creates, callers)
	}
}

func TestTokenResponseMemberCase(t *testing.T) {
	t.Parallel()
	// The token response is documented camelCase while every other body is
	// PascalCase; accept either.
	u := newUpstream(t)
	u.setToken(func(w http.ResponseWriter, _ *http.Request, _ int) {
		u.mu.Lock()
		u.issued["PASCAL"] = u.clock.Now().Add(time.Hour)
		u.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"Token": "PASCAL", "Successful": true, "TokenExpiry": u.clock.Now().Add(5 * time.Minute).Format(TokenExpiryLayout)})
	})
	h := newHarness(t, u, nil)
	if _, err := h.CreateWebhook(t.Context(), basicRequest()); err != nil {
		t.Fatal(err)
	}
}

func TestRedirectsNeverFollowed(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	u.setCreate(func(w http.ResponseWriter, r *http.Request, _ int, _ string, _ map[string]any) {
		// 307 would make net/http replay the POST, body and all.
		http.Redirect(w, r, "/v1.0/webhook/create", http.StatusTemporaryRedirect)
	})
	// A caller's client that follows redirects, as http.Client does by default.
	following := &http.Client{Transport: NewHTTPClient().Transport}
	h := newHarness(t, u, func(c *Config) { c.HTTPClient = following })
	_, err := h.CreateWebhook(t.Context(), basicRequest())
	checkError(t, err, KindUpstreamUnavailable, http.StatusTemporaryRedirect, false)
	if _, creates := u.counts(); creates != 1 {
		t.Errorf("creates = %d, want 1: the redirect was followed", creates)
	}
	if following.CheckRedirect != nil {
		t.Error("New modified the caller's http.Client")
	}
}

// TestAttemptTimeoutBoundsAHungUpstream: a caller without a deadline still
// gets an answer when Telegent never answers: one attempt, cut at
// AttemptTimeout, outcome unknown, never repeated.
func TestAttemptTimeoutBoundsAHungUpstream(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	u.setCreate(func(w http.ResponseWriter, r *http.Request, _ int, _ string, _ map[string]any) {
		<-r.Context().Done() // hangs until the client gives up
	})
	// Long enough for the request to reach the upstream on a loaded
	// machine: the upstream counts it on arrival.
	h := newHarness(t, u, func(c *Config) { c.AttemptTimeout = 2 * time.Second })
	_, err := h.CreateWebhook(context.Background(), basicRequest())
	checkError(t, err, KindTimeout, 0, true)
	if _, creates := u.counts(); creates != 1 {
		t.Errorf("creates = %d, want 1", creates)
	}
}
