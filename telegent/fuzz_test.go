package telegent

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func FuzzParseTokenExpiry(f *testing.F) {
	for _, s := range []string{
		"05/02/2025 06:36:13 PM", "5/2/2025 6:36:13 am", "12/31/9999 11:59:59 PM", "01/01/0000 12:00:00 AM",
		"2025-05-02T18:36:13Z", "2025-05-02T18:36:13.123456789-07:00", "", "soon", "13/13/2025 13:61:61 XM",
		"05/02/2025 06:36:13 PM EST", "\x00", "99/99/99999 99:99:99 PM",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTokenExpiry(s)
		if err != nil {
			if !got.IsZero() {
				t.Errorf("error with non-zero time %v", got)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Errorf("ParseTokenExpiry(%q) not in UTC: %v", s, got)
		}
		// What we parse, we can write in the documented layout and read back
		// (to the second, which is all that layout holds).
		if got.Year() < 0 || got.Year() > 9999 {
			return
		}
		again, err := ParseTokenExpiry(got.Format(TokenExpiryLayout))
		if err != nil || !again.Equal(got.Truncate(time.Second)) {
			t.Errorf("round trip of %q: %v, %v; want %v", s, again, err, got.Truncate(time.Second))
		}
	})
}

func FuzzDecodeCreateResponse(f *testing.F) {
	for _, s := range []string{
		`{"AccountId":"AID-1234567","WebhookUrl":"https://api.example.com/telegent/events","Method":"POST","DataFormat":"json","AuthenticationType":"Basic","AuthenticationUsername":"webhook_user","AuthenticationPassword":"s3cureP@ss","AuthenticationToken":"","SubscribedEvents":"Order_Update","WebhookId":"WID-1234567","Active":true}`,
		`{"WebhookId":"WID-1","Active":null}`,
		`{"WebhookId":"WID-1","Active":"yes"}`,
		`{"WebhookId":"","Active":true}`,
		`{"webhookid":"WID-2"}`,
		`{"WebhookId":7}`,
		`{"WebhookId":"WID-1"} trailing`,
		`null`, `[]`, `""`, ``, `{`, `{"WebhookId":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w, err := decodeWebhook(body)
		if err != nil {
			if w != nil {
				t.Errorf("error %v with webhook %+v", err, w)
			}
			return
		}
		if strings.TrimSpace(w.WebhookId) == "" {
			t.Fatalf("accepted %q without a WebhookId", body)
		}
		// A decoded webhook survives a round trip unchanged (the presence
		// flags are not encoded, so they are compared apart).
		enc, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeWebhook(enc)
		if err == nil {
			again.HasPassword, again.HasToken = w.HasPassword, w.HasToken
		}
		if err != nil || !reflect.DeepEqual(again, w) {
			t.Errorf("round trip: %+v, %v; want %+v", again, err, w)
		}
	})
}

func FuzzExtractReason(f *testing.F) {
	f.Add("text/plain", `oops `+testPassword)
	f.Add("application/json", `{"error":"`+testHookToken+`"}`)
	f.Add("", `{"message":{"Message":"acct-Secret/9f8e\"7d"}}`)
	f.Add("text/html", "<p>x</p>")
	f.Add("text/plain", "first\n\xff\xfe"+testHookToken+"\xff")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		secrets := []string{testPassword, testHookToken, testSecret}
		got := extractReason(contentType, []byte(body), secrets)
		for _, s := range secrets {
			if strings.Contains(got, s) {
				t.Errorf("reason %q leaks %q", got, s)
			}
		}
		if n := len([]rune(got)); n > maxReasonRunes+3 {
			t.Errorf("reason has %d runes", n)
		}
		if strings.ContainsAny(got, "\n\r\x00") {
			t.Errorf("reason %q is not one clean line", got)
		}
	})
}

func FuzzDecodeWebhookList(f *testing.F) {
	for _, s := range []string{
		`[{"WebhookId":"WID-1","AuthenticationPassword":"x"}]`, `{"Webhooks":[{"WebhookId":"WID-1"}]}`,
		`{"a":[],"b":[]}`, `null`, `[]`, `[null]`, `{"webhooks":null}`, `[{"WebhookId":""}]`, ``, `[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		hooks, err := decodeWebhookList(body)
		if err != nil {
			if hooks != nil {
				t.Errorf("error %v with list %v", err, hooks)
			}
			return
		}
		for _, w := range hooks {
			if w == nil || strings.TrimSpace(w.WebhookId) == "" {
				t.Fatalf("accepted %q with an entry without a WebhookId", body)
			}
		}
	})
}
