package service_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
	"github.com/platform/telegent-facade/validation"
)

// FuzzRESTBody feeds arbitrary REST bodies through what the gateway and the
// interceptor chain do (proto3 JSON decoding with unknown fields refused,
// then validation) and, when a body passes, through the translation to
// Telegent. Whatever passes validation must translate into a body Telegent
// documents as valid, and no secret may come back in the response.
func FuzzRESTBody(f *testing.F) {
	for _, seed := range []string{
		`{"accountId":"AID-1234567","webhookUrl":"https://h.example.com/x","authenticationType":"AUTHENTICATION_TYPE_BASIC","authenticationUsername":"u","authenticationPassword":"p","subscribedEvents":["WEBHOOK_EVENT_ORDER_UPDATE"]}`,
		`{"accountId":"AID-1","webhookUrl":"https://[::1]:8443/h?q=1","method":"HTTP_METHOD_PUT","dataFormat":"DATA_FORMAT_XML","authenticationType":"AUTHENTICATION_TYPE_TOKEN","authenticationToken":"t","subscribedEvents":[7,6,5,4,3,2,1]}`,
		`{"accountId":"AID-1","webhookUrl":"https://h.example.com","subscribedEvents":["WEBHOOK_EVENT_NEW_SMS"]}`,
		`{"accountId":"AID-1","webhookUrl":"https://h.example.com","subscribedEvents":[1,1]}`,
		`{"account_id":"AID-1","webhook_url":"https://h","subscribed_events":[2]}`,
		`{"accountId":"AID-\u0000","webhookUrl":"https://h.example.com\n","subscribedEvents":[0]}`,
		`{"accountId":"AID-1","webhookUrl":"https://h.example.com","authenticationPassword":"p","subscribedEvents":[1]}`,
		`{"unknown":1}`, `[]`, `null`, `{"subscribedEvents":[99999999999]}`, `{"method":"HTTP_METHOD_PATCH"}`,
	} {
		f.Add([]byte(seed))
	}
	v, err := validation.New(&webhookv1.CreateWebhookRequest{})
	if err != nil {
		f.Fatal(err)
	}
	unmarshal := protojson.UnmarshalOptions{DiscardUnknown: false}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := &webhookv1.CreateWebhookRequest{}
		if err := unmarshal.Unmarshal(body, req); err != nil {
			return // the gateway answers 400
		}
		if v.Validate(req) != nil {
			return // answered INVALID_ARGUMENT, never sent
		}
		up := service.ToTelegent(req)
		checkTelegentBody(t, up)
		if _, err := json.Marshal(up); err != nil {
			t.Fatalf("encode Telegent body: %v", err)
		}

		echo := &telegent.Webhook{WebhookId: "WID-1", AccountId: up.AccountId, WebhookUrl: up.WebhookUrl, Method: up.Method,
			DataFormat: up.DataFormat, AuthenticationType: up.AuthenticationType, AuthenticationUsername: up.AuthenticationUsername,
			SubscribedEvents: up.SubscribedEvents}
		resp := service.FromTelegent(echo, req)
		if !slices.Equal(resp.GetSubscribedEvents(), req.GetSubscribedEvents()) || resp.GetWebhookUrl() != req.GetWebhookUrl() {
			t.Fatalf("round trip changed the webhook: %v -> %v", req, resp)
		}
		out, err := proto.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{req.GetAuthenticationPassword(), req.GetAuthenticationToken()} {
			if len(secret) >= 4 && strings.Contains(string(out), secret) {
				t.Fatalf("response carries a secret")
			}
		}
	})
}

// checkTelegentBody asserts what Telegent documents for the create body.
func checkTelegentBody(t *testing.T, b *telegent.CreateWebhookRequest) {
	t.Helper()
	for name, m := range map[string]struct {
		v   string
		max int
	}{
		"AccountId": {b.AccountId, 100}, "WebhookUrl": {b.WebhookUrl, 255}, "Method": {b.Method, 10}, "DataFormat": {b.DataFormat, 50},
		"AuthenticationType": {b.AuthenticationType, 10}, "AuthenticationUsername": {b.AuthenticationUsername, 255},
		"AuthenticationPassword": {b.AuthenticationPassword, 255}, "AuthenticationToken": {b.AuthenticationToken, 255},
		"SubscribedEvents": {b.SubscribedEvents, 255},
	} {
		if n := utf8.RuneCountInString(m.v); n > m.max {
			t.Fatalf("%s has %d characters, Telegent allows %d", name, n, m.max)
		}
	}
	if !strings.HasPrefix(b.AccountId, "AID-") || !strings.HasPrefix(b.WebhookUrl, "https://") {
		t.Fatalf("account %q or URL %q not as Telegent documents", b.AccountId, b.WebhookUrl)
	}
	if !slices.Contains([]string{"POST", "PUT"}, b.Method) || !slices.Contains([]string{"json", "xml"}, b.DataFormat) {
		t.Fatalf("method %q / format %q", b.Method, b.DataFormat)
	}
	user, pass, tok := b.AuthenticationUsername != "", b.AuthenticationPassword != "", b.AuthenticationToken != ""
	switch b.AuthenticationType {
	case "None":
		if user || pass || tok {
			t.Fatal("None with credentials")
		}
	case "Basic":
		if !user || !pass || tok {
			t.Fatal("Basic without username and password, or with a token")
		}
	case "Token":
		if user || pass || !tok {
			t.Fatal("Token without a token, or with username or password")
		}
	default:
		t.Fatalf("authentication type %q", b.AuthenticationType)
	}
	known := []string{"Order_Update", "New_Sms", "Call_Completed", "Call_On_Hold", "Call_Recording", "Call_In_Progress", "Call_Ringing"}
	events := strings.Split(b.SubscribedEvents, ",")
	for i, e := range events {
		if !slices.Contains(known, e) || slices.Contains(events[:i], e) {
			t.Fatalf("events %q", b.SubscribedEvents)
		}
	}
}
