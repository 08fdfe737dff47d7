package telegent_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/platform/telegent-facade/telegent"
	"github.com/platform/telegent-facade/telegentsim"
)

// TestLifecycleAgainstSimulator runs every endpoint against the simulator,
// which enforces per-endpoint token scopes and returns credentials in lists.
func TestLifecycleAgainstSimulator(t *testing.T) {
	t.Parallel()
	sim := telegentsim.New(telegentsim.Config{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := telegent.New(telegent.Config{BaseURL: srv.URL, AccountKey: telegentsim.DefaultAccountKey, AccountSecret: telegentsim.DefaultAccountSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	ctx := t.Context()
	const password = "sim-Pass-w0rd"
	req := &telegent.CreateWebhookRequest{
		AccountId: "AID-1234567", WebhookUrl: "https://hooks.example/a", Method: "POST", DataFormat: "json",
		AuthenticationType: "Basic", AuthenticationUsername: "u", AuthenticationPassword: password, SubscribedEvents: "Order_Update",
	}

	// A create dropped after Telegent stored it: outcome unknown, never
	// retried; the list finds what was stored.
	f, err := telegentsim.ParseFaultSpec("drop:after-body;on:create;once")
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetFaults(f); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateWebhook(ctx, req)
	if e, ok := err.(*telegent.Error); !ok || !e.OutcomeUnknown || e.Kind != telegent.KindConnection {
		t.Fatalf("dropped create = %v, want an outcome-unknown connection error", err)
	}
	if n := sim.Counters().CreatesAttempted; n != 1 {
		t.Fatalf("creates seen = %d, want 1", n)
	}
	list, err := c.ListWebhooks(ctx, "AID-1234567")
	if err != nil || len(list) != 1 || !list[0].HasPassword || list[0].HasToken || list[0].WebhookUrl != req.WebhookUrl {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if s := fmt.Sprintf("%+v %#v", list[0], list[0]); strings.Contains(s, password) {
		t.Errorf("listed webhook shows its password: %s", s)
	}
	id := list[0].WebhookId

	up := &telegent.UpdateWebhookRequest{WebhookId: id, CreateWebhookRequest: *req}
	up.AuthenticationPassword = "rotated-Pass"
	w, err := c.UpdateWebhook(ctx, up)
	if err != nil || w.WebhookId != id || !w.HasPassword {
		t.Fatalf("update = %+v, %v", w, err)
	}
	if got := *sim.Webhooks()[0].AuthenticationPassword; got != "rotated-Pass" {
		t.Errorf("stored password = %q after update", got)
	}
	if err := c.DeleteWebhook(ctx, "AID-1234567", id); err != nil {
		t.Fatalf("delete: %v", err)
	}
	err = c.DeleteWebhook(ctx, "AID-1234567", id)
	if e, ok := err.(*telegent.Error); !ok || e.Kind != telegent.KindNotFound || e.OutcomeUnknown {
		t.Errorf("second delete = %v, want a definite not found", err)
	}
	if _, err := c.UpdateWebhook(ctx, up); telegent.KindOf(err) != telegent.KindNotFound {
		t.Errorf("update of a deleted webhook = %v, want not found", err)
	}
	cnt := sim.Counters()
	if cnt.Unauthorized != 0 || cnt.TokensIssued != 4 || cnt.CreatesAttempted != 1 {
		t.Errorf("counters = %+v: want one token per endpoint, no 401, one create", cnt)
	}
}
