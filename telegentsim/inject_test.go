package telegentsim

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/platform/telegent-facade/internal/testutil"
)

// channel is a way of handing a fault spec to the simulator.
type channel string

const (
	viaHeader  channel = "header"
	viaURL     channel = "webhook-url"
	viaDefault channel = "config"
	viaAdmin   channel = "admin"
)

const faultedHook = "https://hooks.example.com/x"

// faultedCreate sets up spec through ch and sends one create; it returns the response
// (or transport error) and the harness for counters.
func faultedCreate(t *testing.T, ch channel, spec string) (*harness, response, error) {
	t.Helper()
	f, err := ParseFaultSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{}
	if ch == viaDefault {
		cfg.Faults = f
	}
	h := newHarness(t, cfg)
	tok := h.tokenFor(h.url(CreatePath))
	hdr := map[string]string{"Authorization": "Bearer " + tok}
	webhookURL := faultedHook
	switch ch {
	case viaHeader:
		hdr[FaultHeader] = spec
	case viaURL:
		webhookURL = faultedHook + "?" + FaultQueryParam + "=" + spec // raw, as a test author would write it
	case viaAdmin:
		b, _ := json.Marshal(f)
		wantStatus(t, h.must(http.MethodPut, "/_sim/faults", json.RawMessage(b), nil), http.StatusNoContent)
	}
	r, err := h.do(context.Background(), http.MethodPost, CreatePath, validBody(map[string]any{"WebhookUrl": webhookURL}), hdr)
	return h, r, err
}

func TestWebhookFaults(t *testing.T) {
	t.Parallel()
	type check func(t *testing.T, r response)
	contentType := func(prefix string) check {
		return func(t *testing.T, r response) {
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, prefix) {
				t.Errorf("Content-Type = %q, want %s", ct, prefix)
			}
		}
	}
	bodyContains := func(s string) check {
		return func(t *testing.T, r response) {
			if !strings.Contains(string(r.body), s) {
				t.Errorf("body %q does not contain %q", r.body, s)
			}
		}
	}
	emptyBody := func(t *testing.T, r response) {
		if len(r.body) != 0 {
			t.Errorf("body = %q, want empty", r.body)
		}
	}
	invalidJSON := func(t *testing.T, r response) {
		if json.Valid(r.body) || len(r.body) == 0 {
			t.Errorf("body is not malformed JSON: %q", r.body)
		}
	}
	jsonError := func(t *testing.T, r response) {
		if m := r.json(t); m["error"] == nil || m["message"] == nil {
			t.Errorf("error body = %s", r.body)
		}
	}
	member := func(name string, want any, present bool) check {
		return func(t *testing.T, r response) {
			got, ok := r.json(t)[name]
			if ok != present || (present && got != want) {
				t.Errorf("%s = %v (present %v), want %v (present %v)", name, got, ok, want, present)
			}
		}
	}
	tests := []struct {
		spec     string
		channels []channel
		status   int // 0: the connection is dropped
		created  bool
		checks   []check
	}{
		{spec: "status:503", status: 503, checks: []check{jsonError, contentType("application/json")}},
		{spec: "status:429;body:html", status: 429, checks: []check{contentType("text/html"), bodyContains("<html>"), bodyContains("429 Too Many Requests")}},
		{spec: "status:502;body:text", status: 502, checks: []check{contentType("text/plain"), bodyContains("502 Bad Gateway")}},
		{spec: "status:500;body:empty", status: 500, checks: []check{emptyBody}},
		{spec: "status:503;body:malformed", status: 503, checks: []check{invalidJSON}},
		{spec: "status:400", status: 400, checks: []check{jsonError}},
		{spec: "body:malformed", status: 200, created: true, checks: []check{invalidJSON}},
		{spec: "body:nowebhookid", status: 200, created: true, checks: []check{member("WebhookId", nil, false), member("Active", true, true)}},
		{spec: "body:activenull", status: 200, created: true, checks: []check{member("Active", nil, true)}},
		{spec: "body:html", status: 200, created: true, checks: []check{contentType("text/html")}},
		{spec: "body:text", status: 200, created: true, checks: []check{contentType("text/plain"), bodyContains("200 OK")}},
		{spec: "body:empty", status: 200, created: true, checks: []check{emptyBody}},
		{spec: "latency:1ms", status: 200, created: true, checks: []check{member("Active", true, true)}},
		{spec: "latency:1ms;status:504", status: 504},
		{spec: "drop:before-body", status: 0, created: false},
		{spec: "drop:after-body", status: 0, created: true},
		{spec: "latency:1ms;drop:after-body", status: 0, created: true},
	}
	for _, tc := range tests {
		channels := tc.channels
		if channels == nil {
			channels = []channel{viaHeader, viaURL, viaDefault, viaAdmin}
		}
		for _, ch := range channels {
			t.Run(string(ch)+" "+tc.spec, func(t *testing.T) {
				t.Parallel()
				h, r, err := faultedCreate(t, ch, tc.spec)
				want := Counters{TokenRequests: 1, TokensIssued: 1, CreatesAttempted: 1, FaultsInjected: 1}
				if tc.status == 0 {
					if err == nil {
						t.Fatalf("got status %d, want a dropped connection", r.status)
					}
					want.Dropped = 1
				} else {
					if err != nil {
						t.Fatal(err)
					}
					wantStatus(t, r, tc.status)
				}
				if tc.created {
					want.CreatesAccepted = 1
				}
				wantCounters(t, h.sim, want)
				if got := len(h.sim.Webhooks()); got != int(want.CreatesAccepted) {
					t.Errorf("%d webhooks stored, want %d", got, want.CreatesAccepted)
				}
				for _, c := range tc.checks {
					c(t, r)
				}
			})
		}
	}
}

func TestOnce(t *testing.T) {
	t.Parallel()
	t.Run("header", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{})
		hdr := map[string]string{FaultHeader: "status:503;once"}
		wantStatus(t, h.call(CreatePath, validBody(nil), hdr), 503)
		wantStatus(t, h.call(CreatePath, validBody(nil), hdr), 200)
		// A different header value is a different spec.
		wantStatus(t, h.call(CreatePath, validBody(nil), map[string]string{FaultHeader: "once;status:503"}), 503)
	})
	t.Run("webhook url", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{})
		f := Faults{Status: 503, Once: true}
		first := validBody(map[string]any{"WebhookUrl": FaultURL("https://h.example/a", f)})
		wantStatus(t, h.call(CreatePath, first, nil), 503)
		r := h.call(CreatePath, first, nil)
		wantStatus(t, r, 200)
		if r.json(t)["WebhookUrl"] != first["WebhookUrl"] {
			t.Errorf("WebhookUrl not echoed as sent: %s", r.body)
		}
		other := validBody(map[string]any{"WebhookUrl": FaultURL("https://h.example/b", f)})
		wantStatus(t, h.call(CreatePath, other, nil), 503)
	})
	t.Run("drop after body once then retry duplicates", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{})
		body := validBody(map[string]any{"WebhookUrl": FaultURL("https://h.example/a", Faults{Drop: DropAfterBody, Once: true})})
		tok := h.tokenFor(h.url(CreatePath))
		if _, err := h.do(context.Background(), http.MethodPost, CreatePath, body, map[string]string{"Authorization": "Bearer " + tok}); err == nil {
			t.Fatal("first create was answered")
		}
		wantStatus(t, h.must(http.MethodPost, CreatePath, body, map[string]string{"Authorization": "Bearer " + tok}), 200)
		if c := h.sim.Counters(); c.CreatesAccepted != 2 || c.DuplicateCreates != 1 || c.Dropped != 1 {
			t.Errorf("counters = %+v", c)
		}
		if n := h.sim.CreatesByURL()[body["WebhookUrl"].(string)]; n != 2 {
			t.Errorf("CreatesByURL = %d, want 2", n)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{Faults: Faults{Status: 500, Once: true}})
		wantStatus(t, h.call(CreatePath, validBody(nil), nil), 500)
		wantStatus(t, h.call(CreatePath, validBody(nil), nil), 200)
		if err := h.sim.SetFaults(Faults{Status: 503, Once: true}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, h.call(CreatePath, validBody(nil), nil), 503)
		wantStatus(t, h.call(CreatePath, validBody(nil), nil), 200)
		h.sim.Reset() // back to the Config's faults, re-armed
		wantStatus(t, h.call(CreatePath, validBody(nil), nil), 500)
	})
	t.Run("default drop before body", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{Faults: Faults{Drop: DropBeforeBody, Once: true}})
		tok := h.tokenFor(h.url(CreatePath))
		auth := map[string]string{"Authorization": "Bearer " + tok}
		if _, err := h.do(context.Background(), http.MethodPost, CreatePath, validBody(nil), auth); err == nil {
			t.Fatal("first create was answered")
		}
		wantStatus(t, h.must(http.MethodPost, CreatePath, validBody(nil), auth), 200)
		if c := h.sim.Counters(); c.CreatesAccepted != 1 || c.CreatesAttempted != 2 || c.Dropped != 1 {
			t.Errorf("counters = %+v", c)
		}
	})
}

func TestFaultPrecedenceAndErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Faults: Faults{Status: 500}})
	urlSpec := validBody(map[string]any{"WebhookUrl": faultedHook + "?sim-fault=status:503"})

	// Header beats WebhookUrl beats defaults.
	wantStatus(t, h.call(CreatePath, urlSpec, map[string]string{FaultHeader: "status:429"}), 429)
	wantStatus(t, h.call(CreatePath, urlSpec, nil), 503)
	wantStatus(t, h.call(CreatePath, validBody(nil), nil), 500)
	// A header with only token items means "no webhook faults", not "defaults".
	wantStatus(t, h.call(CreatePath, validBody(nil), map[string]string{FaultHeader: "token-status:503"}), 200)

	r := h.call(CreatePath, validBody(nil), map[string]string{FaultHeader: "status:teapot"})
	wantStatus(t, r, 400)
	if msg, _ := r.json(t)["message"].(string); !strings.Contains(msg, FaultHeader) {
		t.Errorf("message %q does not name the header", msg)
	}
	r = h.call(CreatePath, validBody(map[string]any{"WebhookUrl": faultedHook + "?sim-fault=boom"}), nil)
	wantStatus(t, r, 400)
	if msg, _ := r.json(t)["message"].(string); !strings.Contains(msg, "WebhookUrl") {
		t.Errorf("message %q does not name WebhookUrl", msg)
	}
	// Faults never bypass authentication... except drop:before-body, which acts
	// before anything is looked at.
	r = h.must(http.MethodPost, CreatePath, validBody(nil), map[string]string{FaultHeader: "status:503"})
	wantStatus(t, r, 401)
}

// TestLatencyCancellation proves a latency wait ends when the client leaves (a wait
// that ignored it would hold the test for the full 30s latency): the
// client cancels once the handler is inside the wait, and the handler returns
// without creating anything.
func TestLatencyCancellation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cfg    Config
		path   string
		body   func(h *harness) (any, map[string]string)
		counts func(c Counters) int64
	}{
		{
			name: "create via header",
			path: CreatePath,
			body: func(h *harness) (any, map[string]string) {
				return validBody(nil), map[string]string{FaultHeader: "latency:30s", "Authorization": "Bearer " + h.tokenFor(h.url(CreatePath))}
			},
			counts: func(c Counters) int64 { return c.CreatesAccepted },
		},
		{
			name: "create via webhook url",
			path: CreatePath,
			body: func(h *harness) (any, map[string]string) {
				return validBody(map[string]any{"WebhookUrl": faultedHook + "?sim-fault=latency:30s"}),
					map[string]string{"Authorization": "Bearer " + h.tokenFor(h.url(CreatePath))}
			},
			counts: func(c Counters) int64 { return c.CreatesAccepted },
		},
		{
			name: "token via config",
			cfg:  Config{Faults: Faults{TokenLatency: 30 * time.Second}},
			path: TokenPath,
			body: func(h *harness) (any, map[string]string) {
				return map[string]any{"AccountKey": DefaultAccountKey, "AccountSecret": DefaultAccountSecret, "ApiEndpoint": "x"}, nil
			},
			counts: func(c Counters) int64 { return c.TokensIssued },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim := New(tc.cfg)
			entered := make(chan struct{}, 1)
			sim.hookLatency = func() { entered <- struct{}{} }
			var handlers sync.WaitGroup
			h := newHarnessWith(t, sim, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					handlers.Add(1)
					defer handlers.Done()
					next.ServeHTTP(w, r)
				})
			})
			body, hdr := tc.body(h)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			errc := make(chan error, 1)
			go func() {
				_, err := h.do(ctx, http.MethodPost, tc.path, body, hdr)
				errc <- err
			}()
			<-entered
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Fatalf("client error = %v, want context.Canceled", err)
			}
			done := make(chan struct{})
			go func() { handlers.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("handler still waiting after the client left")
			}
			if n := tc.counts(sim.Counters()); n != 0 {
				t.Errorf("something was created/issued after the client left: %+v", sim.Counters())
			}
		})
	}
}

func TestTokenFaults(t *testing.T) {
	t.Parallel()
	tokenBody := map[string]any{"AccountKey": DefaultAccountKey, "AccountSecret": DefaultAccountSecret, "ApiEndpoint": "https://x/y"}
	tests := map[string]struct {
		cfg    Faults
		header string
		status []int // per consecutive request; 0 = dropped
	}{
		"status via config":      {cfg: Faults{TokenStatus: 503}, status: []int{503, 503}},
		"status once via config": {cfg: Faults{TokenStatus: 500, Once: true}, status: []int{500, 200}},
		"status via header":      {header: "token-status:429", status: []int{429}},
		"status once via header": {header: "token-status:429;once", status: []int{429, 200}},
		"drop":                   {cfg: Faults{TokenDrop: true}, status: []int{0}},
		"latency":                {cfg: Faults{TokenLatency: time.Millisecond}, status: []int{200}},
		"webhook items ignored":  {header: "status:503;body:html", status: []int{200}},
		"webhook defaults ignored": {
			cfg: Faults{Status: 503, Once: true}, status: []int{200},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{Faults: tc.cfg})
			var hdr map[string]string
			if tc.header != "" {
				hdr = map[string]string{FaultHeader: tc.header}
			}
			issued := int64(0)
			for i, want := range tc.status {
				r, err := h.do(context.Background(), http.MethodPost, TokenPath, tokenBody, hdr)
				if want == 0 {
					if err == nil {
						t.Fatalf("request %d answered %d, want a drop", i, r.status)
					}
					continue
				}
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				wantStatus(t, r, want)
				m := r.json(t)
				if want == 200 {
					issued++
					continue
				}
				if m["successful"] != false || m["error"] == "" || m["token"] != nil {
					t.Errorf("request %d: body %s", i, r.body)
				}
			}
			if c := h.sim.Counters(); c.TokensIssued != issued || c.TokenRequests != int64(len(tc.status)) {
				t.Errorf("counters = %+v", c)
			}
		})
	}
}

func TestLogging(t *testing.T) {
	t.Parallel()
	var logs testutil.SyncBuffer
	h := newHarness(t, Config{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	tok := h.tokenFor(h.url(CreatePath))
	r := h.must(http.MethodPost, CreatePath, validBody(nil), map[string]string{"Authorization": "Bearer " + tok, FaultHeader: "status:503"})
	wantStatus(t, r, 503)
	out := logs.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, `"fault":"status:503"`) || !strings.Contains(out, `"status":503`) {
		t.Errorf("want exactly the faulted request logged at Info, got:\n%s", out)
	}
	for _, secret := range []string{tok, DefaultAccountSecret, "s3cureP@ss"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains a secret %q", secret)
		}
	}
}
