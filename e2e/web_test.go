package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// webProtocols are the browser-facing protocols of the HTTP port, as the
// connect-go client speaks them.
var webProtocols = []struct {
	name   string // as logged
	client string // the case's name
	opts   []connect.ClientOption
}{
	{"connect", "connect-proto", nil},
	{"connect", "connect-json", []connect.ClientOption{connect.WithProtoJSON()}},
	{"grpc_web", "grpcweb", []connect.ClientOption{connect.WithGRPCWeb()}},
}

// webCall is one CreateWebhook over Connect or gRPC-Web.
func webCall(ctx context.Context, t *testing.T, f *facade, opts []connect.ClientOption, header http.Header, req *webhookv1.CreateWebhookRequest) (*connect.Response[webhookv1.CreateWebhookResponse], *connect.Error) {
	t.Helper()
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	client := connect.NewClient[webhookv1.CreateWebhookRequest, webhookv1.CreateWebhookResponse](
		hc, f.httpURL+webhookv1.WebhookService_CreateWebhook_FullMethodName, opts...)
	r := connect.NewRequest(req)
	for k, v := range header {
		r.Header()[k] = v
	}
	resp, err := client.CallUnary(ctx, r)
	if err == nil {
		return resp, nil
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("call failed without a Connect error: %v", err)
	}
	return nil, ce
}

// connectStatus turns a Connect error into the gRPC status it carries, so
// that its details compare with gRPC's.
func connectStatus(t *testing.T, ce *connect.Error) *status.Status {
	t.Helper()
	sp := &spb.Status{Code: int32(ce.Code()), Message: ce.Message()}
	for _, d := range ce.Details() {
		v, err := d.Value()
		if err != nil {
			t.Fatalf("undecodable detail %s: %v", d.Type(), err)
		}
		a, err := anypb.New(v)
		if err != nil {
			t.Fatal(err)
		}
		sp.Details = append(sp.Details, a)
	}
	return status.FromProto(sp)
}

// TestConnectAndGRPCWebLikeGRPC calls the real facade over Connect (binary
// and JSON) and gRPC-Web, with authentication on, and checks that each call
// is authenticated, validated, logged and counted as a gRPC call is.
func TestConnectAndGRPCWebLikeGRPC(t *testing.T) {
	r := newRig(t)
	s := startSim(t)
	// Bearer tokens only: the rig's own policy also names certificate
	// callers, which need TLS.
	policy := writeFile(t, t.TempDir(), "policy.json", fmt.Appendf(nil, `{"callers": [{"caller": %q, "accounts": ["AID-7777777"]}]}`,
		auth.TokenCallerPrefix+opsCaller))
	f := startFacade(t, s.url, nil, "--auth-tokens-file", r.tokensFile, "--auth-policy-file", policy)
	authz := http.Header{"Authorization": {"Bearer " + r.tokens[opsCaller]}}

	for _, p := range webProtocols {
		t.Run(p.client, func(t *testing.T) {
			ctx := t.Context()
			valid := basicReq(uniqueURL(t, ""))
			valid.AccountId = "AID-7777777" // the ops caller's account

			// No credentials: refused before validation.
			_, ce := webCall(ctx, t, f, p.opts, nil, valid)
			if ce == nil || ce.Code() != connect.CodeUnauthenticated {
				t.Fatalf("without a token: %v, want unauthenticated", ce)
			}
			// Another caller's account: refused after validation.
			other := proto.Clone(valid).(*webhookv1.CreateWebhookRequest)
			other.AccountId = "AID-1234567"
			if _, ce := webCall(ctx, t, f, p.opts, authz, other); ce == nil || ce.Code() != connect.CodePermissionDenied {
				t.Fatalf("another caller's account: %v, want permission denied", ce)
			}

			// Invalid: the validator's BadRequest, as over gRPC.
			invalid := proto.Clone(valid).(*webhookv1.CreateWebhookRequest)
			invalid.AuthenticationPassword = ""
			id := "web-" + p.client + "-invalid"
			_, ce = webCall(ctx, t, f, p.opts, http.Header{"Authorization": authz["Authorization"], "X-Request-Id": {id}}, invalid)
			if ce == nil || ce.Code() != connect.CodeInvalidArgument {
				t.Fatalf("invalid request: %v, want invalid argument", ce)
			}
			br := badRequest(connectStatus(t, ce))
			if br == nil || len(br.GetFieldViolations()) == 0 || br.GetFieldViolations()[0].GetField() != "authentication_password" {
				t.Errorf("BadRequest = %v, want a violation of authentication_password", br)
			}
			line, ok := f.waitFor(func(l map[string]any) bool { return l["msg"] == "request" && l["correlation_id"] == id }, 10*time.Second)
			if !ok {
				t.Fatal("no log line for the invalid call")
			}
			if line["protocol"] != p.name || line["code"] != "InvalidArgument" || line["method"] != webhookv1.WebhookService_CreateWebhook_FullMethodName || line["caller"] != auth.TokenCallerPrefix+opsCaller {
				t.Errorf("log line = %v", line)
			}

			// Valid: created once.
			before := s.counters(t)
			resp, ce := webCall(ctx, t, f, p.opts, authz, valid)
			if ce != nil {
				t.Fatalf("valid request: %v", ce)
			}
			if resp.Msg.GetWebhook().GetWebhookId() == "" {
				t.Errorf("response = %v", resp.Msg)
			}
			if resp.Header().Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id in the answer")
			}
			if n := s.counters(t).CreatesAccepted - before.CreatesAccepted; n != 1 {
				t.Errorf("webhooks created = %d, want 1", n)
			}
		})
	}

	// Counted with gRPC's own metrics, by protocol: one call of each
	// outcome per client.
	_, metrics := f.get(t, "/metrics")
	perProtocol := map[string]int{}
	for _, p := range webProtocols {
		perProtocol[p.name]++
	}
	for _, code := range []string{"OK", "InvalidArgument", "Unauthenticated", "PermissionDenied"} {
		for protocol, n := range perProtocol {
			want := fmt.Sprintf(`telegent_facade_grpc_server_handled_total{grpc_code=%q,grpc_method="CreateWebhook",grpc_service="telegent.webhook.v1.WebhookService",grpc_type="unary",protocol=%q} %d`, code, protocol, n)
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	}
}

// retryView is what one protocol told the caller about retrying.
type retryView struct {
	code           codes.Code
	outcomeUnknown string
	retryInfo      time.Duration // 0: none
	retryAfter     string        // REST's header
	pushback       []string      // gRPC's trailer
}

func viewOf(st *status.Status) retryView {
	v := retryView{code: st.Code()}
	if info := errorInfo(st); info != nil {
		v.outcomeUnknown = info.GetMetadata()[failure.MetadataOutcomeUnknown]
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			v.retryInfo = ri.GetRetryDelay().AsDuration()
		}
	}
	return v
}

// TestOneRetrySignalOnEveryProtocol checks that gRPC, REST and Connect
// tell the caller the same thing about retrying: a Telegent 500 is
// outcome-unknown and never advised for retry (pushback -1, no RetryInfo,
// no Retry-After); answers a retry may cure carry RetryInfo, and over
// REST Retry-After.
func TestOneRetrySignalOnEveryProtocol(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil, noBreaker...)
	tests := map[string]struct {
		fault          string
		code           codes.Code
		outcomeUnknown string
		retry          bool
		pushback       string // "" for none
	}{
		"500":                {"status:500", codes.Unavailable, "true", false, "-1"},
		"502":                {"status:502", codes.Unavailable, "true", false, "-1"},
		"503":                {"status:503;body:empty", codes.Unavailable, "false", true, "1000"},
		"429":                {"status:429", codes.ResourceExhausted, "false", true, ""},
		"dropped after sent": {"drop:after-body", codes.Unavailable, "true", false, "-1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			views := map[string]retryView{}

			var trailer metadata.MD
			_, err := f.client.CreateWebhook(t.Context(), basicReq(uniqueURL(t, tc.fault)+"&p=grpc"), grpc.Trailer(&trailer))
			v := viewOf(status.Convert(err))
			v.pushback = trailer.Get("grpc-retry-pushback-ms")
			views["grpc"] = v

			body, err := protojson.Marshal(basicReq(uniqueURL(t, tc.fault) + "&p=rest"))
			if err != nil {
				t.Fatal(err)
			}
			code, header, b := f.restExchange(t.Context(), t, bytes.NewReader(body), nil)
			if code != httpFor[tc.code] {
				t.Errorf("REST status = %d, want %d", code, httpFor[tc.code])
			}
			sp := &spb.Status{}
			if err := protojson.Unmarshal(b, sp); err != nil {
				t.Fatalf("REST error body: %v\n%s", err, b)
			}
			v = viewOf(status.FromProto(sp))
			v.retryAfter = header.Get("Retry-After")
			views["rest"] = v

			_, ce := webCall(t.Context(), t, f, nil, nil, basicReq(uniqueURL(t, tc.fault)+"&p=connect"))
			if ce == nil {
				t.Fatal("Connect call succeeded")
			}
			views["connect"] = viewOf(connectStatus(t, ce))

			for p, v := range views {
				if v.code != tc.code || v.outcomeUnknown != tc.outcomeUnknown {
					t.Errorf("%s: code %v, outcome_unknown %q; want %v, %q", p, v.code, v.outcomeUnknown, tc.code, tc.outcomeUnknown)
				}
				if (v.retryInfo > 0) != tc.retry {
					t.Errorf("%s: RetryInfo %v, want one: %v", p, v.retryInfo, tc.retry)
				}
			}
			if want := map[bool]string{true: "1", false: ""}[tc.retry]; views["rest"].retryAfter != want {
				t.Errorf("REST Retry-After = %q, want %q", views["rest"].retryAfter, want)
			}
			if got := strings.Join(views["grpc"].pushback, ","); got != tc.pushback {
				t.Errorf("gRPC pushback = %q, want %q", got, tc.pushback)
			}
		})
	}
}

// TestBreakerOpenRetrySignal: an open breaker sent nothing, so every
// protocol advises a retry after the time until it probes again.
func TestBreakerOpenRetrySignal(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil, "--breaker-failures", "1", "--breaker-failure-ratio", "2", "--breaker-open-timeout", "1m")
	if _, err := f.client.CreateWebhook(t.Context(), basicReq(uniqueURL(t, "status:503;body:empty"))); status.Code(err) != codes.Unavailable {
		t.Fatalf("tripping call: %v", err)
	}

	var trailer metadata.MD
	_, err := f.client.CreateWebhook(t.Context(), basicReq(uniqueURL(t, "")), grpc.Trailer(&trailer))
	st := status.Convert(err)
	if errorInfo(st).GetReason() != failure.ReasonCircuitOpen {
		t.Fatalf("gRPC: %v, want the breaker's refusal", st)
	}
	if v := viewOf(st); v.retryInfo <= 0 || v.retryInfo > time.Minute {
		t.Errorf("gRPC RetryInfo = %v, want up to a minute", v.retryInfo)
	}
	if p := trailer.Get("grpc-retry-pushback-ms"); len(p) != 1 || p[0] == "-1" {
		t.Errorf("gRPC pushback = %v, want a delay", p)
	}

	body, _ := protojson.Marshal(basicReq(uniqueURL(t, "") + "&p=rest"))
	code, header, _ := f.restExchange(t.Context(), t, bytes.NewReader(body), nil)
	if code != http.StatusServiceUnavailable || header.Get("Retry-After") == "" {
		t.Errorf("REST: %d with Retry-After %q, want 503 with one", code, header.Get("Retry-After"))
	}

	_, ce := webCall(t.Context(), t, f, nil, nil, basicReq(uniqueURL(t, "")+"&p=connect"))
	if ce == nil {
		t.Fatal("Connect call succeeded")
	}
	cst := connectStatus(t, ce)
	if errorInfo(cst).GetReason() != failure.ReasonCircuitOpen || viewOf(cst).retryInfo <= 0 {
		t.Errorf("Connect: %v, want the breaker's refusal with RetryInfo", cst.Proto())
	}
	if c := s.counters(t); c.CreatesAttempted != 1 {
		t.Errorf("creates sent = %d, want only the tripping one", c.CreatesAttempted)
	}
}
