package telegent

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/platform/telegent-facade/internal/example"
)

// plainRequest has CreateWebhookRequest's fields without its methods, so
// encoding/json encodes it by reflection.
type plainRequest CreateWebhookRequest

func TestMarshalJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]CreateWebhookRequest{
		"documented example": *benchCreateRequest(),
		"empty":              {},
		"escapes":            {AccountId: `a"b\c`, WebhookUrl: "https://h.example/?a=1&b=<2>", AuthenticationPassword: "p\x00\x01\x1f\t\n\r\b\f\x7f"},
		"unicode":            {AuthenticationUsername: "Zoë 日本 \u2028\u2029 😀", AuthenticationToken: "bad \xff\xfe utf-8 \xe2\x82"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkMarshalJSON(t, r)
		})
	}
}

func checkMarshalJSON(t *testing.T, r CreateWebhookRequest) {
	t.Helper()
	got, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(plainRequest(r))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("MarshalJSON:\n got %s\nwant %s", got, want)
	}
	// json.Marshal of the request itself goes through MarshalJSON.
	if via, err := json.Marshal(r); err != nil || string(via) != string(want) {
		t.Errorf("json.Marshal = %s, %v", via, err)
	}
}

func FuzzMarshalJSON(f *testing.F) {
	f.Add("AID-1", "https://h.example/x", "POST", "json", "Basic", "user", "p<&>\"\\", "", "Order_Update")
	f.Add("\x00", "\u2028", "\xff", "日本", "\t", "", "", "\u2029\x7f", "😀")
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g, h, i, j string) {
		checkMarshalJSON(t, CreateWebhookRequest{a, b, c, d, e, g, h, i, j})
	})
}

// answerCases are create answers of every shape the fast decoder must
// either decode as encoding/json does or leave to it.
var answerCases = map[string]struct {
	body string
	fast bool // decodeCreateAnswerFast handles it
}{
	"documented":              {example.TelegentAnswer, true},
	"whitespace":              {" \n{ \"WebhookId\" : \"WID-1\" ,\t\"Active\":false\r\n}\n ", true},
	"empty object":            {`{}`, true},
	"active null":             {`{"WebhookId":"WID-1","Active":null}`, true},
	"active twice":            {`{"Active":true,"WebhookId":"WID-1","Active":null}`, true},
	"string then null":        {`{"WebhookId":"WID-1","WebhookId":null}`, true},
	"duplicate, last wins":    {`{"WebhookId":"WID-1","WebhookId":"WID-2"}`, true},
	"unknown members":         {`{"WebhookId":"WID-1","Extra":"x","Flag":true,"Nothing":null}`, true},
	"unicode value":           {`{"WebhookId":"WID-1","AccountId":"Zoë 日本"}`, true},
	"no id":                   {`{"AccountId":"AID-1"}`, true},
	"blank id":                {`{"WebhookId":"  "}`, true},
	"escaped value":           {`{"WebhookId":"WID-1","WebhookUrl":"https:\/\/h.example\/x\u0026y"}`, false},
	"escaped name":            {`{"Webhook\u0049d":"WID-1"}`, false},
	"other case":              {`{"webhookid":"WID-1"}`, false},
	"other case of active":    {`{"WebhookId":"WID-1","active":true}`, false},
	"kelvin sign":             {`{"WebhookId":"WID-1","\u212a":"x","Active":true}`, false},
	"non-ascii name":          {`{"WebhookId":"WID-1","Wébhook":"x"}`, false},
	"active mistyped":         {`{"WebhookId":"WID-1","Active":"yes"}`, false},
	"string member mistyped":  {`{"WebhookId":"WID-1","Method":true}`, false},
	"number":                  {`{"WebhookId":"WID-1","Count":3}`, false},
	"nested":                  {`{"WebhookId":"WID-1","Meta":{"a":"b"}}`, false},
	"array":                   {`[{"WebhookId":"WID-1"}]`, false},
	"null":                    {`null`, false},
	"trailing data":           {`{"WebhookId":"WID-1"} x`, false},
	"trailing comma":          {`{"WebhookId":"WID-1",}`, false},
	"unterminated":            {`{"WebhookId":"WID-1"`, false},
	"control character":       {"{\"WebhookId\":\"WID\x01\"}", false},
	"invalid utf-8":           {"{\"WebhookId\":\"WID-1\",\"AccountId\":\"\xff\"}", false},
	"truncated literal":       {`{"WebhookId":"WID-1","Active":tru}`, false},
	"literal run on":          {`{"WebhookId":"WID-1","Active":truex}`, false},
	"empty":                   {``, false},
	"missing colon":           {`{"WebhookId" "WID-1"}`, false},
	"active after id, spaced": {`{ "WebhookId":"WID-9" , "Active" : true }`, true},
}

func TestDecodeFastMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for name, tc := range answerCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, ok := decodeCreateAnswerFast([]byte(tc.body)); ok != tc.fast {
				t.Errorf("fast path taken = %v, want %v", ok, tc.fast)
			}
			checkDecodeMatches(t, []byte(tc.body))
		})
	}
}

// checkDecodeMatches asserts that decodeCreateResponse, fast path or not,
// answers exactly what its encoding/json path answers.
func checkDecodeMatches(t *testing.T, body []byte) {
	t.Helper()
	got, gotErr := decodeCreateResponse(body)
	want, wantErr := decodeCreateResponseJSON(body)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%q: error %v, encoding/json says %v", body, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decoded %+v (Active %v), encoding/json says %+v (Active %v)", body, got, activeOf(got), want, activeOf(want))
	}
	if fast, ok := decodeCreateAnswerFast(body); ok && strings.TrimSpace(fast.WebhookId) != "" && !reflect.DeepEqual(fast, want) {
		t.Fatalf("%q: fast path %+v, encoding/json %+v", body, fast, want)
	}
}

func activeOf(w *Webhook) any {
	if w == nil || w.Active == nil {
		return nil
	}
	return *w.Active
}

func FuzzDecodeFastMatchesEncodingJSON(f *testing.F) {
	for _, tc := range answerCases {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecodeMatches(t, body)
	})
}
