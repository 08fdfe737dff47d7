package telegentsim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// harness is a simulator served over loopback.
type harness struct {
	t   *testing.T
	sim *Simulator
	srv *httptest.Server
}

// newHarness serves New(cfg) on a loopback httptest server; wrap, if set, wraps the
// simulator (to observe handler completion).
func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	return newHarnessWith(t, New(cfg), nil)
}

func newHarnessWith(t *testing.T, sim *Simulator, wrap func(http.Handler) http.Handler) *harness {
	t.Helper()
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &harness{t: t, sim: sim, srv: srv}
}

// url returns the server URL of path, as a client would scope a token to it.
func (h *harness) url(path string) string { return h.srv.URL + path }

// response is what a call returned.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// do sends a request; body may be a string (sent as is) or any value (marshalled).
// It returns the transport error instead of failing, for drop tests.
func (h *harness) do(ctx context.Context, method, path string, body any, header map[string]string) (response, error) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.url(path), rd)
	if err != nil {
		h.t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// must is do that fails the test on a transport error.
func (h *harness) must(method, path string, body any, header map[string]string) response {
	h.t.Helper()
	r, err := h.do(context.Background(), method, path, body, header)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// tokenFor obtains a token scoped to scope.
func (h *harness) tokenFor(scope string) string {
	h.t.Helper()
	r := h.must(http.MethodPost, TokenPath, map[string]any{
		"AccountKey": DefaultAccountKey, "AccountSecret": DefaultAccountSecret, "ApiEndpoint": scope,
	}, nil)
	if r.status != http.StatusOK {
		h.t.Fatalf("token: status %d: %s", r.status, r.body)
	}
	tok, _ := r.json(h.t)["token"].(string)
	if tok == "" {
		h.t.Fatalf("token: empty token: %s", r.body)
	}
	return tok
}

// call posts body to path with a fresh token scoped to path plus extra headers.
func (h *harness) call(path string, body any, header map[string]string) response {
	h.t.Helper()
	hdr := map[string]string{"Authorization": "Bearer " + h.tokenFor(h.url(path))}
	for k, v := range header {
		hdr[k] = v
	}
	return h.must(http.MethodPost, path, body, hdr)
}

// validBody returns a documented-example create body; mods override members (a nil
// value sends JSON null, the string "<absent>" removes the member).
func validBody(mods map[string]any) map[string]any {
	b := map[string]any{
		"AccountId":              "AID-1234567",
		"WebhookUrl":             "https://api.example.com/telegent/events",
		"Method":                 "POST",
		"DataFormat":             "json",
		"AuthenticationType":     "Basic",
		"AuthenticationUsername": "webhook_user",
		"AuthenticationPassword": "s3cureP@ss",
		"AuthenticationToken":    "",
		"SubscribedEvents":       "Order_Update",
	}
	for k, v := range mods {
		if v == "<absent>" {
			delete(b, k)
			continue
		}
		b[k] = v
	}
	return b
}

func wantStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body: %s", r.status, want, r.body)
	}
}

func wantCounters(t *testing.T, sim *Simulator, want Counters) {
	t.Helper()
	if got := sim.Counters(); got != want {
		t.Fatalf("counters:\n got %+v\nwant %+v", got, want)
	}
}
