package validation_test

import (
	"testing"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/reflect/protoreflect"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
)

func BenchmarkScratch(b *testing.B) {
	for _, skip := range []string{"none", "message", "account_id", "webhook_url", "authentication_username", "authentication_password", "subscribed_events", "method", "all"} {
		b.Run(skip, func(b *testing.B) {
			v, err := protovalidate.New(protovalidate.WithMessages(&webhookv1.CreateWebhookRequest{}))
			if err != nil {
				b.Fatal(err)
			}
			f := protovalidate.WithFilter(protovalidate.FilterFunc(func(m protoreflect.Message, d protoreflect.Descriptor) bool {
				if skip == "all" {
					return false
				}
				if _, ok := d.(protoreflect.MessageDescriptor); ok {
					return skip != "message"
				}
				return string(d.Name()) != skip
			}))
			req := example.Request()
			b.ReportAllocs()
			for b.Loop() {
				if err := v.Validate(req, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
