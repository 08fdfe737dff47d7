package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// gatewayJSONPb is the marshaler newGateway wraps in restJSON.
func gatewayJSONPb() *runtime.JSONPb {
	return &runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{EmitUnpopulated: true},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}
}

// requestBodies are REST bodies of every shape: restJSON must decode each
// exactly as JSONPb does, by its own path or by handing it to JSONPb.
var requestBodies = map[string]string{
	"documented example": `{"accountId":"AID-1234567","webhookUrl":"https://api.example.com/telegent/events","method":"HTTP_METHOD_POST",` +
		`"dataFormat":"DATA_FORMAT_JSON","authenticationType":"AUTHENTICATION_TYPE_BASIC","authenticationUsername":"webhook_user",` +
		`"authenticationPassword":"s3cureP@ss","subscribedEvents":["WEBHOOK_EVENT_ORDER_UPDATE","WEBHOOK_EVENT_NEW_SMS"]}`,
	"spaced":                   " {\n \"accountId\" : \"AID-1\" ,\t\"subscribedEvents\" : [ \"WEBHOOK_EVENT_NEW_SMS\" , \"WEBHOOK_EVENT_CALL_RINGING\" ] }\n",
	"empty object":             `{}`,
	"empty events":             `{"subscribedEvents":[]}`,
	"nulls":                    `{"accountId":null,"method":null,"subscribedEvents":null}`,
	"unicode":                  `{"authenticationUsername":"Zoë 日本"}`,
	"trailing data":            `{"accountId":"AID-1"} and then some`,
	"two objects":              `{"accountId":"AID-1"}{"accountId":"AID-2"}`,
	"escapes":                  `{"accountId":"AID-\u0031","webhookUrl":"https:\/\/h.example\/x"}`,
	"proto names":              `{"account_id":"AID-1"}`,
	"both names":               `{"accountId":"AID-1","account_id":"AID-2"}`,
	"duplicate":                `{"accountId":"AID-1","accountId":"AID-2"}`,
	"unknown member":           `{"accountId":"AID-1","extra":"x"}`,
	"misspelt member":          `{"authenticationPasword":"x"}`,
	"enum by number":           `{"method":2}`,
	"enum unknown name":        `{"method":"HTTP_METHOD_PATCH"}`,
	"enum lower case":          `{"method":"http_method_put"}`,
	"event by number":          `{"subscribedEvents":[1,2]}`,
	"event unknown":            `{"subscribedEvents":["WEBHOOK_EVENT_NOPE"]}`,
	"event null inside":        `{"subscribedEvents":[null]}`,
	"events not a list":        `{"subscribedEvents":"WEBHOOK_EVENT_NEW_SMS"}`,
	"string for a number":      `{"accountId":5}`,
	"bool":                     `{"accountId":true}`,
	"nested":                   `{"accountId":{"a":"b"}}`,
	"trailing comma":           `{"accountId":"AID-1",}`,
	"trailing comma in list":   `{"subscribedEvents":["WEBHOOK_EVENT_NEW_SMS",]}`,
	"unterminated":             `{"accountId":"AID-1"`,
	"unterminated list":        `{"subscribedEvents":["WEBHOOK_EVENT_NEW_SMS"`,
	"missing colon":            `{"accountId" "AID-1"}`,
	"control character":        "{\"accountId\":\"AID\x01\"}",
	"invalid utf-8":            "{\"accountId\":\"\xff\"}",
	"array":                    `[{"accountId":"AID-1"}]`,
	"null":                     `null`,
	"string":                   `"x"`,
	"empty":                    ``,
	"white space only":         " \n ",
	"truncated literal":        `{"accountId":nul}`,
	"literal run on":           `{"accountId":nullx}`,
	"empty name":               `{"":"x"}`,
	"unspecified enum by name": `{"method":"HTTP_METHOD_UNSPECIFIED","subscribedEvents":["WEBHOOK_EVENT_UNSPECIFIED"]}`,
}

func TestRESTDecodeMatchesJSONPb(t *testing.T) {
	t.Parallel()
	for name, body := range requestBodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkRESTDecode(t, []byte(body))
		})
	}
}

// TestRESTDecodeFastPath: the usual bodies do not fall back to JSONPb.
func TestRESTDecodeFastPath(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"documented example", "spaced", "empty object", "empty events", "nulls", "unicode", "trailing data"} {
		var req webhookv1.CreateWebhookRequest
		if !decodeCreateWebhookRequest([]byte(requestBodies[name]), &req) {
			t.Errorf("%s: left to JSONPb", name)
		}
	}
}

// checkRESTDecode decodes body with restJSON and with JSONPb alone, and
// requires the same message or the same error.
func checkRESTDecode(t *testing.T, body []byte) {
	t.Helper()
	fast, slow := &webhookv1.CreateWebhookRequest{}, &webhookv1.CreateWebhookRequest{}
	errFast := restJSON{gatewayJSONPb()}.NewDecoder(bytes.NewReader(body)).Decode(fast)
	errSlow := gatewayJSONPb().NewDecoder(bytes.NewReader(body)).Decode(slow)
	if (errFast == nil) != (errSlow == nil) || (errFast != nil && errFast.Error() != errSlow.Error()) {
		t.Fatalf("%q: error %v, JSONPb says %v", body, errFast, errSlow)
	}
	if !proto.Equal(fast, slow) {
		t.Fatalf("%q: decoded %v, JSONPb decodes %v", body, fast, slow)
	}
}

func FuzzRESTDecode(f *testing.F) {
	for _, body := range requestBodies {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkRESTDecode(t, body)
	})
}

// TestRESTDecodeReplaysReadErrors: a body cut off by the size limit is
// answered as JSONPb answers it, which the 413 mapping relies on.
func TestRESTDecodeReplaysReadErrors(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"accountId":"AID-1","webhookUrl":"` + strings.Repeat("x", 100) + `"}`, `{"accountId":"AID-1"}` + strings.Repeat(" ", 100)} {
		read := func() io.Reader { return http.MaxBytesReader(nil, io.NopCloser(strings.NewReader(body)), 40) }
		errFast := restJSON{gatewayJSONPb()}.NewDecoder(read()).Decode(&webhookv1.CreateWebhookRequest{})
		errSlow := gatewayJSONPb().NewDecoder(read()).Decode(&webhookv1.CreateWebhookRequest{})
		if (errFast == nil) != (errSlow == nil) || (errFast != nil && errFast.Error() != errSlow.Error()) {
			t.Errorf("error %v, JSONPb says %v", errFast, errSlow)
		}
		var tooLarge *http.MaxBytesError
		if errSlow != nil && !errors.As(errFast, &tooLarge) {
			t.Errorf("error %v is not a *http.MaxBytesError", errFast)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// responses are answers of every shape restJSON must encode as JSONPb does.
var responses = map[string]*webhookv1.CreateWebhookResponse{
	"documented": {Webhook: &webhookv1.Webhook{WebhookId: "WID-1000001", Active: ptr(true), AccountId: "AID-1234567",
		WebhookUrl: "https://api.example.com/telegent/events", Method: 1, DataFormat: 1, AuthenticationType: 2,
		AuthenticationUsername: "webhook_user", SubscribedEvents: []webhookv1.WebhookEvent{1, 2}}},
	"inactive":           {Webhook: &webhookv1.Webhook{WebhookId: "WID-2", Active: ptr(false)}},
	"active unknown":     {Webhook: &webhookv1.Webhook{WebhookId: "WID-3", SubscribedEvents: []webhookv1.WebhookEvent{}}},
	"no webhook":         {},
	"unicode":            {Webhook: &webhookv1.Webhook{WebhookId: "WID-4", AuthenticationUsername: "Zoë 日本 <&> \u2028"}},
	"needs escapes":      {Webhook: &webhookv1.Webhook{WebhookId: "WID-\"5\"", WebhookUrl: "https://h/\\", AccountId: "a\nb\x7f"}},
	"invalid utf-8":      {Webhook: &webhookv1.Webhook{WebhookId: "WID-\xff"}},
	"enum without name":  {Webhook: &webhookv1.Webhook{WebhookId: "WID-6", Method: 42}},
	"event without name": {Webhook: &webhookv1.Webhook{WebhookId: "WID-7", SubscribedEvents: []webhookv1.WebhookEvent{1, 99}}},
}

func TestRESTEncodeMatchesJSONPb(t *testing.T) {
	t.Parallel()
	for name, resp := range responses {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkRESTEncode(t, resp)
		})
	}
	if _, ok := appendCreateWebhookResponse(nil, responses["documented"]); !ok {
		t.Error("the usual answer is left to JSONPb")
	}
}

// checkRESTEncode requires restJSON's encoding of resp to be the same JSON
// as JSONPb's (protojson adds spaces at random, so bytes may differ).
func checkRESTEncode(t *testing.T, resp *webhookv1.CreateWebhookResponse) {
	t.Helper()
	fast, errFast := restJSON{gatewayJSONPb()}.Marshal(resp)
	slow, errSlow := gatewayJSONPb().Marshal(resp)
	if (errFast == nil) != (errSlow == nil) {
		t.Fatalf("error %v, JSONPb says %v", errFast, errSlow)
	}
	if errSlow != nil {
		return
	}
	var a, b any
	if err := json.Unmarshal(fast, &a); err != nil {
		t.Fatalf("restJSON wrote invalid JSON %s: %v", fast, err)
	}
	if err := json.Unmarshal(slow, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("restJSON wrote\n%s\nJSONPb writes\n%s", fast, slow)
	}
}

func FuzzRESTEncode(f *testing.F) {
	f.Add("WID-1", "AID-1", "https://h.example/x", "user", int32(1), int32(2), int32(3), []byte{1, 2}, uint8(1))
	f.Add("\xff", "\"", "\\", "\x7f", int32(-1), int32(9), int32(0), []byte{}, uint8(2))
	f.Fuzz(func(t *testing.T, id, account, url, user string, method, format, auth int32, events []byte, active uint8) {
		w := &webhookv1.Webhook{WebhookId: id, AccountId: account, WebhookUrl: url, AuthenticationUsername: user,
			Method: webhookv1.HttpMethod(method), DataFormat: webhookv1.DataFormat(format), AuthenticationType: webhookv1.AuthenticationType(auth)}
		for _, e := range events {
			w.SubscribedEvents = append(w.SubscribedEvents, webhookv1.WebhookEvent(e%10))
		}
		if active%3 > 0 {
			w.Active = ptr(active%3 == 1)
		}
		checkRESTEncode(t, &webhookv1.CreateWebhookResponse{Webhook: w})
	})
}
