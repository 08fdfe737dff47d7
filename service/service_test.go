package service_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
)

// fakeUpstream records the translated request and answers as told.
type fakeUpstream struct {
	got  *telegent.CreateWebhookRequest
	resp *telegent.Webhook
	err  error
}

func (f *fakeUpstream) CreateWebhook(_ context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error) {
	f.got = req
	return f.resp, f.err
}

func (f *fakeUpstream) UpdateWebhook(context.Context, *telegent.UpdateWebhookRequest) (*telegent.Webhook, error) {
	return f.resp, f.err
}

func (f *fakeUpstream) DeleteWebhook(context.Context, string, string) error { return f.err }

func (f *fakeUpstream) ListWebhooks(context.Context, string) ([]*telegent.Webhook, error) {
	return nil, f.err
}

func ptr[T any](v T) *T { return &v }

func TestTranslationToTelegent(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		req  *webhookv1.CreateWebhookRequest
		want telegent.CreateWebhookRequest
	}{
		"defaults are sent explicitly": {
			req: &webhookv1.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example/x", SubscribedEvents: []webhookv1.WebhookEvent{1}},
			want: telegent.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: "POST", DataFormat: "json",
				AuthenticationType: "None", SubscribedEvents: "Order_Update"},
		},
		"basic, put, xml, events in order": {
			req: &webhookv1.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: 2, DataFormat: 2,
				AuthenticationType: 2, AuthenticationUsername: "u", AuthenticationPassword: "p", SubscribedEvents: []webhookv1.WebhookEvent{7, 2, 6, 3, 4, 5, 1}},
			want: telegent.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: "PUT", DataFormat: "xml",
				AuthenticationType: "Basic", AuthenticationUsername: "u", AuthenticationPassword: "p",
				SubscribedEvents: "Call_Ringing,New_Sms,Call_In_Progress,Call_Completed,Call_On_Hold,Call_Recording,Order_Update"},
		},
		"token": {
			req: &webhookv1.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: 1, DataFormat: 1,
				AuthenticationType: 3, AuthenticationToken: "tok", SubscribedEvents: []webhookv1.WebhookEvent{2}},
			want: telegent.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: "POST", DataFormat: "json",
				AuthenticationType: "Token", AuthenticationToken: "tok", SubscribedEvents: "New_Sms"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, *service.ToTelegent(tc.req)); diff != "" {
				t.Errorf("ToTelegent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTranslationFromTelegent(t *testing.T) {
	t.Parallel()
	req := &webhookv1.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: 2, DataFormat: 2,
		AuthenticationType: 2, AuthenticationUsername: "u", AuthenticationPassword: "p", SubscribedEvents: []webhookv1.WebhookEvent{1, 2}}
	tests := map[string]struct {
		req  *webhookv1.CreateWebhookRequest
		echo telegent.Webhook
		want *webhookv1.Webhook
	}{
		"faithful echo": {
			req: req,
			echo: telegent.Webhook{WebhookId: "WID-1", Active: ptr(true), AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: "PUT",
				DataFormat: "xml", AuthenticationType: "Basic", AuthenticationUsername: "u", SubscribedEvents: "Order_Update,New_Sms"},
			want: &webhookv1.Webhook{WebhookId: "WID-1", Active: ptr(true), AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: 2,
				DataFormat: 2, AuthenticationType: 2, AuthenticationUsername: "u", SubscribedEvents: []webhookv1.WebhookEvent{1, 2}, PasswordSet: true},
		},
		"other spellings are recognised": {
			req: req,
			echo: telegent.Webhook{WebhookId: "WID-2", Method: "put", DataFormat: "XML", AuthenticationType: "basic",
				SubscribedEvents: "Order_Update, New_SMS"},
			want: &webhookv1.Webhook{WebhookId: "WID-2", AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: 2,
				DataFormat: 2, AuthenticationType: 2, AuthenticationUsername: "u", SubscribedEvents: []webhookv1.WebhookEvent{1, 2}, PasswordSet: true},
		},
		"unrecognised echo falls back to the request": {
			req: req,
			echo: telegent.Webhook{WebhookId: "WID-3", Active: ptr(false), Method: "PATCH", DataFormat: "yaml", AuthenticationType: "Bearer",
				SubscribedEvents: "Order_Update,Message_Status"},
			want: &webhookv1.Webhook{WebhookId: "WID-3", Active: ptr(false), AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: 2,
				DataFormat: 2, AuthenticationType: 2, AuthenticationUsername: "u", SubscribedEvents: []webhookv1.WebhookEvent{1, 2}, PasswordSet: true},
		},
		"defaults are reported as what was sent": {
			req:  &webhookv1.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example/x", SubscribedEvents: []webhookv1.WebhookEvent{3}},
			echo: telegent.Webhook{WebhookId: "WID-4"},
			want: &webhookv1.Webhook{WebhookId: "WID-4", AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: 1,
				DataFormat: 1, AuthenticationType: 1, SubscribedEvents: []webhookv1.WebhookEvent{3}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := service.FromTelegent(&tc.echo, tc.req)
			if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("FromTelegent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateWebhookNeverReturnsSecrets(t *testing.T) {
	t.Parallel()
	up := &fakeUpstream{resp: &telegent.Webhook{WebhookId: "WID-9", AuthenticationUsername: "u"}}
	svc := service.New(up, nil)
	req := &webhookv1.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example/x", AuthenticationType: 2,
		AuthenticationUsername: "u", AuthenticationPassword: "pass-SECRET", SubscribedEvents: []webhookv1.WebhookEvent{1}}
	resp, err := svc.CreateWebhook(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if up.got.AuthenticationPassword != "pass-SECRET" {
		t.Errorf("password not sent upstream")
	}
	b, err := proto.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "pass-SECRET") {
		t.Error("response carries the password")
	}
}

func TestStatusMapping(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		err            error
		code           codes.Code
		reason         string
		upstreamStatus string
		outcomeUnknown string
		retryDelay     time.Duration
	}{
		"400":           {&telegent.Error{Kind: telegent.KindBadRequest, StatusCode: 400, Reason: "AccountId unknown"}, codes.InvalidArgument, failure.ReasonUpstreamBadRequest, "400", "false", 0},
		"401 twice":     {&telegent.Error{Kind: telegent.KindUnauthorized, StatusCode: 401}, codes.Internal, failure.ReasonUpstreamUnauthorized, "401", "false", 0},
		"token refused": {&telegent.Error{Kind: telegent.KindCredentialsRejected, StatusCode: 401}, codes.Internal, failure.ReasonUpstreamCredentialsRejected, "401", "false", 0},
		"403":           {&telegent.Error{Kind: telegent.KindForbidden, StatusCode: 403}, codes.PermissionDenied, failure.ReasonUpstreamForbidden, "403", "false", 0},
		"404":           {&telegent.Error{Kind: telegent.KindNotFound, StatusCode: 404}, codes.NotFound, failure.ReasonUpstreamNotFound, "404", "false", 0},
		"409":           {&telegent.Error{Kind: telegent.KindConflict, StatusCode: 409}, codes.AlreadyExists, failure.ReasonUpstreamConflict, "409", "false", 0},
		"429": {&telegent.Error{Kind: telegent.KindRateLimited, StatusCode: 429, RetryAfter: 3 * time.Second}, codes.ResourceExhausted,
			failure.ReasonUpstreamRateLimited, "429", "false", 3 * time.Second},
		"503":                {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, StatusCode: 503}, codes.Unavailable, failure.ReasonUpstreamUnavailable, "503", "false", 0},
		"connection":         {&telegent.Error{Kind: telegent.KindConnection}, codes.Unavailable, failure.ReasonUpstreamConnection, "0", "false", 0},
		"dropped after send": {&telegent.Error{Kind: telegent.KindConnection, OutcomeUnknown: true}, codes.Unavailable, failure.ReasonUpstreamConnection, "0", "true", 0},
		"timeout":            {&telegent.Error{Kind: telegent.KindTimeout, OutcomeUnknown: true}, codes.DeadlineExceeded, failure.ReasonUpstreamTimeout, "0", "true", 0},
		"malformed":          {&telegent.Error{Kind: telegent.KindMalformedResponse, StatusCode: 200, OutcomeUnknown: true}, codes.Internal, failure.ReasonUpstreamMalformedResponse, "200", "true", 0},
		"canceled":           {&telegent.Error{Kind: telegent.KindCanceled}, codes.Canceled, failure.ReasonCanceled, "0", "false", 0},
		"bare deadline":      {context.DeadlineExceeded, codes.DeadlineExceeded, failure.ReasonUpstreamTimeout, "0", "false", 0},
		"unexpected":         {errors.New("boom: secret-ish internal text"), codes.Internal, failure.ReasonInternal, "0", "false", 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svc := service.New(&fakeUpstream{err: tc.err}, nil)
			_, err := svc.CreateWebhook(context.Background(), &webhookv1.CreateWebhookRequest{AccountId: "AID-1"})
			st := status.Convert(err)
			if st.Code() != tc.code {
				t.Fatalf("code = %v, want %v", st.Code(), tc.code)
			}
			if strings.Contains(st.Message(), "internal text") || strings.Contains(st.Message(), "telegent:") {
				t.Errorf("message %q passes on internal text", st.Message())
			}
			var info *errdetails.ErrorInfo
			var retry *errdetails.RetryInfo
			for _, d := range st.Details() {
				switch d := d.(type) {
				case *errdetails.ErrorInfo:
					info = d
				case *errdetails.RetryInfo:
					retry = d
				}
			}
			if info == nil {
				t.Fatalf("no ErrorInfo in %v", st.Details())
			}
			if info.GetReason() != tc.reason || info.GetDomain() != failure.ErrorDomain {
				t.Errorf("ErrorInfo = %s/%s, want %s/%s", info.GetDomain(), info.GetReason(), failure.ErrorDomain, tc.reason)
			}
			if got := info.GetMetadata()[failure.MetadataUpstreamStatus]; got != tc.upstreamStatus {
				t.Errorf("upstream_status = %q, want %q", got, tc.upstreamStatus)
			}
			if got := info.GetMetadata()[failure.MetadataOutcomeUnknown]; got != tc.outcomeUnknown {
				t.Errorf("outcome_unknown = %q, want %q", got, tc.outcomeUnknown)
			}
			if tc.retryDelay > 0 && retry.GetRetryDelay().AsDuration() != tc.retryDelay {
				t.Errorf("RetryInfo = %v, want %v", retry, tc.retryDelay)
			}
		})
	}
}

func TestCallerFixableRefusalsCarryUpstreamMessage(t *testing.T) {
	t.Parallel()
	svc := service.New(&fakeUpstream{err: &telegent.Error{Kind: telegent.KindBadRequest, StatusCode: 400, Reason: "WebhookUrl unreachable"}}, nil)
	_, err := svc.CreateWebhook(context.Background(), &webhookv1.CreateWebhookRequest{})
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			if got := info.GetMetadata()[failure.MetadataUpstreamMessage]; got != "WebhookUrl unreachable" {
				t.Errorf("upstream_message = %q", got)
			}
			return
		}
	}
	t.Fatal("no ErrorInfo")
}

func TestRetryPushback(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		err      error
		want     string
		decision bool
	}{
		"never connected":         {&telegent.Error{Kind: telegent.KindConnection}, "1000", true},
		"dropped after write":     {&telegent.Error{Kind: telegent.KindConnection, OutcomeUnknown: true}, "-1", true},
		"503":                     {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, StatusCode: 503}, "1000", true},
		"503 with Retry-After":    {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, StatusCode: 503, RetryAfter: 1500 * time.Millisecond}, "1500", true},
		"500 may have created":    {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, StatusCode: 500}, "-1", true},
		"504 may have created":    {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, StatusCode: 504}, "-1", true},
		"not UNAVAILABLE":         {&telegent.Error{Kind: telegent.KindBadRequest, StatusCode: 400}, "", false},
		"circuit open":            {&failure.Rejection{Reason: failure.RejectedOpen, RetryAfter: 2 * time.Second}, "2000", true},
		"overloaded":              {&failure.Rejection{Reason: failure.RejectedOverloaded, RetryAfter: time.Second}, "", false},
		"not an upstream failure": {errors.New("x"), "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, ok := failure.Pushback(status.Convert(service.Status(context.Background(), slog.New(slog.DiscardHandler), tc.err)))
			if got != tc.want || ok != tc.decision {
				t.Errorf("RetryPushback = %q, %v; want %q, %v", got, ok, tc.want, tc.decision)
			}
		})
	}
}
