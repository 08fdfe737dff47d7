package e2e

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	telegentfacade "github.com/platform/telegent-facade"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// TestPublishedServiceConfig: a client using the published service config
// retries an UNAVAILABLE that created nothing, and never one that may have
// created the webhook.
func TestPublishedServiceConfig(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil, noBreaker...)
	conn, err := grpc.NewClient(f.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(telegentfacade.ServiceConfig))
	if err != nil {
		t.Fatalf("the published service config is not valid: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := webhookv1.NewWebhookServiceClient(conn)

	tests := []struct {
		name     string
		fault    string
		want     codes.Code
		attempts int   // creates the simulator sees
		stored   int64 // webhooks it stores
	}{
		{"503 once is retried", "status:503;once", codes.OK, 2, 1},
		{"connection dropped after the write is not retried", "drop:after-body", codes.Unavailable, 1, 1},
		{"500 is not retried", "status:500", codes.Unavailable, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counters(t)
			_, err := client.CreateWebhook(t.Context(), basicReq(uniqueURL(t, tc.fault)))
			if got := status.Code(err); got != tc.want {
				t.Fatalf("code = %v (%v), want %v", got, err, tc.want)
			}
			after := s.counters(t)
			if n := after.CreatesAttempted - before.CreatesAttempted; n != int64(tc.attempts) {
				t.Errorf("creates sent = %d, want %d", n, tc.attempts)
			}
			if n := after.CreatesAccepted - before.CreatesAccepted; n != tc.stored {
				t.Errorf("webhooks stored = %d, want %d", n, tc.stored)
			}
		})
	}
}
