package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/telegentsim"
)

// startAuthServer runs the facade on a simulator with bearer tokens and a
// policy that allows the token's caller on AID-1 only.
func startAuthServer(t *testing.T) (srv *Server, token string) {
	t.Helper()
	f := writeSecurityFiles(t)
	sim := httptest.NewServer(telegentsim.New(telegentsim.Config{}))
	t.Cleanup(sim.Close)
	cfg := Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", TelegentBaseURL: sim.URL,
		AccountKey: telegentsim.DefaultAccountKey, AccountSecret: telegentsim.DefaultAccountSecret,
		ShutdownGrace: 5 * time.Second, UpstreamTimeout: 5 * time.Second, MaxUpstream: 16,
		BreakerFailures: 1 << 30, BreakerFailureRatio: 2, BreakerOpenTimeout: time.Second,
		AuthTokensFile: f.tokens, AuthPolicyFile: f.policy,
	}
	return StartForTest(t, cfg, slog.New(slog.DiscardHandler), nil), f.token
}

// lifecycleCall is one RPC of the webhook lifecycle, over gRPC and REST.
type lifecycleCall struct {
	grpc func(ctx context.Context, c webhookv1.WebhookServiceClient) error
	// method, path and body of the same call over REST.
	method, path, body string
}

// lifecycleCalls are every RPC on the given account and webhook id.
func lifecycleCalls(account, webhookID string) map[string]lifecycleCall {
	create := example.Request()
	create.AccountId = account
	createBody, _ := json.Marshal(map[string]any{
		"webhookUrl": create.GetWebhookUrl(), "authenticationType": "AUTHENTICATION_TYPE_BASIC",
		"authenticationUsername": "u", "authenticationPassword": "p", "subscribedEvents": []string{"WEBHOOK_EVENT_NEW_SMS"},
	})
	items := "/v1/accounts/" + account + "/webhooks"
	item := items + "/" + webhookID
	return map[string]lifecycleCall{
		"create": {
			grpc: func(ctx context.Context, c webhookv1.WebhookServiceClient) error {
				_, err := c.CreateWebhook(ctx, create)
				return err
			},
			method: http.MethodPost, path: items, body: string(createBody),
		},
		"get": {
			grpc: func(ctx context.Context, c webhookv1.WebhookServiceClient) error {
				_, err := c.GetWebhook(ctx, &webhookv1.GetWebhookRequest{AccountId: account, WebhookId: webhookID})
				return err
			},
			method: http.MethodGet, path: item,
		},
		"list": {
			grpc: func(ctx context.Context, c webhookv1.WebhookServiceClient) error {
				_, err := c.ListWebhooks(ctx, &webhookv1.ListWebhooksRequest{AccountId: account})
				return err
			},
			method: http.MethodGet, path: items,
		},
		"update": {
			grpc: func(ctx context.Context, c webhookv1.WebhookServiceClient) error {
				_, err := c.UpdateWebhook(ctx, &webhookv1.UpdateWebhookRequest{AccountId: account, WebhookId: webhookID, AuthenticationPassword: "p"})
				return err
			},
			method: http.MethodPatch, path: item, body: `{"authenticationPassword":"p"}`,
		},
		"delete": {
			grpc: func(ctx context.Context, c webhookv1.WebhookServiceClient) error {
				_, err := c.DeleteWebhook(ctx, &webhookv1.DeleteWebhookRequest{AccountId: account, WebhookId: webhookID})
				return err
			},
			method: http.MethodDelete, path: item,
		},
	}
}

// restCall makes a REST call with the bearer token and returns the HTTP
// status and the google.rpc.Status code of the answer.
func restCall(t *testing.T, hc *http.Client, base, token string, c lifecycleCall) (int, codes.Code) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(t.Context(), c.method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var st struct {
		Code codes.Code `json:"code"`
	}
	if resp.StatusCode != http.StatusOK {
		if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&st); err != nil {
			t.Fatalf("%s %s: %d answer is not a google.rpc.Status: %q", c.method, c.path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, st.Code
}

// Every RPC, over gRPC and REST, applies the policy's accounts and the
// request rules before anything reaches Telegent.
func TestLifecycleAuthorisationAndRules(t *testing.T) {
	t.Parallel()
	srv, token := startAuthServer(t)
	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := webhookv1.NewWebhookServiceClient(conn)
	ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+token)
	base := "http://" + srv.HTTPAddr().String()
	hc := &http.Client{}
	t.Cleanup(hc.CloseIdleConnections)

	tests := map[string]struct {
		calls    map[string]lifecycleCall
		only     []string // the calls of calls to make; all when empty
		code     codes.Code
		httpCode int
	}{
		"another account is denied": {calls: lifecycleCalls("AID-2", "WID-1000001"), code: codes.PermissionDenied, httpCode: http.StatusForbidden},
		"a malformed webhook id is refused": {calls: lifecycleCalls("AID-1", "1000001"), only: []string{"get", "update", "delete"},
			code: codes.InvalidArgument, httpCode: http.StatusBadRequest},
	}
	for name, tc := range tests {
		for op, c := range tc.calls {
			if len(tc.only) > 0 && !contains(tc.only, op) {
				continue
			}
			if err := c.grpc(ctx, client); status.Code(err) != tc.code {
				t.Errorf("%s: gRPC %s = %v, want %v", name, op, err, tc.code)
			}
			if httpCode, code := restCall(t, hc, base, token, c); httpCode != tc.httpCode || code != tc.code {
				t.Errorf("%s: REST %s %s = %d %v, want %d %v", name, c.method, c.path, httpCode, code, tc.httpCode, tc.code)
			}
		}
	}

	// Connect and gRPC-Web reach the new methods through the same chain.
	for _, opts := range [][]connect.ClientOption{nil, {connect.WithGRPCWeb()}} {
		lister := connect.NewClient[webhookv1.ListWebhooksRequest, webhookv1.ListWebhooksResponse](
			hc, base+webhookv1.WebhookService_ListWebhooks_FullMethodName, opts...)
		req := connect.NewRequest(&webhookv1.ListWebhooksRequest{AccountId: "AID-2"})
		req.Header().Set("Authorization", "Bearer "+token)
		if _, err := lister.CallUnary(t.Context(), req); connect.CodeOf(err) != connect.CodePermissionDenied {
			t.Errorf("ListWebhooks over %v: %v, want permission denied", opts, err)
		}
		deleter := connect.NewClient[webhookv1.DeleteWebhookRequest, webhookv1.DeleteWebhookResponse](
			hc, base+webhookv1.WebhookService_DeleteWebhook_FullMethodName, opts...)
		dreq := connect.NewRequest(&webhookv1.DeleteWebhookRequest{AccountId: "AID-1", WebhookId: "nope"})
		dreq.Header().Set("Authorization", "Bearer "+token)
		if _, err := deleter.CallUnary(t.Context(), dreq); connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("DeleteWebhook over %v: %v, want invalid argument", opts, err)
		}
	}

	// Rules of list and update beyond the ids.
	for name, call := range map[string]func() error{
		"negative page_size": func() error {
			_, err := client.ListWebhooks(ctx, &webhookv1.ListWebhooksRequest{AccountId: "AID-1", PageSize: -1})
			return err
		},
		"mask names an output-only field": func() error {
			_, err := client.UpdateWebhook(ctx, &webhookv1.UpdateWebhookRequest{AccountId: "AID-1", WebhookId: "WID-1",
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"account_id"}}})
			return err
		},
	} {
		if err := call(); status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want INVALID_ARGUMENT", name, err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// The REST routes of the lifecycle: a wrong method is 405 with the methods
// the path has, and the create's second path binds the account id.
func TestLifecycleRESTRoutes(t *testing.T) {
	t.Parallel()
	base := startWebServer(t, "")
	hc := &http.Client{}
	t.Cleanup(hc.CloseIdleConnections)
	for path, allow := range map[string]string{
		"/v1/accounts/AID-1/webhooks":             "GET, POST",
		"/v1/accounts/AID-1/webhooks/WID-1000001": "DELETE, GET, PATCH",
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != allow {
			t.Errorf("PUT %s: %d Allow %q, want 405 Allow %q", path, resp.StatusCode, resp.Header.Get("Allow"), allow)
		}
	}

	req := example.Request()
	req.AccountId = ""
	body, err := json.Marshal(map[string]any{"webhookUrl": req.GetWebhookUrl(), "subscribedEvents": []string{"WEBHOOK_EVENT_NEW_SMS"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Post(base+"/v1/accounts/AID-7654321/webhooks", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got webhookv1.CreateWebhookResponse
	raw, _ := io.ReadAll(resp.Body)
	if err := newRESTJSON().Unmarshal(raw, &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/accounts/AID-7654321/webhooks: %d %s", resp.StatusCode, raw)
	}
	if got.GetWebhook().GetAccountId() != "AID-7654321" || !strings.HasPrefix(got.GetWebhook().GetWebhookId(), "WID-") {
		t.Fatalf("created %v, want a webhook of AID-7654321", got.String())
	}
}
