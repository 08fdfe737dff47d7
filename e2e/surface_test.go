package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/testutil"
)

// TestRuntimeSurface: health, reflection, readiness, metrics and the
// OpenAPI document, as an operator or a new user meets them.
func TestRuntimeSurface(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil)

	hc, err := healthpb.NewHealthClient(f.conn).Check(t.Context(), &healthpb.HealthCheckRequest{Service: webhookv1.WebhookService_ServiceDesc.ServiceName})
	if err != nil || hc.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health = %v, %v; want SERVING", hc, err)
	}

	stream, err := reflectionpb.NewServerReflectionClient(f.conn).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	_ = stream.CloseSend()
	var services []string
	for _, svc := range resp.GetListServicesResponse().GetService() {
		services = append(services, svc.GetName())
	}
	if !strings.Contains(strings.Join(services, " "), "telegent.webhook.v1.WebhookService") {
		t.Errorf("reflection lists %v", services)
	}

	for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"ready"`, "/openapi.json": `"/v1/webhooks"`} {
		if code, body := f.get(t, path); code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s = %d %.200s, want 200 containing %s", path, code, body, want)
		}
	}

	// One call over each protocol, then the metrics must show both went
	// through the same chain, and the upstream and token metrics.
	if _, err := f.client.CreateWebhook(t.Context(), basicReq(uniqueURL(t, "")+"/grpc")); err != nil {
		t.Fatal(err)
	}
	body, _ := protojson.Marshal(&webhookv1.CreateWebhookRequest{AccountId: "bad"})
	if code, _ := f.restCall(t.Context(), t, bytes.NewReader(body), nil); code != http.StatusBadRequest {
		t.Fatalf("REST invalid request: %d", code)
	}
	_, metrics := f.get(t, "/metrics")
	for _, want := range []string{
		`telegent_facade_grpc_server_handled_total{grpc_code="OK",grpc_method="CreateWebhook",grpc_service="telegent.webhook.v1.WebhookService",grpc_type="unary",protocol="grpc"} 1`,
		`telegent_facade_grpc_server_handled_total{grpc_code="InvalidArgument",grpc_method="CreateWebhook",grpc_service="telegent.webhook.v1.WebhookService",grpc_type="unary",protocol="rest"} 1`,
		`telegent_facade_upstream_token_fetches_total{outcome="ok"} 1`,
		`telegent_facade_upstream_request_duration_seconds_count{op="create_webhook",status="200"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestRESTRunsTheSameChain: a REST call is validated, logged with its
// request id, and carries that id to Telegent, exactly like a gRPC call.
func TestRESTRunsTheSameChain(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil)
	for _, p := range []string{"grpc", "rest"} {
		t.Run(p, func(t *testing.T) {
			id := "req-" + p + "-4242"
			req := basicReq(uniqueURL(t, ""))
			req.AuthenticationPassword = "" // breaks a message-level rule
			if p == "grpc" {
				ctx := metadata.AppendToOutgoingContext(t.Context(), "x-request-id", id)
				var trailer metadata.MD
				_, err := f.client.CreateWebhook(ctx, req, grpc.Trailer(&trailer))
				if code := status.Code(err); code != codes.InvalidArgument {
					t.Fatalf("code = %v", code)
				}
				if got := trailer.Get("x-request-id"); len(got) != 1 || got[0] != id {
					t.Errorf("trailer x-request-id = %v, want %s", got, id)
				}
			} else {
				body, _ := protojson.Marshal(req)
				if code, _ := f.restCall(t.Context(), t, bytes.NewReader(body), http.Header{"X-Request-Id": {id}}); code != http.StatusBadRequest {
					t.Fatalf("HTTP %d", code)
				}
			}
			line, ok := f.waitFor(func(l map[string]any) bool { return l["msg"] == "request" && l["correlation_id"] == id }, 10*time.Second)
			if !ok {
				t.Fatal("no log line for the call")
			}
			if line["protocol"] != p || line["code"] != "InvalidArgument" || line["method"] != webhookv1.WebhookService_CreateWebhook_FullMethodName {
				t.Errorf("log line = %v", line)
			}
		})
	}
	if c := s.counters(t); c.CreatesAttempted != 0 {
		t.Errorf("invalid requests reached Telegent: %+v", c)
	}
}

// TestSecretsNeverLogged runs calls down every path with secrets in every
// secret field and finds none of them in the facade's output or answers.
func TestSecretsNeverLogged(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, []string{"LOG_LEVEL=debug"}, "--breaker-failures", "1000", "--breaker-failure-ratio", "2")
	const password, hookToken = "PASSWORD-e2e-91c3", "HOOKTOKEN-e2e-77ab"
	secrets := map[string]string{"webhook password": password, "webhook token": hookToken, "account secret": accountSecret}

	var answers []string
	var mu sync.Mutex
	record := func(s string) { mu.Lock(); answers = append(answers, s); mu.Unlock() }
	reqs := map[string]*webhookv1.CreateWebhookRequest{}
	for _, fault := range []string{"", "status:400", "status:401", "status:500", "body:malformed", "drop:after-body"} {
		basic := basicReq(uniqueURL(t, fault) + "&basic")
		basic.AuthenticationPassword = password
		token := basicReq(uniqueURL(t, fault) + "&token")
		token.AuthenticationType, token.AuthenticationUsername, token.AuthenticationPassword, token.AuthenticationToken = 3, "", "", hookToken
		reqs["basic "+fault], reqs["token "+fault] = basic, token
	}
	invalid := basicReq(uniqueURL(t, ""))
	invalid.AuthenticationPassword, invalid.AuthenticationToken = password+"\x01", hookToken
	reqs["invalid"] = invalid
	t.Run("calls", func(t *testing.T) {
		for name, req := range reqs {
			for _, p := range protocols {
				t.Run(p.name+"/"+name, func(t *testing.T) {
					t.Parallel()
					o := p.call(t.Context(), t, f, req)
					if o.status != nil {
						b, _ := protojson.Marshal(o.status.Proto())
						record(string(b))
					}
					if o.resp != nil {
						b, _ := protojson.Marshal(o.resp)
						record(string(b))
					}
				})
			}
		}
	})
	// A token revoked mid-run makes the facade fetch another one.
	s.admin(t, http.MethodPost, "/_sim/revoke-tokens", nil, nil)
	if _, err := f.client.CreateWebhook(t.Context(), basicReq(uniqueURL(t, "")+"/after-revoke")); err != nil {
		t.Fatal(err)
	}

	logs := f.output()
	if !strings.Contains(logs, `"msg":"request"`) {
		t.Fatal("no request logs captured")
	}
	assertNoSecrets(t, logs, answers, secrets)
}

// TestSIGTERMFinishesInFlightCalls: a slow call in flight when SIGTERM
// arrives still succeeds, readiness fails, and the process exits 0.
func TestSIGTERMFinishesInFlightCalls(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil, "--shutdown-grace", "20s")

	type result struct {
		proto string
		code  codes.Code
	}
	results := make(chan result, 2)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	go func() {
		_, err := f.client.CreateWebhook(ctx, basicReq(uniqueURL(t, "latency:1500ms")+"&grpc"))
		results <- result{"grpc", status.Code(err)}
	}()
	go func() {
		body, _ := protojson.Marshal(basicReq(uniqueURL(t, "latency:1500ms") + "&rest"))
		code, _ := f.restCall(ctx, t, bytes.NewReader(body), nil)
		c := codes.Unknown
		if code == http.StatusOK {
			c = codes.OK
		}
		results <- result{"rest", c}
	}()
	// Both calls have reached Telegent (they wait there) before SIGTERM.
	testutil.Poll(t, 10*time.Second, "two creates attempted", func() bool { return s.counters(t).CreatesAttempted >= 2 })
	if err := f.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.waitFor(func(l map[string]any) bool { return l["msg"] == "shutting down" }, 10*time.Second); !ok {
		t.Fatal("no shutdown log")
	}
	// The listener may already be closed; if it still answers, it must
	// not claim to be ready.
	if resp, err := http.Get(f.httpURL + "/readyz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("/readyz still 200 after SIGTERM")
		}
	}
	for range 2 {
		r := <-results
		if r.code != codes.OK {
			t.Errorf("%s call in flight at SIGTERM: %v, want OK", r.proto, r.code)
		}
	}
	if code := f.wait(t); code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
	if _, ok := f.waitFor(func(l map[string]any) bool { return l["msg"] == "shut down cleanly" }, time.Second); !ok {
		t.Error("no clean-shutdown log")
	}
}

// TestConfigErrorsReportedAtOnce: every configuration problem is reported
// in one go, with exit code 2.
func TestConfigErrorsReportedAtOnce(t *testing.T) {
	cmd := exec.Command(facadeBin, "--telegent-base-url", "http://api.example.com", "--grpc-addr", "nonsense", "--max-upstream", "0")
	cmd.Env = []string{"TELEGENT_ACCOUNT_SECRET="}
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
		t.Fatalf("exit = %v, want code 2\n%s", err, out)
	}
	for _, want := range []string{"--grpc-addr", "--telegent-base-url", "loopback", "--telegent-account-key", "TELEGENT_ACCOUNT_SECRET", "--max-upstream"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not mention %s:\n%s", want, out)
		}
	}
}

// TestDevModePrintsWorkingCommands starts --dev as `make run` does and runs
// the printed REST command's body over both protocols.
func TestDevModePrintsWorkingCommands(t *testing.T) {
	p, _ := start(t, facadeBin, []string{"--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, nil, "serving")
	if !p.waitForOutput("curl -sS http", 10*time.Second) {
		t.Fatalf("no usage printed:\n%s", p.output())
	}
	out := p.output()
	curl := regexp.MustCompile(`curl -sS -X POST (http://\S+/v1/webhooks) -H 'Content-Type: application/json' -d '(\{"accountId":"AID[^']*)'`).FindStringSubmatch(out)
	grpcurl := regexp.MustCompile(`grpcurl -plaintext -d '[^']*' (\S+) telegent.webhook.v1.WebhookService/CreateWebhook`).FindStringSubmatch(out)
	if curl == nil || grpcurl == nil {
		t.Fatalf("dev output lacks the commands:\n%s", out)
	}
	resp, err := http.Post(curl[1], "application/json", strings.NewReader(curl[2]))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(got["webhook"]["webhookId"].(string), "WID-") {
		t.Errorf("printed curl command: %d %v", resp.StatusCode, got)
	}
	req := &webhookv1.CreateWebhookRequest{}
	if err := protojson.Unmarshal([]byte(curl[2]), req); err != nil {
		t.Fatal(err)
	}
	conn := dial(t, grpcurl[1])
	if _, err := webhookv1.NewWebhookServiceClient(conn).CreateWebhook(t.Context(), req); err != nil {
		t.Errorf("printed grpcurl target and body: %v", err)
	}
}

// TestRESTAcceptsOnlyJSON: REST takes application/json (with any charset)
// and nothing else: other content types are 415 and data after the JSON
// value is 400, each with a google.rpc.Status body, and nothing refused
// reaches Telegent.
func TestRESTAcceptsOnlyJSON(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil)
	valid := func(t *testing.T) []byte {
		b, err := protojson.Marshal(basicReq(uniqueURL(t, "")))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	refused := map[string]struct {
		contentType string
		body        func(t *testing.T) []byte
		want        int
	}{
		"text/plain, as an HTML form may post": {"text/plain", valid, http.StatusUnsupportedMediaType},
		"url-encoded form":                     {"application/x-www-form-urlencoded", func(*testing.T) []byte { return []byte("accountId=AID-1") }, http.StatusUnsupportedMediaType},
		"multipart form":                       {"multipart/form-data; boundary=x", valid, http.StatusUnsupportedMediaType},
		"no content type":                      {"", valid, http.StatusUnsupportedMediaType},
		"json look-alike":                      {"application/json-seq", valid, http.StatusUnsupportedMediaType},
		"unknown parameter":                    {"application/json; profile=x", valid, http.StatusUnsupportedMediaType},
		"trailing data":                        {"application/json", func(t *testing.T) []byte { return append(valid(t), []byte(" {}")...) }, http.StatusBadRequest},
		"two values":                           {"application/json", func(t *testing.T) []byte { b := valid(t); return append(b, b...) }, http.StatusBadRequest},
	}
	for name, tc := range refused {
		t.Run(name, func(t *testing.T) {
			header := http.Header{"Content-Type": {tc.contentType}}
			if tc.contentType == "" {
				header = http.Header{"Content-Type": nil}
			}
			code, body := f.restCall(t.Context(), t, bytes.NewReader(tc.body(t)), header)
			if code != tc.want {
				t.Fatalf("HTTP %d %s, want %d", code, body, tc.want)
			}
			var st struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			// A wrong content type is UNKNOWN, as gRPC's and Connect's
			// HTTP mapping reads 415; a bad body is INVALID_ARGUMENT.
			wantCode := codes.InvalidArgument
			if tc.want == http.StatusUnsupportedMediaType {
				wantCode = codes.Unknown
			}
			if err := json.Unmarshal(body, &st); err != nil || st.Code != int(wantCode) || st.Message == "" {
				t.Errorf("body %s is not a google.rpc.Status: %v", body, err)
			}
		})
	}
	if c := s.counters(t); c.CreatesAttempted != 0 {
		t.Errorf("refused requests reached Telegent: %+v", c)
	}
	for _, contentType := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON; Charset=UTF-8"} {
		if code, body := f.restCall(t.Context(), t, bytes.NewReader(valid(t)), http.Header{"Content-Type": {contentType}}); code != http.StatusOK {
			t.Errorf("%s: HTTP %d %s, want 200", contentType, code, body)
		}
	}
}
