package telegent_test

import (
	"context"
	"encoding/json"
	"testing"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
	"github.com/platform/telegent-facade/validation"
)

// allocationBudget is the most the facade's own stages of one successful
// call may allocate together (see BENCHMARKS.md). It was 60; the CEL rules
// whose messages are written for people (in place of pattern and prefix
// rules that quoted regular expressions) and the special-purpose address
// rule took validation from 11 to 40 allocations, and the whole from 45 to
// 64.
const allocationBudget = 64

// TestRequestPathAllocationBudget holds the facade's own stages of one
// successful call (validating the request, translating it, encoding the
// body, the token cache hit, decoding Telegent's answer and translating it
// back) to allocationBudget allocations together. It counts allocations,
// which are the same on every machine; it does not time anything. It lives
// here because only this package's tests can reach the token cache.
func TestRequestPathAllocationBudget(t *testing.T) {
	v, err := validation.New(&webhookv1.CreateWebhookRequest{})
	if err != nil {
		t.Fatal(err)
	}
	c := telegent.PrimedClient(t)
	ctx := context.Background()
	req := example.Request()
	answer := []byte(example.TelegentAnswer)

	stages := []struct {
		name string
		run  func() error
	}{
		{"validate", func() error { return v.Validate(req) }},
		{"translate and encode", func() error { _, err := json.Marshal(service.ToTelegent(req)); return err }},
		{"token cache hit", func() error { _, err := c.CreateToken(ctx); return err }},
		{"decode answer and translate back", func() error {
			w, err := telegent.DecodeCreateResponse(answer)
			if err == nil {
				_ = service.FromTelegent(w, req)
			}
			return err
		}},
	}
	total := 0.0
	for _, s := range stages {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		n := testing.AllocsPerRun(100, func() { _ = s.run() })
		t.Logf("%-34s %3.0f allocations", s.name, n)
		total += n
	}
	t.Logf("%-34s %3.0f allocations (budget %d)", "together", total, allocationBudget)
	if total > allocationBudget {
		t.Errorf("the request path's own stages allocate %.0f times per call, over the budget of %d", total, allocationBudget)
	}
}
