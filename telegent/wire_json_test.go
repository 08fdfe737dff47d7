package telegent

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/platform/telegent-facade/internal/example"
)

// The create body carries every member under Telegent's documented name,
// secrets included: it is the wire format, never a log format.
func TestCreateRequestWireFormat(t *testing.T) {
	t.Parallel()
	r := CreateWebhookRequest{
		AccountId: "AID-1", WebhookUrl: "https://h.example/?a=1&b=<2>", Method: "POST", DataFormat: "json",
		AuthenticationType: "Basic", AuthenticationUsername: "Zoë", AuthenticationPassword: "p\"w\\d", SubscribedEvents: "Order_Update",
	}
	body, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var members map[string]any
	if err := json.Unmarshal(body, &members); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"AccountId": "AID-1", "WebhookUrl": "https://h.example/?a=1&b=<2>", "Method": "POST", "DataFormat": "json",
		"AuthenticationType": "Basic", "AuthenticationUsername": "Zoë", "AuthenticationPassword": "p\"w\\d",
		"AuthenticationToken": "", "SubscribedEvents": "Order_Update",
	}
	if !reflect.DeepEqual(members, want) {
		t.Errorf("body %s\ndecodes to %v\nwant %v", body, members, want)
	}
}

// answerCases are create answers of every shape, with what decoding them
// yields: the webhook id and Active (nil: unknown), or an error.
var answerCases = map[string]struct {
	body    string
	id      string
	active  *bool
	wantErr bool
}{
	"documented":              {body: example.TelegentAnswer, id: "WID-1000001", active: ptr(true)},
	"whitespace":              {body: " \n{ \"WebhookId\" : \"WID-1\" ,\t\"Active\":false\r\n}\n ", id: "WID-1", active: ptr(false)},
	"empty object":            {body: `{}`, wantErr: true},
	"active null":             {body: `{"WebhookId":"WID-1","Active":null}`, id: "WID-1"},
	"active twice":            {body: `{"Active":true,"WebhookId":"WID-1","Active":null}`, id: "WID-1"},
	"duplicate, last wins":    {body: `{"WebhookId":"WID-1","WebhookId":"WID-2"}`, id: "WID-2"},
	"unknown members":         {body: `{"WebhookId":"WID-1","Extra":"x","Flag":true,"Nothing":null,"Meta":{"a":[1]}}`, id: "WID-1"},
	"escaped value":           {body: `{"WebhookId":"WID-1","WebhookUrl":"https:\/\/h.example\/x\u0026y"}`, id: "WID-1"},
	"escaped name":            {body: `{"Webhook\u0049d":"WID-1"}`, id: "WID-1"},
	"other case":              {body: `{"webhookid":"WID-1"}`, id: "WID-1"},
	"no id":                   {body: `{"AccountId":"AID-1"}`, wantErr: true},
	"blank id":                {body: `{"WebhookId":"  "}`, wantErr: true},
	"active mistyped":         {body: `{"WebhookId":"WID-1","Active":"yes"}`, id: "WID-1"},
	"string member mistyped":  {body: `{"WebhookId":"WID-1","Method":true}`, id: "WID-1"},
	"id mistyped":             {body: `{"WebhookId":7}`, wantErr: true},
	"array":                   {body: `[{"WebhookId":"WID-1"}]`, wantErr: true},
	"null":                    {body: `null`, wantErr: true},
	"trailing data":           {body: `{"WebhookId":"WID-1"} x`, wantErr: true},
	"unterminated":            {body: `{"WebhookId":"WID-1"`, wantErr: true},
	"empty":                   {body: ``, wantErr: true},
	"active after id, spaced": {body: `{ "WebhookId":"WID-9" , "Active" : true }`, id: "WID-9", active: ptr(true)},
}

func ptr[T any](v T) *T { return &v }

func TestDecodeCreateResponse(t *testing.T) {
	t.Parallel()
	for name, tc := range answerCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w, err := decodeWebhook([]byte(tc.body))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("decoded %+v, want an error", w)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.WebhookId != tc.id || !reflect.DeepEqual(w.Active, tc.active) {
				t.Errorf("decoded id %q active %v, want %q %v", w.WebhookId, w.Active, tc.id, tc.active)
			}
		})
	}
}
