package server_test

import (
	"context"
	"net/http"
	"testing"

	"connectrpc.com/connect"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
)

// BenchmarkWholePathWeb is the same call as BenchmarkWholePathGRPC over the
// HTTP port's browser protocols: Connect (binary and JSON) and gRPC-Web,
// transcoded in-process to the gRPC server.
func BenchmarkWholePathWeb(b *testing.B) {
	for _, p := range []struct {
		name string
		opts []connect.ClientOption
	}{
		{"connect-proto", nil},
		{"connect-json", []connect.ClientOption{connect.WithProtoJSON()}},
		{"grpcweb", []connect.ClientOption{connect.WithGRPCWeb()}},
	} {
		b.Run(p.name, func(b *testing.B) {
			srv := startBenchServer(b)
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
			defer hc.CloseIdleConnections()
			client := connect.NewClient[webhookv1.CreateWebhookRequest, webhookv1.CreateWebhookResponse](
				hc, "http://"+srv.HTTPAddr().String()+webhookv1.WebhookService_CreateWebhook_FullMethodName, p.opts...)
			req := connect.NewRequest(example.Request())
			ctx := context.Background()
			if _, err := client.CallUnary(ctx, req); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.CallUnary(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
