package validation_test

import (
	"testing"

	"github.com/platform/telegent-facade/internal/example"
)

func BenchmarkValidateValid(b *testing.B) {
	v := newValidator(b)
	req := example.Request()
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateInvalid breaks four rules in three fields: the error path
// builds the google.rpc.BadRequest and buf.validate.Violations details.
func BenchmarkValidateInvalid(b *testing.B) {
	v := newValidator(b)
	req := example.Request()
	req.AccountId = "nope"
	req.WebhookUrl = "http://api.example.com/x"
	req.AuthenticationPassword = ""
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(req); err == nil {
			b.Fatal("invalid request passed")
		}
	}
}
