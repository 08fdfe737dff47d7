package e2e

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	spb "google.golang.org/genproto/googleapis/rpc/status"

	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

func basicReq(url string) *webhookv1.CreateWebhookRequest {
	return &webhookv1.CreateWebhookRequest{
		AccountId:              "AID-1234567",
		WebhookUrl:             url,
		Method:                 webhookv1.HttpMethod_HTTP_METHOD_POST,
		DataFormat:             webhookv1.DataFormat_DATA_FORMAT_JSON,
		AuthenticationType:     webhookv1.AuthenticationType_AUTHENTICATION_TYPE_BASIC,
		AuthenticationUsername: "webhook_user",
		AuthenticationPassword: "s3cureP@ss",
		SubscribedEvents:       []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_ORDER_UPDATE, webhookv1.WebhookEvent_WEBHOOK_EVENT_NEW_SMS},
	}
}

// outcome is what one call got, over either protocol.
type outcome struct {
	code       codes.Code
	httpStatus int // 0 over gRPC
	status     *status.Status
	resp       *webhookv1.CreateWebhookResponse
}

type protocol struct {
	name string
	call func(ctx context.Context, t *testing.T, f *facade, req *webhookv1.CreateWebhookRequest) outcome
}

var protocols = []protocol{
	{"grpc", func(ctx context.Context, t *testing.T, f *facade, req *webhookv1.CreateWebhookRequest) outcome {
		resp, err := f.client.CreateWebhook(ctx, req)
		st := status.Convert(err)
		return outcome{code: st.Code(), status: st, resp: resp}
	}},
	{"rest", func(ctx context.Context, t *testing.T, f *facade, req *webhookv1.CreateWebhookRequest) outcome {
		body, err := protojson.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		// The gateway turns Grpc-Timeout ("250m" is 250 ms) into the
		// call's deadline.
		header := http.Header{}
		if dl, ok := ctx.Deadline(); ok {
			header.Set("Grpc-Timeout", strconv.FormatInt(time.Until(dl).Milliseconds(), 10)+"m")
		}
		// The deadline travels in the header; the HTTP exchange itself is
		// left unbounded so that the facade's 504 is what the test sees.
		code, b := f.restCall(t.Context(), t, bytes.NewReader(body), header)
		if code == 0 {
			return outcome{code: codes.Unavailable, status: status.New(codes.Unavailable, "no answer")}
		}
		if code == http.StatusOK {
			resp := &webhookv1.CreateWebhookResponse{}
			if err := protojson.Unmarshal(b, resp); err != nil {
				t.Errorf("decode %s: %v", b, err)
			}
			return outcome{code: codes.OK, httpStatus: code, resp: resp}
		}
		sp := &spb.Status{}
		if err := protojson.Unmarshal(b, sp); err != nil {
			t.Errorf("REST error body is not a google.rpc.Status: %v\n%s", err, b)
		}
		st := status.FromProto(sp)
		return outcome{code: st.Code(), httpStatus: code, status: st}
	}},
}

func errorInfo(st *status.Status) *errdetails.ErrorInfo {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

func badRequest(st *status.Status) *errdetails.BadRequest {
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			return br
		}
	}
	return nil
}

// httpFor is the HTTP status the product maps each code to.
var httpFor = map[codes.Code]int{
	codes.OK: 200, codes.InvalidArgument: 400, codes.Internal: 500, codes.PermissionDenied: 403, codes.NotFound: 404,
	codes.AlreadyExists: 409, codes.ResourceExhausted: 429, codes.Unavailable: 503, codes.DeadlineExceeded: 504,
}

// check asserts the code and, over REST, the HTTP status of an outcome.
func (o outcome) check(t *testing.T, want codes.Code) {
	t.Helper()
	if o.code != want {
		msg := ""
		if o.status != nil {
			msg = o.status.Message()
		}
		t.Fatalf("code = %v (%s), want %v", o.code, msg, want)
	}
	if o.httpStatus != 0 && o.httpStatus != httpFor[want] {
		t.Fatalf("HTTP status = %d, want %d", o.httpStatus, httpFor[want])
	}
}

func TestSuccessOverGRPCAndREST(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil)
	reqs := map[string]func(url string) *webhookv1.CreateWebhookRequest{
		"basic": basicReq,
		"token": func(url string) *webhookv1.CreateWebhookRequest {
			r := basicReq(url)
			r.AuthenticationType, r.AuthenticationUsername, r.AuthenticationPassword, r.AuthenticationToken = 3, "", "", "hook-token-xyz"
			return r
		},
		"none with defaults": func(url string) *webhookv1.CreateWebhookRequest {
			return &webhookv1.CreateWebhookRequest{AccountId: "AID-7654321", WebhookUrl: url,
				SubscribedEvents: []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_CALL_RINGING}}
		},
	}
	for _, p := range protocols {
		for name, build := range reqs {
			t.Run(p.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				req := build(uniqueURL(t, ""))
				o := p.call(t.Context(), t, f, req)
				o.check(t, codes.OK)
				w := o.resp.GetWebhook()
				if !strings.HasPrefix(w.GetWebhookId(), "WID-") || !w.GetActive() {
					t.Errorf("webhook = %v", w)
				}
				if w.GetWebhookUrl() != req.GetWebhookUrl() || w.GetAccountId() != req.GetAccountId() {
					t.Errorf("echo = %v, want the request's url and account", w)
				}
				if !proto.Equal(&webhookv1.CreateWebhookRequest{SubscribedEvents: w.GetSubscribedEvents()},
					&webhookv1.CreateWebhookRequest{SubscribedEvents: req.GetSubscribedEvents()}) {
					t.Errorf("events = %v, want %v", w.GetSubscribedEvents(), req.GetSubscribedEvents())
				}
				if w.GetMethod() == 0 || w.GetDataFormat() == 0 || w.GetAuthenticationType() == 0 {
					t.Errorf("defaults not reported: %v", w)
				}
			})
		}
	}
}

// TestEveryRuleOverGRPCAndREST tries every validation rule over both
// protocols, and proves that none of those requests reached Telegent.
func TestEveryRuleOverGRPCAndREST(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil)
	before := s.counters(t) // the token taken at start-up
	type rule struct {
		mutate func(*webhookv1.CreateWebhookRequest)
		field  string
		ruleID string
	}
	rules := map[string]rule{
		"account_id required":         {func(r *webhookv1.CreateWebhookRequest) { r.AccountId = "" }, "account_id", "required"},
		"account_id pattern":          {func(r *webhookv1.CreateWebhookRequest) { r.AccountId = "ACC-1" }, "account_id", "account_id.format"},
		"account_id length":           {func(r *webhookv1.CreateWebhookRequest) { r.AccountId = "AID-" + strings.Repeat("1", 97) }, "account_id", "string.max_len"},
		"webhook_url required":        {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "" }, "webhook_url", "required"},
		"webhook_url https":           {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "http://hooks.example.com/x" }, "webhook_url", "webhook_url.https"},
		"webhook_url host":            {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https:///x" }, "webhook_url", "webhook_url.host"},
		"webhook_url uri":             {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://exa mple.com" }, "webhook_url", "string.uri"},
		"webhook_url length":          {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://e.com/" + strings.Repeat("a", 242) }, "webhook_url", "string.max_len"},
		"method defined":              {func(r *webhookv1.CreateWebhookRequest) { r.Method = 7 }, "method", "enum.defined_only"},
		"data_format defined":         {func(r *webhookv1.CreateWebhookRequest) { r.DataFormat = 7 }, "data_format", "enum.defined_only"},
		"authentication_type defined": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationType = 7 }, "authentication_type", "enum.defined_only"},
		"basic needs username": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationUsername = "" },
			"authentication_username", "authentication_username.required_for_basic"},
		"basic needs password": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationPassword = "" },
			"authentication_password", "authentication_password.required_for_basic"},
		"token needs token": {func(r *webhookv1.CreateWebhookRequest) {
			r.AuthenticationType, r.AuthenticationUsername, r.AuthenticationPassword = 3, "", ""
		}, "authentication_token", "authentication_token.required_for_token"},
		"basic forbids token": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationToken = "t" },
			"authentication_token", "authentication_token.unused"},
		"none forbids username": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationType, r.AuthenticationPassword = 1, "" },
			"authentication_username", "authentication_username.unused"},
		"none forbids password": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationType, r.AuthenticationUsername = 1, "" },
			"authentication_password", "authentication_password.unused"},
		"username length":  {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationUsername = strings.Repeat("u", 256) }, "authentication_username", "string.max_len"},
		"username colon":   {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationUsername = "a:b" }, "authentication_username", "string.not_contains"},
		"username control": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationUsername = "a\tb" }, "authentication_username", "authentication_username.printable"},
		"password length":  {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationPassword = strings.Repeat("p", 256) }, "authentication_password", "string.max_len"},
		"password control": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationPassword = "p\x1b" }, "authentication_password", "authentication_password.printable"},
		"token length": {func(r *webhookv1.CreateWebhookRequest) {
			r.AuthenticationType, r.AuthenticationUsername, r.AuthenticationPassword, r.AuthenticationToken = 3, "", "", strings.Repeat("t", 256)
		}, "authentication_token", "string.max_len"},
		"username C1 control": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationUsername = "a\u0085b" }, "authentication_username", "authentication_username.printable"},
		"username bidi":       {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationUsername = "a\u202eb" }, "authentication_username", "authentication_username.printable"},
		"password bidi":       {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationPassword = "p\u2066w" }, "authentication_password", "authentication_password.printable"},
		"password C1 control": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationPassword = "p\u009bw" }, "authentication_password", "authentication_password.printable"},
		"token format character": {func(r *webhookv1.CreateWebhookRequest) {
			r.AuthenticationType, r.AuthenticationUsername, r.AuthenticationPassword, r.AuthenticationToken = 3, "", "", "t\u200ek"
		}, "authentication_token", "authentication_token.printable"},
		"webhook_url port range":               {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://hooks.example.com:99999/x" }, "webhook_url", "webhook_url.host"},
		"webhook_url host labels":              {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://.../x" }, "webhook_url", "webhook_url.host"},
		"webhook_url localhost":                {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://localhost:8443/x" }, "webhook_url", "webhook_url.not_localhost"},
		"webhook_url loopback ip":              {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://127.0.0.1/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url private ip":               {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://10.0.0.8/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url link-local ip":            {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://169.254.169.254/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url unspecified":              {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[::]/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url mapped ipv6":              {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[::ffff:c0a8:1]/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special 100.64.0.1":       {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://100.64.0.1/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special 100.100.100.200":  {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://100.100.100.200/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special 192.0.0.8":        {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://192.0.0.8/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special 198.18.0.1":       {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://198.18.0.1/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special 240.0.0.1":        {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://240.0.0.1/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special 255.255.255.255":  {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://255.255.255.255/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special [64:ff9b::a00:1]": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[64:ff9b::a00:1]/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special [2002:a00:1::]":   {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[2002:a00:1::]/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special [fec0::1]":        {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[fec0::1]/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special [::ffff:0:a00:1]": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[::ffff:0:a00:1]/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special [100::1]":         {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[100::1]/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url special [2001:db8::1]":    {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[2001:db8::1]/x" }, "webhook_url", "webhook_url.public_ip"},
		"webhook_url numeric host":             {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://2130706433/x" }, "webhook_url", "webhook_url.numeric_host"},
		"request_id uuid":                      {func(r *webhookv1.CreateWebhookRequest) { r.RequestId = "not-a-uuid" }, "request_id", "string.uuid"},
		"events required":                      {func(r *webhookv1.CreateWebhookRequest) { r.SubscribedEvents = nil }, "subscribed_events", "repeated.min_items"},
		"events unique":                        {func(r *webhookv1.CreateWebhookRequest) { r.SubscribedEvents = []webhookv1.WebhookEvent{1, 1} }, "subscribed_events", "repeated.unique"},
		"events specified":                     {func(r *webhookv1.CreateWebhookRequest) { r.SubscribedEvents = []webhookv1.WebhookEvent{0} }, "subscribed_events[0]", "enum.not_in"},
		"events defined":                       {func(r *webhookv1.CreateWebhookRequest) { r.SubscribedEvents = []webhookv1.WebhookEvent{1, 99} }, "subscribed_events[1]", "enum.defined_only"},
	}
	t.Run("cases", func(t *testing.T) {
		for _, p := range protocols {
			for name, r := range rules {
				t.Run(p.name+"/"+name, func(t *testing.T) {
					t.Parallel()
					req := basicReq(uniqueURL(t, ""))
					r.mutate(req)
					o := p.call(t.Context(), t, f, req)
					o.check(t, codes.InvalidArgument)
					if !strings.Contains(o.status.Message(), strings.Split(r.field, "[")[0]) {
						t.Errorf("message %q does not name %s", o.status.Message(), r.field)
					}
					br := badRequest(o.status)
					if br == nil {
						t.Fatalf("no google.rpc.BadRequest in %v", o.status.Details())
					}
					for _, v := range br.GetFieldViolations() {
						if v.GetField() == r.field && v.GetReason() == r.ruleID {
							return
						}
					}
					t.Errorf("violations %v lack %s/%s", br.GetFieldViolations(), r.field, r.ruleID)
				})
			}
		}
	})
	if c := s.counters(t); c.CreatesAttempted != 0 || c.TokenRequests != before.TokenRequests {
		t.Errorf("invalid requests reached Telegent: %+v, %d token requests before them", c, before.TokenRequests)
	}
}

// TestTokenTakenAtStartUp: the facade takes its token before it reports
// ready, and its first calls use it.
func TestTokenTakenAtStartUp(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil)
	if c := s.counters(t); c.TokenRequests != 1 || c.CreatesAttempted != 0 {
		t.Fatalf("once ready: %+v, want 1 token request and no create", c)
	}
	for _, p := range protocols {
		p.call(t.Context(), t, f, basicReq(uniqueURL(t, ""))).check(t, codes.OK)
	}
	if c := s.counters(t); c.TokenRequests != 1 || c.CreatesAccepted != int64(len(protocols)) {
		t.Errorf("after a call per protocol: %+v, want still 1 token request and %d creates", c, len(protocols))
	}
}

// TestUpstreamStatusMapping steers the simulator through the webhook URL
// and checks every row of the product's status table over both protocols.
func TestUpstreamStatusMapping(t *testing.T) {
	s := startSim(t)
	// The breaker would open on this many injected failures; its own
	// behaviour is tested in TestCircuitBreaker.
	f := startFacade(t, s.url, nil, "--breaker-failures", "1000", "--breaker-failure-ratio", "2")
	tests := map[string]struct {
		fault          string
		deadline       time.Duration
		code           codes.Code
		reason         string
		upstreamStatus string
		outcomeUnknown bool
	}{
		"400":               {"status:400", 0, codes.InvalidArgument, failure.ReasonUpstreamBadRequest, "400", false},
		"401 after retry":   {"status:401", 0, codes.Internal, failure.ReasonUpstreamUnauthorized, "401", false},
		"403":               {"status:403", 0, codes.PermissionDenied, failure.ReasonUpstreamForbidden, "403", false},
		"404":               {"status:404", 0, codes.NotFound, failure.ReasonUpstreamNotFound, "404", false},
		"409":               {"status:409", 0, codes.AlreadyExists, failure.ReasonUpstreamConflict, "409", false},
		"429":               {"status:429", 0, codes.ResourceExhausted, failure.ReasonUpstreamRateLimited, "429", false},
		"500":               {"status:500", 0, codes.Unavailable, failure.ReasonUpstreamUnavailable, "500", true},
		"502 html":          {"status:502;body:html", 0, codes.Unavailable, failure.ReasonUpstreamUnavailable, "502", true},
		"503 empty":         {"status:503;body:empty", 0, codes.Unavailable, failure.ReasonUpstreamUnavailable, "503", false},
		"connection drop":   {"drop:before-body", 0, codes.Unavailable, failure.ReasonUpstreamConnection, "0", true},
		"drop after create": {"drop:after-body", 0, codes.Unavailable, failure.ReasonUpstreamConnection, "0", true},
		"deadline":          {"latency:10s", 3 * time.Second, codes.DeadlineExceeded, failure.ReasonUpstreamTimeout, "0", true},
		"malformed body":    {"body:malformed", 0, codes.Internal, failure.ReasonUpstreamMalformedResponse, "200", true},
		"no webhook id":     {"body:nowebhookid", 0, codes.Internal, failure.ReasonUpstreamMalformedResponse, "200", true},
	}
	t.Run("cases", func(t *testing.T) {
		for _, p := range protocols {
			for name, tc := range tests {
				t.Run(p.name+"/"+name, func(t *testing.T) {
					t.Parallel()
					ctx := t.Context()
					if tc.deadline > 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, tc.deadline)
						defer cancel()
					}
					o := p.call(ctx, t, f, basicReq(uniqueURL(t, tc.fault)))
					o.check(t, tc.code)
					if o.code == codes.DeadlineExceeded && o.httpStatus == 0 && errorInfo(o.status) == nil {
						// The caller's own deadline may fire first over gRPC:
						// that is the same answer, produced client-side.
						return
					}
					info := errorInfo(o.status)
					if info == nil {
						t.Fatalf("no ErrorInfo: %v", o.status.Proto())
					}
					if info.GetReason() != tc.reason || info.GetMetadata()["upstream_status"] != tc.upstreamStatus {
						t.Errorf("ErrorInfo = %s %v, want %s upstream_status=%s", info.GetReason(), info.GetMetadata(), tc.reason, tc.upstreamStatus)
					}
					if got := info.GetMetadata()["outcome_unknown"] == "true"; got != tc.outcomeUnknown {
						t.Errorf("outcome_unknown = %v, want %v", got, tc.outcomeUnknown)
					}
					if strings.Contains(o.status.Message(), "s3cureP@ss") {
						t.Errorf("message leaks the password: %q", o.status.Message())
					}
				})
			}
		}
	})
	c := s.counters(t)
	if c.DuplicateCreates != 0 {
		t.Errorf("a webhook was created twice: %+v", c)
	}
	// Creates that reached Telegent: every case once per protocol, plus
	// the single retry after the scripted 401s.
	if want := int64(2 * (len(tests) + 1)); c.CreatesAttempted != want {
		t.Errorf("creates sent to Telegent = %d, want %d (no retries but the 401 one)", c.CreatesAttempted, want)
	}
}

// TestTokenRefused: Telegent refusing our credentials is INTERNAL / 500,
// and the logs say so.
func TestTokenRefused(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, []string{"TELEGENT_ACCOUNT_SECRET=wrong-secret"})
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			o := p.call(t.Context(), t, f, basicReq(uniqueURL(t, "")))
			o.check(t, codes.Internal)
			if info := errorInfo(o.status); info.GetReason() != failure.ReasonUpstreamCredentialsRejected {
				t.Errorf("reason = %q", info.GetReason())
			}
		})
	}
	for _, when := range []string{"at start-up", "check the account key"} {
		if _, ok := f.waitFor(func(l map[string]any) bool {
			msg, _ := l["msg"].(string)
			return l["level"] == "ERROR" && strings.Contains(msg, "credentials") && strings.Contains(msg, when)
		}, 10*time.Second); !ok {
			t.Errorf("no error log about our credentials %q", when)
		}
	}
	if c := s.counters(t); c.CreatesAttempted != 0 {
		t.Errorf("creates sent without a token: %+v", c)
	}
}
