package telegentsim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"
)

func TestAdmin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{Faults: Faults{Latency: 1}})
	wantStatus(t, h.call(CreatePath, validBody(nil), nil), 200)
	wantStatus(t, h.call(CreatePath, validBody(nil), nil), 200)

	t.Run("counters", func(t *testing.T) {
		r := h.must(http.MethodGet, "/_sim/counters", nil, nil)
		wantStatus(t, r, 200)
		var c Counters
		if err := json.Unmarshal(r.body, &c); err != nil {
			t.Fatal(err)
		}
		want := Counters{TokenRequests: 2, TokensIssued: 2, CreatesAttempted: 2, CreatesAccepted: 2, DuplicateCreates: 1, FaultsInjected: 2}
		if c != want || h.sim.Counters() != want {
			t.Errorf("counters = %+v, want %+v", c, want)
		}
	})
	t.Run("webhooks", func(t *testing.T) {
		r := h.must(http.MethodGet, "/_sim/webhooks", nil, nil)
		wantStatus(t, r, 200)
		var whs []Webhook
		if err := json.Unmarshal(r.body, &whs); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(whs, h.sim.Webhooks()) || len(whs) != 2 {
			t.Errorf("webhooks = %s", r.body)
		}
	})
	t.Run("creates by url", func(t *testing.T) {
		r := h.must(http.MethodGet, "/_sim/creates-by-url", nil, nil)
		var m map[string]int
		if err := json.Unmarshal(r.body, &m); err != nil || m["https://api.example.com/telegent/events"] != 2 {
			t.Errorf("creates-by-url = %s (%v)", r.body, err)
		}
	})
	t.Run("faults", func(t *testing.T) {
		wantStatus(t, h.must(http.MethodPut, "/_sim/faults", `{"status":503,"body":"html","once":true}`, nil), 204)
		r := h.must(http.MethodGet, "/_sim/faults", nil, nil)
		var f Faults
		if err := json.Unmarshal(r.body, &f); err != nil || f != (Faults{Status: 503, Body: BodyHTML, Once: true}) {
			t.Errorf("faults = %s (%v)", r.body, err)
		}
		wantStatus(t, h.must(http.MethodPut, "/_sim/faults", "token-status:500", map[string]string{"Content-Type": "text/plain"}), 204)
		if f := h.sim.Faults(); f != (Faults{TokenStatus: 500}) {
			t.Errorf("faults from text = %+v", f)
		}
		for _, bad := range []string{`{"status":200}`, `{"stauts":503}`, `not json`} {
			r := h.must(http.MethodPut, "/_sim/faults", bad, nil)
			wantStatus(t, r, 400)
		}
		wantStatus(t, h.must(http.MethodPut, "/_sim/faults", "drop:whenever", map[string]string{"Content-Type": "text/plain"}), 400)
		if f := h.sim.Faults(); f != (Faults{TokenStatus: 500}) {
			t.Errorf("a refused PUT changed the faults: %+v", f)
		}
	})
	t.Run("revoke tokens", func(t *testing.T) {
		wantStatus(t, h.must(http.MethodPut, "/_sim/faults", `{}`, nil), 204)
		tok := h.tokenFor(h.url(CreatePath))
		wantStatus(t, h.must(http.MethodPost, "/_sim/revoke-tokens", nil, nil), 204)
		wantStatus(t, h.must(http.MethodPost, CreatePath, validBody(nil), map[string]string{"Authorization": "Bearer " + tok}), 401)
	})
	t.Run("reset", func(t *testing.T) {
		wantStatus(t, h.must(http.MethodPost, "/_sim/reset", nil, nil), 204)
		wantCounters(t, h.sim, Counters{})
		if len(h.sim.Webhooks()) != 0 || len(h.sim.CreatesByURL()) != 0 {
			t.Error("webhooks survived reset")
		}
		if f := h.sim.Faults(); f != (Faults{Latency: 1}) {
			t.Errorf("faults after reset = %+v, want the Config's", f)
		}
		r := h.call(CreatePath, validBody(nil), nil)
		wantStatus(t, r, 200)
		if id := r.json(t)["WebhookId"]; id != "WID-1000003" {
			t.Errorf("id after reset = %v: ids must stay unique", id)
		}
	})
	t.Run("healthz", func(t *testing.T) {
		r := h.must(http.MethodGet, "/healthz", nil, nil)
		wantStatus(t, r, 200)
		if string(r.body) != "ok\n" {
			t.Errorf("body %q", r.body)
		}
	})
	t.Run("methods and paths", func(t *testing.T) {
		for _, tc := range []struct{ method, path, allow string }{
			{http.MethodPost, "/_sim/counters", "GET"},
			{http.MethodGet, "/_sim/reset", "POST"},
			{http.MethodGet, "/_sim/revoke-tokens", "POST"},
			{http.MethodDelete, "/_sim/faults", "GET, PUT"},
			{http.MethodPost, "/healthz", "GET, HEAD"},
		} {
			r := h.must(tc.method, tc.path, nil, nil)
			if r.status != 405 || r.header.Get("Allow") != tc.allow {
				t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", tc.method, tc.path, r.status, r.header.Get("Allow"), tc.allow)
			}
		}
		wantStatus(t, h.must(http.MethodGet, "/_sim/nothing", nil, nil), 404)
	})
}

func TestDisableAdmin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{DisableAdmin: true})
	wantStatus(t, h.must(http.MethodGet, "/_sim/counters", nil, nil), 404)
	wantStatus(t, h.must(http.MethodPost, "/_sim/reset", nil, nil), 404)
	wantStatus(t, h.must(http.MethodGet, "/healthz", nil, nil), 200)
}

// TestConcurrency hammers every entry point at once; run with -race. Tokens are
// revoked and faults changed mid-load, and the counters must still add up.
func TestConcurrency(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	const workers, perWorker = 8, 25
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ids      = map[string]bool{}
		answered int64 // 200s, whatever their body
	)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				body := validBody(map[string]any{"WebhookUrl": fmt.Sprintf("https://h.example/%d/%d", w, i)})
				hdr := map[string]string{}
				if i%5 == 0 {
					hdr[FaultHeader] = "body:nowebhookid"
				}
				for attempt := 0; ; attempt++ {
					if attempt == 100 {
						t.Errorf("worker %d: no success after 100 attempts", w)
						return
					}
					// Not h.must/h.tokenFor: they call Fatal, which is for the test goroutine.
					tr, err := h.do(context.Background(), http.MethodPost, TokenPath, map[string]any{
						"AccountKey": DefaultAccountKey, "AccountSecret": DefaultAccountSecret, "ApiEndpoint": h.url(CreatePath),
					}, nil)
					if err != nil || tr.status != http.StatusOK {
						t.Errorf("token: %v %d", err, tr.status)
						return
					}
					var tok struct{ Token string }
					_ = json.Unmarshal(tr.body, &tok)
					hdr["Authorization"] = "Bearer " + tok.Token
					r, err := h.do(context.Background(), http.MethodPost, CreatePath, body, hdr)
					if err != nil {
						t.Errorf("create: %v", err)
						return
					}
					if r.status == http.StatusUnauthorized { // revoked in between
						continue
					}
					if r.status != http.StatusOK {
						t.Errorf("status %d: %s", r.status, r.body)
						return
					}
					mu.Lock()
					answered++
					var got struct {
						WebhookID *string `json:"WebhookId"`
					}
					if err := json.Unmarshal(r.body, &got); err != nil {
						t.Errorf("create body: %v", err)
					}
					if id := got.WebhookID; id != nil {
						if ids[*id] {
							t.Errorf("id %s handed out twice", *id)
						}
						ids[*id] = true
					}
					mu.Unlock()
					break
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			h.sim.RevokeTokens()
			_ = h.sim.SetFaults(Faults{TokenExpiryFormat: []string{ExpiryNormal, ExpiryGarbled}[i%2]})
			_ = h.sim.Counters()
			_ = h.sim.Webhooks()
			_ = h.sim.CreatesByURL()
			if r, err := h.do(context.Background(), http.MethodGet, "/_sim/counters", nil, nil); err != nil || r.status != http.StatusOK {
				t.Errorf("counters: %v %d", err, r.status)
			}
		}
	})
	wg.Wait()
	c := h.sim.Counters()
	if c.CreatesAccepted != answered || answered != workers*perWorker || c.DuplicateCreates != 0 {
		t.Errorf("counters = %+v, answered = %d", c, answered)
	}
	if c.CreatesAttempted != answered+c.Unauthorized {
		t.Errorf("attempted %d != accepted %d + unauthorized %d", c.CreatesAttempted, answered, c.Unauthorized)
	}
	if len(h.sim.Webhooks()) != int(answered) {
		t.Errorf("%d webhooks stored, want %d", len(h.sim.Webhooks()), answered)
	}
}
