package telegentsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// createHook creates a webhook for account and returns its id.
func (h *harness) createHook(account, url string) string {
	h.t.Helper()
	r := h.call(CreatePath, validBody(map[string]any{"AccountId": account, "WebhookUrl": url}), nil)
	wantStatus(h.t, r, http.StatusOK)
	id, _ := r.json(h.t)["WebhookId"].(string)
	return id
}

// list lists account's webhooks with a token scoped to the list URL.
func (h *harness) list(account string, header map[string]string) response {
	h.t.Helper()
	hdr := map[string]string{"Authorization": "Bearer " + h.tokenFor(h.url(ListPath))}
	for k, v := range header {
		hdr[k] = v
	}
	return h.must(http.MethodGet, ListPath+"?AccountId="+account, nil, hdr)
}

func listEntries(t *testing.T, r response) []map[string]any {
	t.Helper()
	var entries []map[string]any
	if err := json.Unmarshal(r.body, &entries); err != nil {
		t.Fatalf("list body is not a JSON array: %v: %s", err, r.body)
	}
	return entries
}

func TestListDeleteLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	a1 := h.createHook("AID-1111111", "https://a.example/1")
	h.createHook("AID-2222222", "https://b.example/1")
	a2 := h.createHook("AID-1111111", "https://a.example/2")

	entries := listEntries(t, h.list("AID-1111111", nil))
	if len(entries) != 2 || entries[0]["WebhookId"] != a1 || entries[1]["WebhookId"] != a2 {
		t.Fatalf("list = %v", entries)
	}
	// Credentials come back, as Telegent might return them: the facade must redact.
	if entries[0]["AuthenticationPassword"] != "s3cureP@ss" || entries[0]["Active"] != true || entries[0]["AccountId"] != "AID-1111111" {
		t.Errorf("entry = %v", entries[0])
	}
	if got := listEntries(t, h.list("AID-9999999", nil)); len(got) != 0 {
		t.Errorf("unknown account lists %v", got)
	}
	wantStatus(t, h.list("", nil), http.StatusBadRequest)

	wantStatus(t, h.call(DeletePath, map[string]any{"AccountId": "AID-1111111", "WebhookId": a1}, nil), http.StatusOK)
	r := h.call(DeletePath, map[string]any{"AccountId": "AID-1111111", "WebhookId": a1}, nil)
	wantStatus(t, r, http.StatusNotFound)
	r.json(t)
	if entries := listEntries(t, h.list("AID-1111111", nil)); len(entries) != 1 || entries[0]["WebhookId"] != a2 {
		t.Errorf("after delete, list = %v", entries)
	}
	wantStatus(t, h.call(DeletePath, map[string]any{"AccountId": "AID-1111111"}, nil), http.StatusBadRequest)
	wantStatus(t, h.call(DeletePath, map[string]any{"WebhookId": a2}, nil), http.StatusBadRequest)
	wantStatus(t, h.call(UpdatePath, validBody(map[string]any{"AccountId": "AID-1111111", "WebhookId": a1}), nil), http.StatusNotFound)

	c := h.sim.Counters()
	if c.CreatesAttempted != 3 || c.DeletesAttempted != 4 || c.DeletesAccepted != 1 || c.ListsAttempted != 4 || c.ListsAnswered != 3 || c.UpdatesAccepted != 0 {
		t.Errorf("counters = %+v", c)
	}
	r = h.must(http.MethodGet, "/_sim/webhooks?AccountId=AID-2222222", nil, nil)
	var stored []Webhook
	if err := json.Unmarshal(r.body, &stored); err != nil || len(stored) != 1 || *stored[0].AccountID != "AID-2222222" {
		t.Errorf("/_sim/webhooks?AccountId = %s (%v)", r.body, err)
	}
}

func TestOwnershipCheck(t *testing.T) {
	t.Parallel()
	for _, skip := range []bool{false, true} {
		h := newHarness(t, Config{SkipOwnershipCheck: skip})
		b := h.createHook("AID-2222222", "https://b.example/1")
		up := h.call(UpdatePath, validBody(map[string]any{"AccountId": "AID-1111111", "WebhookId": b, "WebhookUrl": "https://evil.example/"}), nil)
		del := h.call(DeletePath, map[string]any{"AccountId": "AID-1111111", "WebhookId": b}, nil)
		if !skip {
			wantStatus(t, up, http.StatusNotFound)
			wantStatus(t, del, http.StatusNotFound)
			if n := len(listEntries(t, h.list("AID-2222222", nil))); n != 1 {
				t.Errorf("with the check, B holds %d webhooks, want 1", n)
			}
			continue
		}
		// Without the check the simulator acts on another account's webhook.
		wantStatus(t, up, http.StatusOK)
		wantStatus(t, del, http.StatusOK)
		if n := len(h.sim.Webhooks()); n != 0 {
			t.Errorf("without the check, %d webhooks remain, want 0", n)
		}
	}
}

func TestTokenScopePerEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	id := h.createHook("AID-1111111", "https://a.example/1")
	createTok := "Bearer " + h.tokenFor(h.url(CreatePath))
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, UpdatePath, validBody(map[string]any{"WebhookId": id})},
		{http.MethodPost, DeletePath, map[string]any{"AccountId": "AID-1111111", "WebhookId": id}},
		{http.MethodGet, ListPath + "?AccountId=AID-1111111", nil},
	} {
		r := h.must(tc.method, tc.path, tc.body, map[string]string{"Authorization": createTok})
		wantStatus(t, r, http.StatusUnauthorized)
	}
	// A list token is scoped to the path: the query does not matter.
	wantStatus(t, h.list("AID-1111111", nil), http.StatusOK)
	if n := len(h.sim.Webhooks()); n != 1 {
		t.Errorf("%d webhooks after refused calls, want 1", n)
	}
}

func TestFaultsPerEndpoint(t *testing.T) {
	t.Parallel()
	t.Run("default faults without on: spare delete and list", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{})
		id := h.createHook("AID-1111111", "https://a.example/1")
		if err := h.sim.SetFaults(Faults{Status: 503}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, h.call(CreatePath, validBody(nil), nil), http.StatusServiceUnavailable)
		wantStatus(t, h.list("AID-1111111", nil), http.StatusOK)
		wantStatus(t, h.call(DeletePath, map[string]any{"AccountId": "AID-1111111", "WebhookId": id}, nil), http.StatusOK)
	})
	t.Run("drop:after-body on create stores the webhook; the list still answers", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{})
		f, err := ParseFaultSpec("drop:after-body;on:create")
		if err != nil {
			t.Fatal(err)
		}
		if err := h.sim.SetFaults(f); err != nil {
			t.Fatal(err)
		}
		tok := "Bearer " + h.tokenFor(h.url(CreatePath))
		if _, err := h.do(t.Context(), http.MethodPost, CreatePath, validBody(nil), map[string]string{"Authorization": tok}); err == nil {
			t.Fatal("create answered; want a dropped connection")
		}
		if entries := listEntries(t, h.list("AID-1234567", nil)); len(entries) != 1 {
			t.Errorf("list after a dropped create = %v, want the stored webhook", entries)
		}
		if c := h.sim.Counters(); c.CreatesAttempted != 1 || c.CreatesAccepted != 1 {
			t.Errorf("counters = %+v", c)
		}
	})
	t.Run("header selects list and delete", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, Config{})
		id := h.createHook("AID-1111111", "https://a.example/1")
		wantStatus(t, h.list("AID-1111111", map[string]string{FaultHeader: "status:500;on:list"}), http.StatusInternalServerError)
		// A header spec for other endpoints leaves this one alone.
		wantStatus(t, h.list("AID-1111111", map[string]string{FaultHeader: "status:500;on:create,update"}), http.StatusOK)
		r := h.list("AID-1111111", map[string]string{FaultHeader: "body:wrapped;on:list"})
		var wrapped struct{ Webhooks []map[string]any }
		if err := json.Unmarshal(r.body, &wrapped); err != nil || len(wrapped.Webhooks) != 1 {
			t.Errorf("wrapped list = %s (%v)", r.body, err)
		}
		r = h.list("AID-1111111", map[string]string{FaultHeader: "body:nowebhookid;on:list"})
		if e := listEntries(t, r); len(e) != 1 || e[0]["WebhookId"] != nil {
			t.Errorf("nowebhookid list = %s", r.body)
		}
		tok := "Bearer " + h.tokenFor(h.url(DeletePath))
		_, err := h.do(t.Context(), http.MethodPost, DeletePath, map[string]any{"AccountId": "AID-1111111", "WebhookId": id},
			map[string]string{"Authorization": tok, FaultHeader: "drop:after-body;on:delete"})
		if err == nil {
			t.Fatal("delete answered; want a dropped connection")
		}
		if c := h.sim.Counters(); c.DeletesAccepted != 1 || len(h.sim.Webhooks()) != 0 {
			t.Errorf("a delete dropped after the body did not delete: %+v", c)
		}
	})
}

func TestFaultSpecOn(t *testing.T) {
	t.Parallel()
	f, err := ParseFaultSpec("status:503; on: update , delete ;once")
	if err != nil || f.On != EndpointUpdate|EndpointDelete || f.String() != "status:503;once;on:update,delete" {
		t.Fatalf("parse = %+v %q, %v", f, f.String(), err)
	}
	if f, err := ParseFaultSpec("drop:after-body;on:all"); err != nil || f.On != EndpointsAll || f.String() != "drop:after-body;on:all" {
		t.Errorf("on:all = %+v, %v", f, err)
	}
	b, err := json.Marshal(f)
	if err != nil || !strings.Contains(string(b), `"on":"update,delete"`) {
		t.Errorf("JSON = %s, %v", b, err)
	}
	var back Faults
	if err := json.Unmarshal(b, &back); err != nil || back != f {
		t.Errorf("JSON round trip = %+v, %v", back, err)
	}
	for _, bad := range []string{"on:remove", "on:", "body:wrapped", "body:wrapped;on:list,create", "status:500;body:wrapped;on:list"} {
		if _, err := ParseFaultSpec(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
