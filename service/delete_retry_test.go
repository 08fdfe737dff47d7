package service_test

import (
	"context"
	"testing"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
)

// lostDeleteUpstream deletes and then answers as Telegent's client does
// when the answer of its first attempt was lost and its repeat got 404:
// KindNotFound, outcome unknown.
type lostDeleteUpstream struct {
	*memUpstream
	outcomeUnknown bool
}

func (l *lostDeleteUpstream) DeleteWebhook(ctx context.Context, accountID, webhookID string) error {
	if err := l.memUpstream.DeleteWebhook(ctx, accountID, webhookID); err != nil {
		return err
	}
	return &telegent.Error{Kind: telegent.KindNotFound, Op: telegent.OpDeleteWebhook, StatusCode: 404, OutcomeUnknown: l.outcomeUnknown}
}

// TestDeleteWebhookDoneWhenItsRepeatFindsNothing: a delete whose first
// attempt deleted the webhook but lost the answer, and whose repeat got
// Telegent's 404, succeeded: the webhook was there and is gone. A 404
// without an earlier attempt of unknown outcome stays NOT_FOUND.
func TestDeleteWebhookDoneWhenItsRepeatFindsNothing(t *testing.T) {
	t.Parallel()
	for _, unknown := range []bool{true, false} {
		m := &lostDeleteUpstream{memUpstream: newMem(), outcomeUnknown: unknown}
		id := m.add(basicHook("AID-A"))
		svc := service.New(m, nil)
		ctx := context.Background()
		req := &webhookv1.DeleteWebhookRequest{AccountId: "AID-A", WebhookId: id}
		_, err := svc.DeleteWebhook(ctx, req)
		if unknown && err != nil {
			t.Fatalf("delete whose lost attempt deleted the webhook = %v, want success", err)
		}
		if !unknown {
			wantNotFound(t, err)
		}
		_, err = svc.DeleteWebhook(ctx, req)
		wantNotFound(t, err)
	}
}
