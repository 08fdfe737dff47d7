package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// restViolations posts body to path and returns the answer's status and
// its BadRequest field violations as "field/reason".
func restViolations(t *testing.T, url, contentType, body string) (int, int, []string, []*errdetails.BadRequest_FieldViolation) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if bytes.Contains(raw, []byte("null")) {
		t.Errorf("answer carries a null: %s", raw)
	}
	// A google.rpc.Status (REST), or a Connect error whose details carry
	// their JSON form under "debug".
	var st struct {
		Code    any `json:"code"`
		Details []struct {
			FieldViolations []*errdetails.BadRequest_FieldViolation `json:"fieldViolations"`
			Debug           struct {
				FieldViolations []*errdetails.BadRequest_FieldViolation `json:"fieldViolations"`
			} `json:"debug"`
		} `json:"details"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("answer %s: %v", raw, err)
	}
	code, _ := st.Code.(float64)
	var got []string
	var fvs []*errdetails.BadRequest_FieldViolation
	for _, d := range st.Details {
		for _, fv := range append(d.FieldViolations, d.Debug.FieldViolations...) {
			got = append(got, fv.GetField()+"/"+fv.GetReason())
			fvs = append(fvs, fv)
		}
	}
	return resp.StatusCode, int(code), got, fvs
}

// TestBadBodiesAreFieldViolations: unknown members, bad enum names, wrong
// JSON types and malformed JSON are field violations on REST and Connect
// alike; http://x is one violation; no message quotes a regular
// expression.
func TestBadBodiesAreFieldViolations(t *testing.T) {
	t.Parallel()
	srv := StartForTest(t, discoveryConfig(), slog.New(slog.DiscardHandler), nil)
	base := "http://" + srv.HTTPAddr().String()
	tests := map[string]struct {
		body string
		want []string
	}{
		"PascalCase member": {`{"AccountId":"AID-1"}`, []string{"AccountId/json.unknown_field"}},
		"bad enum name":     {`{"accountId":"AID-1","webhookUrl":"https://a.example","subscribedEvents":["NEW_SMS"]}`, []string{"subscribed_events[0]/json.enum"}},
		"wrong type":        {`{"accountId":["AID-1"]}`, []string{"account_id/json.type"}},
		"malformed":         {`{"accountId"`, []string{"/json.syntax"}},
		"http://x":          {`{"accountId":"AID-1","webhookUrl":"http://x","subscribedEvents":["WEBHOOK_EVENT_NEW_SMS"]}`, []string{"webhook_url/webhook_url.https"}},
	}
	for name, tc := range tests {
		for _, path := range []string{"/v1/webhooks", webhookv1.WebhookService_CreateWebhook_FullMethodName} {
			t.Run(name+" "+path, func(t *testing.T) {
				t.Parallel()
				httpStatus, code, got, fvs := restViolations(t, base+path, "application/json", tc.body)
				if strings.HasPrefix(path, "/v1/") {
					if httpStatus != http.StatusBadRequest || code != 3 {
						t.Errorf("HTTP %d code %d, want 400 and INVALID_ARGUMENT", httpStatus, code)
					}
				} else if httpStatus != http.StatusBadRequest {
					t.Errorf("HTTP %d, want 400", httpStatus)
				}
				if strings.Join(got, " ") != strings.Join(tc.want, " ") {
					t.Errorf("violations %v, want %v", got, tc.want)
				}
				for _, fv := range fvs {
					if strings.ContainsAny(fv.GetDescription(), "^$`\\") {
						t.Errorf("message quotes a rule: %q", fv.GetDescription())
					}
				}
				if name == "PascalCase member" && (len(fvs) != 1 || !strings.Contains(fvs[0].GetDescription(), `did you mean "accountId"?`)) {
					t.Errorf("violation does not name the facade's field: %v", fvs)
				}
			})
		}
	}

	t.Run("connect client", func(t *testing.T) {
		t.Parallel()
		client := connect.NewClient[webhookv1.CreateWebhookRequest, webhookv1.CreateWebhookResponse](
			http.DefaultClient, base+webhookv1.WebhookService_CreateWebhook_FullMethodName, connect.WithProtoJSON())
		_, err := client.CallUnary(t.Context(), connect.NewRequest(&webhookv1.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "http://x",
			SubscribedEvents: []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_NEW_SMS}}))
		var n int
		if ce := new(connect.Error); connect.CodeOf(err) == connect.CodeInvalidArgument && errors.As(err, &ce) {
			for _, d := range ce.Details() {
				if v, err := d.Value(); err == nil {
					if br, ok := v.(*errdetails.BadRequest); ok {
						n += len(br.GetFieldViolations())
					}
				}
			}
		}
		if n != 1 {
			t.Errorf("http://x over Connect: %v, %d violations, want one", err, n)
		}
	})

	t.Run("query parameter", func(t *testing.T) {
		t.Parallel()
		resp, err := http.Get(base + "/v1/accounts/AID-1/webhooks?pageSize=abc")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), `"field":"page_size"`) || !strings.Contains(string(raw), `"reason":"query.value"`) {
			t.Errorf("pageSize=abc: %d %s, want 400 with a field violation on page_size", resp.StatusCode, raw)
		}
	})

	t.Run("415", func(t *testing.T) {
		t.Parallel()
		for _, path := range []string{"/v1/webhooks", webhookv1.WebhookService_CreateWebhook_FullMethodName} {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, base+path, strings.NewReader(`{}`))
			req.Header.Del("Content-Type")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var st struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			_ = json.Unmarshal(raw, &st)
			if resp.StatusCode != http.StatusUnsupportedMediaType || st.Code != 2 || !strings.Contains(st.Message, "Content-Type: application/json") ||
				!strings.Contains(string(raw), ReasonUnsupportedContentType) {
				t.Errorf("%s without Content-Type: %d %s, want 415, UNKNOWN, saying to send application/json", path, resp.StatusCode, raw)
			}
		}
	})
}
