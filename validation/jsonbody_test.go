package validation

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// TestJSONViolations: every body protojson refuses is answered with field
// violations naming the field by its path and what to send instead.
func TestJSONViolations(t *testing.T) {
	t.Parallel()
	type fv struct{ field, reason, contains string }
	tests := map[string]struct {
		body string
		want []fv
	}{
		"Telegent's PascalCase name": {`{"AccountId":"AID-1"}`, []fv{{"AccountId", RuleJSONUnknownField, `did you mean "accountId"?`}}},
		"proto name of another case": {`{"Webhook_URL":"https://a.example"}`, []fv{{"Webhook_URL", RuleJSONUnknownField, `did you mean "webhookUrl"?`}}},
		"unknown member":             {`{"accountId":"AID-1","colour":"red"}`, []fv{{"colour", RuleJSONUnknownField, `unknown field "colour"`}}},
		"bad enum name in a list": {`{"subscribedEvents":["WEBHOOK_EVENT_ORDER_UPDATE","NEW_SMS"]}`,
			[]fv{{"subscribed_events[1]", RuleJSONEnum, `did you mean "WEBHOOK_EVENT_NEW_SMS"?`}}},
		"enum of the wrong type": {`{"method":true}`, []fv{{"method", RuleJSONType, "HttpMethod name"}}},
		"number for a string":    {`{"accountId":5}`, []fv{{"account_id", RuleJSONType, "must be a JSON string, not a number"}}},
		"string for a list":      {`{"subscribedEvents":"WEBHOOK_EVENT_NEW_SMS"}`, []fv{{"subscribed_events", RuleJSONType, "JSON array"}}},
		"two causes, two fields": {`{"accountId":5,"Method":"HTTP_METHOD_PUT"}`,
			[]fv{{"Method", RuleJSONUnknownField, `did you mean "method"?`}, {"account_id", RuleJSONType, "JSON string"}}},
		"malformed":        {`{"accountId":`, []fv{{"", RuleJSONSyntax, "not valid JSON"}}},
		"not an object":    {`[1]`, []fv{{"", RuleJSONType, "must be a JSON object"}}},
		"data after value": {`{} {}`, []fv{{"", RuleJSONSyntax, "something follows"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := UnmarshalJSON(protojson.UnmarshalOptions{}, []byte(tc.body), &webhookv1.CreateWebhookRequest{})
			st := status.Convert(err)
			if st.Code() != codes.InvalidArgument {
				t.Fatalf("code = %v, want InvalidArgument (%v)", st.Code(), err)
			}
			var got []fv
			for _, d := range st.Details() {
				br, ok := d.(*errdetails.BadRequest)
				if !ok {
					continue
				}
				for _, v := range br.GetFieldViolations() {
					got = append(got, fv{v.GetField(), v.GetReason(), v.GetDescription()})
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("violations = %v, want %v", got, tc.want)
			}
			for i, w := range tc.want {
				if got[i].field != w.field || got[i].reason != w.reason || !strings.Contains(got[i].contains, w.contains) {
					t.Errorf("violation %d = %+v, want field %q reason %q with %q", i, got[i], w.field, w.reason, w.contains)
				}
			}
		})
	}
}

// TestUnmarshalJSONValid: a body that decodes is decoded as protojson does.
func TestUnmarshalJSONValid(t *testing.T) {
	t.Parallel()
	var got webhookv1.CreateWebhookRequest
	body := `{"account_id":"AID-1","webhookUrl":"https://a.example","method":"HTTP_METHOD_PUT","subscribedEvents":[2]}`
	if err := UnmarshalJSON(protojson.UnmarshalOptions{}, []byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := &webhookv1.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://a.example", Method: webhookv1.HttpMethod_HTTP_METHOD_PUT,
		SubscribedEvents: []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_NEW_SMS}}
	if diff := cmp.Diff(want.String(), got.String()); diff != "" {
		t.Error(diff)
	}
}

// TestViolationMessagesForPeople: one violation per field per cause, and
// no message quotes a regular expression (http://x gets exactly one).
func TestViolationMessagesForPeople(t *testing.T) {
	t.Parallel()
	v, err := New(&webhookv1.CreateWebhookRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range []*webhookv1.CreateWebhookRequest{
		{AccountId: "AID-1", WebhookUrl: "http://x", SubscribedEvents: []webhookv1.WebhookEvent{1}},
		{AccountId: "ACC-1", WebhookUrl: "https://a..b/", SubscribedEvents: []webhookv1.WebhookEvent{1}},
		{AccountId: "AID-1", WebhookUrl: "https://a.example:70000/", SubscribedEvents: []webhookv1.WebhookEvent{1},
			AuthenticationType: webhookv1.AuthenticationType_AUTHENTICATION_TYPE_BASIC, AuthenticationUsername: "a\tb", AuthenticationPassword: "p\x1b"},
	} {
		st := status.Convert(v.Validate(req))
		fields := map[string]int{}
		for _, d := range st.Details() {
			br, ok := d.(*errdetails.BadRequest)
			if !ok {
				continue
			}
			for _, fv := range br.GetFieldViolations() {
				fields[fv.GetField()]++
				if strings.ContainsAny(fv.GetDescription(), "^$`\\") || strings.Contains(fv.GetDescription(), "regex") {
					t.Errorf("%s: message quotes a rule: %q", fv.GetField(), fv.GetDescription())
				}
			}
		}
		for field, n := range fields {
			if n != 1 {
				t.Errorf("%v: %d violations on %s, want one", req, n, field)
			}
		}
		if len(fields) == 0 {
			t.Errorf("%v: no violations", req)
		}
	}
}

// TestIDRulesDeclaredOnce: the account and webhook id rules (predefined
// in rules.proto) apply to every request that carries an id, with their
// messages.
func TestIDRulesDeclaredOnce(t *testing.T) {
	t.Parallel()
	v, err := New(&webhookv1.CreateWebhookRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		req  proto.Message
		want []string
	}{
		{&webhookv1.CreateWebhookRequest{AccountId: "ACC-1", WebhookUrl: "https://a.example", SubscribedEvents: []webhookv1.WebhookEvent{1}}, []string{"account_id/account_id.format"}},
		{&webhookv1.GetWebhookRequest{AccountId: "AID-1", WebhookId: "W-1"}, []string{"webhook_id/webhook_id.format"}},
		{&webhookv1.ListWebhooksRequest{AccountId: "aid-1"}, []string{"account_id/account_id.format"}},
		{&webhookv1.UpdateWebhookRequest{AccountId: "AID-1 ", WebhookId: "WID-1"}, []string{"account_id/account_id.format"}},
		{&webhookv1.DeleteWebhookRequest{AccountId: "AID-", WebhookId: "WID-"}, []string{"account_id/account_id.format", "webhook_id/webhook_id.format"}},
		{&webhookv1.DeleteWebhookRequest{AccountId: "AID-1", WebhookId: "WID-1"}, nil},
	} {
		var got []string
		for _, d := range status.Convert(v.Validate(tc.req)).Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, fv := range br.GetFieldViolations() {
					got = append(got, fv.GetField()+"/"+fv.GetReason())
					if !strings.Contains(fv.GetDescription(), "followed by letters or digits") {
						t.Errorf("%s: message %q", fv.GetField(), fv.GetDescription())
					}
				}
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%T %v: violations %v, want %v", tc.req, tc.req, got, tc.want)
		}
	}
}

// TestJSONViolationsQuoteNoValue: a value in a body that does not decode
// (a password under a misspelt name, a secret of the wrong type, invalid
// UTF-8) never appears in the answer.
func TestJSONViolationsQuoteNoValue(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-Value-77"
	for _, body := range []string{
		`{"authenticationPasword":"` + secret + `"}`,
		`{"authenticationPassword":["` + secret + `"]}`,
		`{"authenticationToken":{"t":"` + secret + `"}}`,
		"{\"authenticationToken\":\"" + secret + "\xff\"}",
		`{"authenticationToken":"` + secret + `"`,
	} {
		err := UnmarshalJSON(protojson.UnmarshalOptions{}, []byte(body), &webhookv1.CreateWebhookRequest{})
		st := status.Convert(err)
		text := st.Message()
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, fv := range br.GetFieldViolations() {
					text += fv.GetField() + fv.GetDescription()
				}
			}
		}
		if st.Code() != codes.InvalidArgument || strings.Contains(text, secret) {
			t.Errorf("%q: %v %q", body, st.Code(), text)
		}
	}
}
