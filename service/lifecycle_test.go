package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/idempotency"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
)

// memUpstream is a Telegent that keeps webhooks in memory. Like a Telegent
// that does not check ownership, update and delete act on any id,
// whatever account is sent with it. dropCreates makes the next creates
// store the webhook and then fail outcome unknown (a connection dropped
// after the body was sent); failCreates makes them fail outcome unknown
// without storing anything.
type memUpstream struct {
	mu          sync.Mutex
	next        int
	hooks       map[string]*stored
	creates     int
	updates     []*telegent.UpdateWebhookRequest
	deletes     int
	lists       int
	dropCreates int
	failCreates int
	listErr     error
}

type stored struct {
	req telegent.CreateWebhookRequest
}

func newMem() *memUpstream { return &memUpstream{next: 1000000, hooks: map[string]*stored{}} }

func (m *memUpstream) add(req telegent.CreateWebhookRequest) string {
	m.next++
	id := fmt.Sprintf("WID-%d", m.next)
	m.hooks[id] = &stored{req: req}
	return id
}

func (m *memUpstream) echo(id string) *telegent.Webhook {
	r := m.hooks[id].req
	return &telegent.Webhook{WebhookId: id, AccountId: r.AccountId, WebhookUrl: r.WebhookUrl, Method: r.Method, DataFormat: r.DataFormat,
		AuthenticationType: r.AuthenticationType, AuthenticationUsername: r.AuthenticationUsername, SubscribedEvents: r.SubscribedEvents,
		Active: ptr(true), HasPassword: r.AuthenticationPassword != "", HasToken: r.AuthenticationToken != ""}
}

var errUnknown = &telegent.Error{Kind: telegent.KindConnection, Op: telegent.OpCreateWebhook, OutcomeUnknown: true}

func (m *memUpstream) CreateWebhook(_ context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.creates++
	if m.failCreates > 0 {
		m.failCreates--
		return nil, errUnknown
	}
	id := m.add(*req)
	if m.dropCreates > 0 {
		m.dropCreates--
		return nil, errUnknown
	}
	return m.echo(id), nil
}

func (m *memUpstream) UpdateWebhook(_ context.Context, req *telegent.UpdateWebhookRequest) (*telegent.Webhook, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.updates = append(m.updates, req)
	if _, ok := m.hooks[req.WebhookId]; !ok {
		return nil, &telegent.Error{Kind: telegent.KindNotFound, StatusCode: 404}
	}
	m.hooks[req.WebhookId].req = req.CreateWebhookRequest
	return m.echo(req.WebhookId), nil
}

func (m *memUpstream) DeleteWebhook(_ context.Context, _, webhookID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deletes++
	if _, ok := m.hooks[webhookID]; !ok {
		return &telegent.Error{Kind: telegent.KindNotFound, StatusCode: 404}
	}
	delete(m.hooks, webhookID)
	return nil
}

// ListWebhooks answers in no particular order, as Telegent may.
func (m *memUpstream) ListWebhooks(_ context.Context, accountID string) ([]*telegent.Webhook, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lists++
	if m.listErr != nil {
		return nil, m.listErr
	}
	var out []*telegent.Webhook
	for id, h := range m.hooks {
		if h.req.AccountId == accountID {
			out = append(out, m.echo(id))
		}
	}
	return out, nil
}

func (m *memUpstream) counts() (creates, updates, deletes int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.creates, len(m.updates), m.deletes
}

func basicHook(account string) telegent.CreateWebhookRequest {
	return telegent.CreateWebhookRequest{AccountId: account, WebhookUrl: "https://h.example/x", Method: "PUT", DataFormat: "xml",
		AuthenticationType: "Basic", AuthenticationUsername: "u", AuthenticationPassword: "old-SECRET", SubscribedEvents: "Order_Update,New_Sms"}
}

// violations is the fields and reasons of a status's BadRequest.
func violations(err error) []string {
	var out []string
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				out = append(out, fv.GetField()+" "+fv.GetReason())
			}
		}
	}
	return out
}

func wantNotFound(t *testing.T, err error) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.NotFound || reasonOf(st) != failure.ReasonWebhookNotFound {
		t.Fatalf("error = %v (reason %q), want NOT_FOUND %s", err, reasonOf(st), failure.ReasonWebhookNotFound)
	}
}

func TestGetWebhook(t *testing.T) {
	t.Parallel()
	m := newMem()
	a := m.add(basicHook("AID-A"))
	b := m.add(basicHook("AID-B"))
	svc := service.New(m, nil)
	ctx := context.Background()

	resp, err := svc.GetWebhook(ctx, &webhookv1.GetWebhookRequest{AccountId: "AID-A", WebhookId: a})
	if err != nil {
		t.Fatal(err)
	}
	want := &webhookv1.Webhook{WebhookId: a, AccountId: "AID-A", Active: ptr(true), WebhookUrl: "https://h.example/x",
		Method: webhookv1.HttpMethod_HTTP_METHOD_PUT, DataFormat: webhookv1.DataFormat_DATA_FORMAT_XML,
		AuthenticationType: webhookv1.AuthenticationType_AUTHENTICATION_TYPE_BASIC, AuthenticationUsername: "u",
		SubscribedEvents: []webhookv1.WebhookEvent{1, 2}, PasswordSet: true}
	if !proto.Equal(resp.GetWebhook(), want) {
		t.Fatalf("GetWebhook = %v, want %v", resp.GetWebhook(), want)
	}
	if strings.Contains(prototext.Format(resp), "SECRET") {
		t.Fatal("the answer carries the password")
	}
	// Another account's webhook through this account: not found.
	_, err = svc.GetWebhook(ctx, &webhookv1.GetWebhookRequest{AccountId: "AID-A", WebhookId: b})
	wantNotFound(t, err)
	_, err = svc.GetWebhook(ctx, &webhookv1.GetWebhookRequest{AccountId: "AID-A", WebhookId: "WID-9"})
	wantNotFound(t, err)
}

func TestListWebhooksPages(t *testing.T) {
	t.Parallel()
	m := newMem()
	var ids []string
	for range 5 {
		ids = append(ids, m.add(basicHook("AID-A")))
	}
	m.add(basicHook("AID-B"))
	svc := service.New(m, nil)
	ctx := context.Background()

	var got []string
	token := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		resp, err := svc.ListWebhooks(ctx, &webhookv1.ListWebhooksRequest{AccountId: "AID-A", PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetWebhooks()) > 2 {
			t.Fatalf("page of %d, want at most 2", len(resp.GetWebhooks()))
		}
		for _, w := range resp.GetWebhooks() {
			got = append(got, w.GetWebhookId())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
		if pages == 0 {
			// A webhook deleted between pages shifts nothing.
			_ = m.DeleteWebhook(ctx, "AID-A", ids[0])
		}
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("listed %v, want %v in order", got, ids)
	}

	first, err := svc.ListWebhooks(ctx, &webhookv1.ListWebhooksRequest{AccountId: "AID-A", PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string]*webhookv1.ListWebhooksRequest{
		"token of another account": {AccountId: "AID-B", PageToken: first.GetNextPageToken()},
		"not a token":              {AccountId: "AID-A", PageToken: "bm9wZQ"},
	} {
		_, err := svc.ListWebhooks(ctx, req)
		if status.Code(err) != codes.InvalidArgument || !slices.Equal(violations(err), []string{"page_token page_token.invalid"}) {
			t.Errorf("%s: %v, want INVALID_ARGUMENT on page_token", name, err)
		}
	}
	// Above the maximum is the maximum; zero is the default.
	all, err := svc.ListWebhooks(ctx, &webhookv1.ListWebhooksRequest{AccountId: "AID-A", PageSize: 1000})
	if err != nil || len(all.GetWebhooks()) != 4 || all.GetNextPageToken() != "" {
		t.Fatalf("page_size 1000: %v, %v", all, err)
	}
}

func TestUpdateWebhookMerges(t *testing.T) {
	t.Parallel()
	events := []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_CALL_RINGING}
	tests := map[string]struct {
		req  *webhookv1.UpdateWebhookRequest // account and id are filled in
		want telegent.CreateWebhookRequest   // the body sent, with basicHook's values unless changed
	}{
		"password only, no mask": {
			req: &webhookv1.UpdateWebhookRequest{AuthenticationPassword: "new-SECRET"},
			want: func() telegent.CreateWebhookRequest {
				r := basicHook("AID-A")
				r.AuthenticationPassword = "new-SECRET"
				return r
			}(),
		},
		"events by mask, password resent": {
			req: &webhookv1.UpdateWebhookRequest{Webhook: &webhookv1.Webhook{SubscribedEvents: events, WebhookUrl: "https://ignored.example"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"subscribed_events"}}, AuthenticationPassword: "p"},
			want: func() telegent.CreateWebhookRequest {
				r := basicHook("AID-A")
				r.SubscribedEvents, r.AuthenticationPassword = "Call_Ringing", "p"
				return r
			}(),
		},
		"a named field left empty takes its default": {
			req: &webhookv1.UpdateWebhookRequest{Webhook: &webhookv1.Webhook{}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"method", "data_format"}},
				AuthenticationPassword: "p"},
			want: func() telegent.CreateWebhookRequest {
				r := basicHook("AID-A")
				r.Method, r.DataFormat, r.AuthenticationPassword = "POST", "json", "p"
				return r
			}(),
		},
		"basic to token drops the username": {
			req: &webhookv1.UpdateWebhookRequest{Webhook: &webhookv1.Webhook{AuthenticationType: webhookv1.AuthenticationType_AUTHENTICATION_TYPE_TOKEN},
				AuthenticationToken: "tok-SECRET"},
			want: func() telegent.CreateWebhookRequest {
				r := basicHook("AID-A")
				r.AuthenticationType, r.AuthenticationUsername, r.AuthenticationPassword, r.AuthenticationToken = "Token", "", "", "tok-SECRET"
				return r
			}(),
		},
		"everything by *": {
			req: &webhookv1.UpdateWebhookRequest{Webhook: &webhookv1.Webhook{WebhookUrl: "https://new.example/y", SubscribedEvents: events},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}}},
			want: telegent.CreateWebhookRequest{AccountId: "AID-A", WebhookUrl: "https://new.example/y", Method: "POST", DataFormat: "json",
				AuthenticationType: "None", SubscribedEvents: "Call_Ringing"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMem()
			id := m.add(basicHook("AID-A"))
			svc := service.New(m, nil)
			req := proto.CloneOf(tc.req)
			req.AccountId, req.WebhookId = "AID-A", id
			resp, err := svc.UpdateWebhook(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.updates) != 1 {
				t.Fatalf("%d updates sent, want 1", len(m.updates))
			}
			if got := m.updates[0]; got.WebhookId != id || got.CreateWebhookRequest != tc.want {
				t.Fatalf("sent %s %v, want %s %v", got.WebhookId, got.CreateWebhookRequest, id, tc.want)
			}
			if resp.GetWebhook().GetWebhookId() != id || strings.Contains(prototext.Format(resp), "SECRET") {
				t.Fatalf("answer %v: wrong id or carries a secret", resp)
			}
			if resp.GetWebhook().GetPasswordSet() != (tc.want.AuthenticationPassword != "") || resp.GetWebhook().GetTokenSet() != (tc.want.AuthenticationToken != "") {
				t.Fatalf("password_set/token_set of %v do not match what was sent", resp.GetWebhook())
			}
		})
	}
}

func TestUpdateWebhookRefusals(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		stored telegent.CreateWebhookRequest
		req    *webhookv1.UpdateWebhookRequest
		want   []string
	}{
		"basic kept without its password": {
			stored: basicHook("AID-A"),
			req:    &webhookv1.UpdateWebhookRequest{Webhook: &webhookv1.Webhook{WebhookUrl: "https://new.example/y"}},
			want:   []string{"authentication_password authentication_password.required_for_basic"},
		},
		"to basic without a password": {
			stored: telegent.CreateWebhookRequest{AccountId: "AID-A", WebhookUrl: "https://h.example/x", Method: "POST", DataFormat: "json", AuthenticationType: "None", SubscribedEvents: "New_Sms"},
			req: &webhookv1.UpdateWebhookRequest{Webhook: &webhookv1.Webhook{AuthenticationType: webhookv1.AuthenticationType_AUTHENTICATION_TYPE_BASIC,
				AuthenticationUsername: "u"}},
			want: []string{"authentication_password authentication_password.required_for_basic"},
		},
		"to token without a token": {
			stored: basicHook("AID-A"),
			req:    &webhookv1.UpdateWebhookRequest{Webhook: &webhookv1.Webhook{AuthenticationType: webhookv1.AuthenticationType_AUTHENTICATION_TYPE_TOKEN}},
			want:   []string{"authentication_token authentication_token.required_for_token"},
		},
		"a setting breaks a create rule": {
			stored: basicHook("AID-A"),
			req:    &webhookv1.UpdateWebhookRequest{Webhook: &webhookv1.Webhook{WebhookUrl: "http://h.example/x"}, AuthenticationPassword: "p"},
			want:   []string{"webhook.webhook_url webhook_url.https"},
		},
		"a sub-path of a setting": {
			stored: basicHook("AID-A"),
			req:    &webhookv1.UpdateWebhookRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"webhook_url.host"}}, AuthenticationPassword: "p"},
			want:   []string{"update_mask update_mask.in"},
		},
		"a stored value the facade cannot read is not sent back": {
			stored: func() telegent.CreateWebhookRequest { r := basicHook("AID-A"); r.Method = "PATCH"; return r }(),
			req:    &webhookv1.UpdateWebhookRequest{AuthenticationPassword: "p"},
			want:   []string{"webhook.method " + service.ReasonStoredValueUnknown},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMem()
			id := m.add(tc.stored)
			svc := service.New(m, nil)
			req := proto.CloneOf(tc.req)
			req.AccountId, req.WebhookId = "AID-A", id
			_, err := svc.UpdateWebhook(context.Background(), req)
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("UpdateWebhook = %v, want INVALID_ARGUMENT", err)
			}
			got := violations(err)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("violations %q, want %q", got, tc.want)
			}
			if _, updates, _ := m.counts(); updates != 0 {
				t.Fatal("an update was sent")
			}
		})
	}
}

// A caller allowed on A cannot change or delete B's webhook by sending A's
// account id with B's webhook id, though this Telegent would not check.
func TestOwnershipIsCheckedByTheFacade(t *testing.T) {
	t.Parallel()
	m := newMem()
	b := m.add(basicHook("AID-B"))
	svc := service.New(m, nil)
	ctx := context.Background()
	_, err := svc.UpdateWebhook(ctx, &webhookv1.UpdateWebhookRequest{AccountId: "AID-A", WebhookId: b, AuthenticationPassword: "p"})
	wantNotFound(t, err)
	_, err = svc.DeleteWebhook(ctx, &webhookv1.DeleteWebhookRequest{AccountId: "AID-A", WebhookId: b})
	wantNotFound(t, err)
	if _, updates, deletes := m.counts(); updates+deletes != 0 {
		t.Fatalf("%d updates and %d deletes reached Telegent", updates, deletes)
	}
}

func TestDeleteWebhookRepeatIsNotFound(t *testing.T) {
	t.Parallel()
	m := newMem()
	id := m.add(basicHook("AID-A"))
	svc := service.New(m, nil)
	ctx := context.Background()
	req := &webhookv1.DeleteWebhookRequest{AccountId: "AID-A", WebhookId: id}
	if _, err := svc.DeleteWebhook(ctx, req); err != nil {
		t.Fatal(err)
	}
	_, err := svc.DeleteWebhook(ctx, req)
	wantNotFound(t, err)
	_, err = svc.GetWebhook(ctx, &webhookv1.GetWebhookRequest{AccountId: "AID-A", WebhookId: id})
	wantNotFound(t, err)
	if creates, _, deletes := m.counts(); deletes != 1 || creates != 0 {
		t.Fatalf("%d deletes and %d creates sent, want 1 and 0", deletes, creates)
	}
}

func memIdempotent(m *memUpstream) *service.Service {
	d := idempotency.New(idempotency.Config{Store: idempotency.NewMemoryStore(idempotency.MemoryConfig{})})
	return service.New(m, nil, service.WithIdempotency(d, idempotency.NewFingerprinter([]byte("test secret"))))
}

// The create reached Telegent and the answer was lost: the repeat finds it.
func TestRequestIDRecoversAfterUnknownOutcome(t *testing.T) {
	t.Parallel()
	m := newMem()
	m.dropCreates = 1
	// An identical webhook that was there before is not taken for it.
	m.add(telegent.CreateWebhookRequest{AccountId: "AID-1", WebhookUrl: "https://h.example/x", Method: "POST", DataFormat: "json",
		AuthenticationType: "Basic", AuthenticationUsername: "u", SubscribedEvents: "Order_Update"})
	svc := memIdempotent(m)
	ctx := context.Background()

	_, err := svc.CreateWebhook(ctx, idemRequest(reqID))
	if status.Code(err) != codes.Unavailable || !strings.Contains(status.Convert(err).Message(), "same request_id") {
		t.Fatalf("first call = %v, want UNAVAILABLE telling to repeat with the same request_id", err)
	}
	// The repeat resolves the outcome, so the status invites it: a
	// RetryInfo, which the transport turns into a pushback and Retry-After
	// that clients with the published retry policy follow.
	if after, ok := failure.StatusRetryAfter(status.Convert(err)); !ok || after <= 0 {
		t.Errorf("first call carries no RetryInfo (%v, %v): clients would not repeat it", after, ok)
	}
	resp, err := svc.CreateWebhook(ctx, idemRequest(reqID))
	if err != nil {
		t.Fatal(err)
	}
	if !resp.GetRecovered() || resp.GetWebhook().GetWebhookId() != "WID-1000002" {
		t.Fatalf("repeat = %v, want WID-1000002 recovered", resp)
	}
	if !resp.GetWebhook().GetPasswordSet() || strings.Contains(prototext.Format(resp), "\"p\"") {
		t.Fatalf("repeat = %v: password_set should be true and the password absent", resp)
	}
	// The recovered answer is remembered: a repeat after the webhook was
	// deleted is answered from it, never by a new create.
	if err := m.DeleteWebhook(ctx, "AID-1", "WID-1000002"); err != nil {
		t.Fatal(err)
	}
	again, err := svc.CreateWebhook(ctx, idemRequest(reqID))
	if err != nil || again.GetWebhook().GetWebhookId() != "WID-1000002" || !again.GetRecovered() {
		t.Fatalf("second repeat = %v, %v", again, err)
	}
	if creates, _, _ := m.counts(); creates != 1 {
		t.Fatalf("Telegent saw %d creates, want 1", creates)
	}
}

// The create never reached Telegent: the repeat creates it, once, even
// when repeats race.
func TestRequestIDCreatesWhenNothingWasStored(t *testing.T) {
	t.Parallel()
	m := newMem()
	m.failCreates = 1
	svc := memIdempotent(m)
	ctx := context.Background()
	if _, err := svc.CreateWebhook(ctx, idemRequest(reqID)); status.Code(err) != codes.Unavailable {
		t.Fatalf("first call = %v, want UNAVAILABLE", err)
	}
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() {
			resp, err := svc.CreateWebhook(ctx, idemRequest(reqID))
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = resp.GetWebhook().GetWebhookId()
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("repeats answered %v, want one webhook", ids)
		}
	}
	if creates, _, _ := m.counts(); creates != 2 {
		t.Fatalf("Telegent saw %d creates, want 2 (the lost one and one more)", creates)
	}
	if len(m.hooks) != 1 {
		t.Fatalf("Telegent holds %d webhooks, want 1", len(m.hooks))
	}
}

// Without the list before the first attempt, the create still goes ahead,
// and an unknown outcome stays unknown: nothing is created again.
func TestRequestIDWithoutListStaysUnknown(t *testing.T) {
	t.Parallel()
	m := newMem()
	m.dropCreates = 1
	m.listErr = &telegent.Error{Kind: telegent.KindUpstreamUnavailable, Op: telegent.OpListWebhooks, StatusCode: 503}
	svc := memIdempotent(m)
	ctx := context.Background()
	_, first := svc.CreateWebhook(ctx, idemRequest(reqID))
	if status.Code(first) != codes.Unavailable || strings.Contains(status.Convert(first).Message(), "same request_id") {
		t.Fatalf("first call = %v, want UNAVAILABLE that does not promise a resolution", first)
	}
	if pushback, _ := failure.Pushback(status.Convert(first)); pushback != "-1" {
		t.Errorf("pushback %q, want -1: a repeat cannot resolve this outcome", pushback)
	}
	m.mu.Lock()
	m.listErr = nil
	m.mu.Unlock()
	_, again := svc.CreateWebhook(ctx, idemRequest(reqID))
	if !proto.Equal(status.Convert(again).Proto(), status.Convert(first).Proto()) {
		t.Fatalf("repeat = %v, want the first answer %v", again, first)
	}
	if creates, _, _ := m.counts(); creates != 1 {
		t.Fatalf("Telegent saw %d creates, want 1", creates)
	}
	// A create whose list fails but which succeeds is a success.
	m.mu.Lock()
	m.listErr = &telegent.Error{Kind: telegent.KindUpstreamUnavailable, Op: telegent.OpListWebhooks, StatusCode: 503}
	m.mu.Unlock()
	resp, err := svc.CreateWebhook(ctx, idemRequest("9b9c3f2e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"))
	if err != nil || resp.GetWebhook().GetWebhookId() == "" {
		t.Fatalf("create = %v, %v", resp, err)
	}
}
