package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/testredis"
	"github.com/platform/telegent-facade/telegentsim"
)

// The protocols the lifecycle tests speak.
const (
	lcGRPC    = "grpc"
	lcREST    = "rest"
	lcConnect = "connect"
	lcGRPCWeb = "grpcweb"
)

// lcAnswer is what one call got over any protocol: its status (OK on
// success), the HTTP status over REST, and the answer as a caller could
// read it, for the secret scan.
type lcAnswer struct {
	st   *status.Status
	http int
	body string
}

// lcClient calls the five RPCs over one protocol as one caller, and keeps
// every answer it got.
type lcClient struct {
	proto   string
	f       *facade
	token   string // bearer token; none when empty
	answers []string
}

func (c *lcClient) create(t *testing.T, req *webhookv1.CreateWebhookRequest) (*webhookv1.CreateWebhookResponse, lcAnswer) {
	t.Helper()
	resp := &webhookv1.CreateWebhookResponse{}
	return resp, c.call(t, "CreateWebhook", req, resp)
}

func (c *lcClient) get(t *testing.T, account, id string) (*webhookv1.GetWebhookResponse, lcAnswer) {
	t.Helper()
	resp := &webhookv1.GetWebhookResponse{}
	return resp, c.call(t, "GetWebhook", &webhookv1.GetWebhookRequest{AccountId: account, WebhookId: id}, resp)
}

func (c *lcClient) list(t *testing.T, req *webhookv1.ListWebhooksRequest) (*webhookv1.ListWebhooksResponse, lcAnswer) {
	t.Helper()
	resp := &webhookv1.ListWebhooksResponse{}
	return resp, c.call(t, "ListWebhooks", req, resp)
}

func (c *lcClient) update(t *testing.T, req *webhookv1.UpdateWebhookRequest) (*webhookv1.UpdateWebhookResponse, lcAnswer) {
	t.Helper()
	resp := &webhookv1.UpdateWebhookResponse{}
	return resp, c.call(t, "UpdateWebhook", req, resp)
}

func (c *lcClient) delete(t *testing.T, account, id string) lcAnswer {
	t.Helper()
	return c.call(t, "DeleteWebhook", &webhookv1.DeleteWebhookRequest{AccountId: account, WebhookId: id}, &webhookv1.DeleteWebhookResponse{})
}

// call makes one call of method and fills resp on success.
func (c *lcClient) call(t *testing.T, method string, req, resp proto.Message) lcAnswer {
	t.Helper()
	var a lcAnswer
	switch c.proto {
	case lcGRPC:
		a = c.callGRPC(t, method, req, resp)
	case lcREST:
		a = c.callREST(t, req, resp)
	case lcConnect:
		a = c.callConnect(t, method, req, resp, connect.WithProtoJSON())
	case lcGRPCWeb:
		a = c.callConnect(t, method, req, resp, connect.WithGRPCWeb())
	default:
		t.Fatalf("unknown protocol %q", c.proto)
	}
	c.answers = append(c.answers, a.body)
	return a
}

func (c *lcClient) callGRPC(t *testing.T, method string, req, resp proto.Message) lcAnswer {
	t.Helper()
	ctx := t.Context()
	if c.token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.token)
	}
	err := c.f.conn.Invoke(ctx, "/"+webhookv1.WebhookService_ServiceDesc.ServiceName+"/"+method, req, resp)
	return protoAnswer(status.Convert(err), resp)
}

// protoAnswer is the answer of a call whose bytes the test does not see
// (gRPC, Connect): the response or the status, as JSON.
func protoAnswer(st *status.Status, resp proto.Message) lcAnswer {
	var body []byte
	if st.Code() == codes.OK {
		body, _ = protojson.Marshal(resp)
	} else {
		body, _ = protojson.Marshal(st.Proto())
	}
	return lcAnswer{st: st, body: string(body)}
}

// callREST sends req to its REST binding.
func (c *lcClient) callREST(t *testing.T, req, resp proto.Message) lcAnswer {
	t.Helper()
	webhooks := func(account string) string { return "/v1/accounts/" + url.PathEscape(account) + "/webhooks" }
	var (
		method, path string
		body         io.Reader
	)
	jsonBody := func(m proto.Message) io.Reader {
		b, err := protojson.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(b)
	}
	switch r := req.(type) {
	case *webhookv1.CreateWebhookRequest:
		method, path, body = http.MethodPost, webhooks(r.GetAccountId()), jsonBody(r)
	case *webhookv1.GetWebhookRequest:
		method, path = http.MethodGet, webhooks(r.GetAccountId())+"/"+url.PathEscape(r.GetWebhookId())
	case *webhookv1.ListWebhooksRequest:
		q := url.Values{}
		if r.GetPageSize() != 0 {
			q.Set("page_size", strconv.Itoa(int(r.GetPageSize())))
		}
		if r.GetPageToken() != "" {
			q.Set("page_token", r.GetPageToken())
		}
		method, path = http.MethodGet, webhooks(r.GetAccountId())
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
	case *webhookv1.UpdateWebhookRequest:
		method, path, body = http.MethodPatch, webhooks(r.GetAccountId())+"/"+url.PathEscape(r.GetWebhookId()), jsonBody(r)
	case *webhookv1.DeleteWebhookRequest:
		method, path = http.MethodDelete, webhooks(r.GetAccountId())+"/"+url.PathEscape(r.GetWebhookId())
	default:
		t.Fatalf("no REST binding for %T", req)
	}
	hr, err := http.NewRequestWithContext(t.Context(), method, c.f.httpURL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		hr.Header.Set("Authorization", "Bearer "+c.token)
	}
	hresp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer hresp.Body.Close()
	b, err := io.ReadAll(hresp.Body)
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", method, path, err)
	}
	a := lcAnswer{http: hresp.StatusCode, body: string(b)}
	if hresp.StatusCode == http.StatusOK {
		if err := protojson.Unmarshal(b, resp); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
		a.st = status.New(codes.OK, "")
		return a
	}
	sp := &spb.Status{}
	if err := protojson.Unmarshal(b, sp); err != nil {
		t.Fatalf("%s %s: %d, error body is not a google.rpc.Status: %v\n%s", method, path, hresp.StatusCode, err, b)
	}
	a.st = status.FromProto(sp)
	return a
}

// callConnect makes the call with connect-go: the Connect protocol or
// gRPC-Web, as opts say.
func (c *lcClient) callConnect(t *testing.T, method string, req, resp proto.Message, opts ...connect.ClientOption) lcAnswer {
	t.Helper()
	header := http.Header{}
	if c.token != "" {
		header.Set("Authorization", "Bearer "+c.token)
	}
	endpoint := c.f.httpURL + "/" + webhookv1.WebhookService_ServiceDesc.ServiceName + "/" + method
	var (
		got proto.Message
		err error
	)
	switch r := req.(type) {
	case *webhookv1.CreateWebhookRequest:
		got, err = connectUnary[webhookv1.CreateWebhookRequest, webhookv1.CreateWebhookResponse](t.Context(), endpoint, header, r, opts)
	case *webhookv1.GetWebhookRequest:
		got, err = connectUnary[webhookv1.GetWebhookRequest, webhookv1.GetWebhookResponse](t.Context(), endpoint, header, r, opts)
	case *webhookv1.ListWebhooksRequest:
		got, err = connectUnary[webhookv1.ListWebhooksRequest, webhookv1.ListWebhooksResponse](t.Context(), endpoint, header, r, opts)
	case *webhookv1.UpdateWebhookRequest:
		got, err = connectUnary[webhookv1.UpdateWebhookRequest, webhookv1.UpdateWebhookResponse](t.Context(), endpoint, header, r, opts)
	case *webhookv1.DeleteWebhookRequest:
		got, err = connectUnary[webhookv1.DeleteWebhookRequest, webhookv1.DeleteWebhookResponse](t.Context(), endpoint, header, r, opts)
	default:
		t.Fatalf("no Connect call for %T", req)
	}
	if err != nil {
		var ce *connect.Error
		if !errors.As(err, &ce) {
			t.Fatalf("%s over Connect failed without a Connect error: %v", method, err)
		}
		return protoAnswer(connectStatus(t, ce), resp)
	}
	proto.Merge(resp, got)
	return protoAnswer(status.New(codes.OK, ""), resp)
}

// connectUnary is one unary call with connect-go. It returns the response as a proto.Message so that callers of
// every method share one path.
func connectUnary[Req, Resp any, PResp interface {
	*Resp
	proto.Message
}](ctx context.Context, url string, header http.Header, req *Req, opts []connect.ClientOption) (proto.Message, error) {
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	r := connect.NewRequest(req)
	for k, v := range header {
		r.Header()[k] = v
	}
	resp, err := connect.NewClient[Req, Resp](hc, url, opts...).CallUnary(ctx, r)
	if err != nil {
		return nil, err
	}
	return PResp(resp.Msg), nil
}

// ok fails the test unless the call succeeded.
func (a lcAnswer) ok(t *testing.T, what string) {
	t.Helper()
	if a.st.Code() != codes.OK {
		t.Fatalf("%s: %v %q (HTTP %d)\n%s", what, a.st.Code(), a.st.Message(), a.http, a.body)
	}
	if a.http != 0 && a.http != http.StatusOK {
		t.Fatalf("%s: HTTP %d", what, a.http)
	}
}

// refused fails the test unless the call got code, the matching HTTP
// status over REST and, when reason is set, that ErrorInfo reason.
func (a lcAnswer) refused(t *testing.T, what string, code codes.Code, reason string) {
	t.Helper()
	if a.st.Code() != code {
		t.Fatalf("%s: %v %q, want %v\n%s", what, a.st.Code(), a.st.Message(), code, a.body)
	}
	if a.http != 0 && a.http != httpFor[code] {
		t.Errorf("%s: HTTP %d, want %d", what, a.http, httpFor[code])
	}
	if reason != "" {
		if got := errorInfo(a.st).GetReason(); got != reason {
			t.Errorf("%s: ErrorInfo reason %q, want %q (details %v)", what, got, reason, a.st.Details())
		}
	}
}

// simWebhooks is what the simulator stores for an account, credentials
// included.
func simWebhooks(t *testing.T, s *sim, account string) []telegentsim.Webhook {
	t.Helper()
	var ws []telegentsim.Webhook
	s.admin(t, http.MethodGet, "/_sim/webhooks?AccountId="+url.QueryEscape(account), nil, &ws)
	return ws
}

// simWebhook is the stored webhook with the id, or nil.
func simWebhook(t *testing.T, s *sim, account, id string) *telegentsim.Webhook {
	t.Helper()
	for _, w := range simWebhooks(t, s, account) {
		if w.WebhookID == id {
			return &w
		}
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// lcAccount is an account id for one protocol's subtest: the lists of two
// subtests never mix.
func lcAccount(prefix, protocol string) string {
	return "AID-" + prefix + strings.ToUpper(protocol)
}

// TestLifecycleOverEveryProtocol runs a webhook's whole life through the
// real facade and simulator over gRPC, REST, Connect and gRPC-Web: create,
// list page by page, get, update of the password only, delete, get and
// delete again. The settings the update does not name are kept, no answer
// carries a password or token, and Telegent sees one create of the
// webhook, one update and one delete.
func TestLifecycleOverEveryProtocol(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil)
	var answers []string
	const oldPassword, newPassword, hookToken = "lc-old-Pass-7d1e", "lc-new-Pass-93ab", "lc-hook-Token-5e2a"
	for _, p := range []string{lcGRPC, lcREST, lcConnect, lcGRPCWeb} {
		t.Run(p, func(t *testing.T) {
			c := &lcClient{proto: p, f: f}
			defer func() { answers = append(answers, c.answers...) }()
			account := lcAccount("LC", p)

			// Create the webhook under test and two neighbours.
			subject := basicReq(uniqueURL(t, "") + "/subject")
			subject.AccountId, subject.AuthenticationPassword = account, oldPassword
			created, a := c.create(t, subject)
			a.ok(t, "create")
			w := created.GetWebhook()
			id := w.GetWebhookId()
			if !strings.HasPrefix(id, "WID-") || !w.GetPasswordSet() || w.GetWebhookUrl() != subject.GetWebhookUrl() || created.GetRecovered() {
				t.Fatalf("created = %v", created)
			}
			ids := []string{id}
			for i := range 2 {
				other := &webhookv1.CreateWebhookRequest{AccountId: account, WebhookUrl: fmt.Sprintf("%s/neighbour-%d", uniqueURL(t, ""), i),
					SubscribedEvents: []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_CALL_RINGING}}
				if i == 0 { // a list returns tokens too, as Telegent might
					other.AuthenticationType, other.AuthenticationToken = webhookv1.AuthenticationType_AUTHENTICATION_TYPE_TOKEN, hookToken
				}
				resp, a := c.create(t, other)
				a.ok(t, "create a neighbour")
				ids = append(ids, resp.GetWebhook().GetWebhookId())
			}
			slices.Sort(ids)
			before := s.counters(t)

			// List one webhook a page, twice: the same ids in the same
			// (webhook_id) order, each once; the default page holds all.
			for pass := range 2 {
				var paged []string
				token := ""
				for page := 0; ; page++ {
					if page > len(ids) {
						t.Fatalf("pass %d: more than %d pages of one webhook for %d webhooks", pass, page, len(ids))
					}
					resp, a := c.list(t, &webhookv1.ListWebhooksRequest{AccountId: account, PageSize: 1, PageToken: token})
					a.ok(t, "list a page")
					if len(resp.GetWebhooks()) > 1 {
						t.Fatalf("page of size 1 holds %d webhooks", len(resp.GetWebhooks()))
					}
					for _, lw := range resp.GetWebhooks() {
						paged = append(paged, lw.GetWebhookId())
					}
					if token = resp.GetNextPageToken(); token == "" {
						break
					}
				}
				if !slices.Equal(paged, ids) {
					t.Fatalf("pass %d: pages of one hold %v, want %v (every webhook once, by id)", pass, paged, ids)
				}
			}
			all, a := c.list(t, &webhookv1.ListWebhooksRequest{AccountId: account})
			a.ok(t, "list")
			var listed []string
			for _, lw := range all.GetWebhooks() {
				listed = append(listed, lw.GetWebhookId())
			}
			if !slices.Equal(listed, ids) || all.GetNextPageToken() != "" {
				t.Fatalf("default page = %v (next %q), want %v and no next page", listed, all.GetNextPageToken(), ids)
			}

			// Get: the webhook as created.
			got, a := c.get(t, account, id)
			a.ok(t, "get")
			g := got.GetWebhook()
			if g.GetWebhookId() != id || g.GetWebhookUrl() != subject.GetWebhookUrl() || g.GetAuthenticationUsername() != subject.GetAuthenticationUsername() ||
				!slices.Equal(g.GetSubscribedEvents(), subject.GetSubscribedEvents()) || !g.GetPasswordSet() || g.GetAccountId() != account {
				t.Fatalf("get = %v, want the webhook created from %v", g, subject)
			}

			// Update the password only: no mask, no settings.
			updated, a := c.update(t, &webhookv1.UpdateWebhookRequest{AccountId: account, WebhookId: id, AuthenticationPassword: newPassword})
			a.ok(t, "update the password")
			if u := updated.GetWebhook(); u.GetWebhookId() != id || u.GetWebhookUrl() != subject.GetWebhookUrl() || !u.GetPasswordSet() {
				t.Errorf("update answered %v", u)
			}
			if stored := simWebhook(t, s, account, id); stored == nil || deref(stored.AuthenticationPassword) != newPassword {
				t.Fatal("Telegent does not hold the new password after the update")
			}
			all, a = c.list(t, &webhookv1.ListWebhooksRequest{AccountId: account})
			a.ok(t, "list after the update")
			i := slices.IndexFunc(all.GetWebhooks(), func(lw *webhookv1.Webhook) bool { return lw.GetWebhookId() == id })
			if i < 0 {
				t.Fatalf("the updated webhook is not listed: %v", all.GetWebhooks())
			}
			lw := all.GetWebhooks()[i]
			if lw.GetWebhookUrl() != subject.GetWebhookUrl() || !slices.Equal(lw.GetSubscribedEvents(), subject.GetSubscribedEvents()) ||
				lw.GetMethod() != subject.GetMethod() || lw.GetDataFormat() != subject.GetDataFormat() ||
				lw.GetAuthenticationType() != subject.GetAuthenticationType() || lw.GetAuthenticationUsername() != subject.GetAuthenticationUsername() ||
				!lw.GetPasswordSet() || lw.GetTokenSet() {
				t.Errorf("after a password-only update the list shows %v, want the settings of %v and password_set", lw, subject)
			}

			// Delete, then get and delete again: WEBHOOK_NOT_FOUND.
			c.delete(t, account, id).ok(t, "delete")
			if simWebhook(t, s, account, id) != nil {
				t.Fatal("Telegent still holds the deleted webhook")
			}
			_, a = c.get(t, account, id)
			a.refused(t, "get after delete", codes.NotFound, failure.ReasonWebhookNotFound)
			c.delete(t, account, id).refused(t, "delete again", codes.NotFound, failure.ReasonWebhookNotFound)

			// Telegent saw one update and one delete, and no create after
			// the three; the subject's URL was created once.
			after := s.counters(t)
			if d := after.CreatesAttempted - before.CreatesAttempted; d != 0 {
				t.Errorf("Telegent saw %d creates after the webhooks were made", d)
			}
			if d := after.UpdatesAttempted - before.UpdatesAttempted; d != 1 {
				t.Errorf("Telegent saw %d updates, want 1", d)
			}
			if d := after.DeletesAttempted - before.DeletesAttempted; d != 1 {
				t.Errorf("Telegent saw %d deletes, want 1 (the repeat sends none)", d)
			}
			if n := createsByURL(t, s)[subject.GetWebhookUrl()]; n != 1 {
				t.Errorf("Telegent saw %d creates of the webhook, want 1", n)
			}
		})
	}
	assertNoSecrets(t, f.output(), answers, map[string]string{"password given at create": oldPassword, "password given at update": newPassword,
		"token of a neighbour": hookToken})
	if c := s.counters(t); c.DuplicateCreates != 0 {
		t.Errorf("a webhook was created twice: %+v", c)
	}
}

// retryInfo is the status's google.rpc.RetryInfo, or nil.
func retryInfo(st *status.Status) *errdetails.RetryInfo {
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri
		}
	}
	return nil
}

// unknownThenRecovered sends a create with a request_id whose answer the
// simulator drops after storing the webhook, through first, then repeats
// it through again: the first answer is outcome unknown with a RetryInfo,
// the repeat the webhook Telegent stored, recovered, and Telegent saw one
// create.
func unknownThenRecovered(t *testing.T, s *sim, first, again *lcClient, account string) {
	t.Helper()
	req := basicReq(uniqueURL(t, "drop:after-body;on:create"))
	req.AccountId = account
	req.RequestId = uuid.NewString()
	before := s.counters(t)

	_, a := first.create(t, req)
	a.refused(t, "create whose answer is dropped", codes.Unavailable, failure.ReasonUpstreamConnection)
	if info := errorInfo(a.st); info.GetMetadata()[failure.MetadataOutcomeUnknown] != "true" {
		t.Fatalf("ErrorInfo = %v, want outcome_unknown=true", info)
	}
	if ri := retryInfo(a.st); ri == nil || ri.GetRetryDelay().AsDuration() <= 0 {
		t.Fatalf("RetryInfo = %v, want one that invites the repeat", ri)
	}
	stored := simWebhooks(t, s, account)
	if len(stored) != 1 || deref(stored[0].WebhookURL) != req.GetWebhookUrl() {
		t.Fatalf("Telegent holds %+v, want the one webhook whose answer was dropped", stored)
	}

	resp, a := again.create(t, req)
	a.ok(t, "repeat with the same request_id")
	w := resp.GetWebhook()
	if !resp.GetRecovered() || w.GetWebhookId() != stored[0].WebhookID || w.GetWebhookUrl() != req.GetWebhookUrl() ||
		w.GetAccountId() != account || !w.GetPasswordSet() || !slices.Equal(w.GetSubscribedEvents(), req.GetSubscribedEvents()) {
		t.Fatalf("repeat = %v, want the stored webhook %s, recovered", resp, stored[0].WebhookID)
	}
	// A further repeat is the same webhook, still without a create.
	third, a := again.create(t, req)
	a.ok(t, "second repeat")
	if third.GetWebhook().GetWebhookId() != w.GetWebhookId() {
		t.Fatalf("second repeat = %v, want webhook %s", third, w.GetWebhookId())
	}
	if d := s.counters(t).CreatesAttempted - before.CreatesAttempted; d != 1 {
		t.Errorf("Telegent saw %d creates, want 1", d)
	}
	if n := createsByURL(t, s)[req.GetWebhookUrl()]; n != 1 {
		t.Errorf("Telegent stored the webhook %d times, want 1", n)
	}
	if ws := simWebhooks(t, s, account); len(ws) != 1 {
		t.Errorf("Telegent holds %d webhooks of the account, want 1", len(ws))
	}

	// Deleted, the webhook is not created again by a repeat.
	again.delete(t, account, w.GetWebhookId()).ok(t, "delete the recovered webhook")
	late, a := again.create(t, req)
	a.ok(t, "repeat after the delete")
	if late.GetWebhook().GetWebhookId() != w.GetWebhookId() {
		t.Errorf("repeat after the delete = %v, want the remembered webhook %s", late, w.GetWebhookId())
	}
	if d := s.counters(t).CreatesAttempted - before.CreatesAttempted; d != 1 {
		t.Errorf("after a delete, a repeat sent a create: %d creates, want 1", d)
	}
}

// TestLifecycleUnknownCreateRecovered: with the simulator dropping the
// create's answer after storing the webhook, the first call with a
// request_id is outcome unknown, and its repeat answers with the webhook
// Telegent stored, marked recovered, without a second create; over gRPC
// and REST.
func TestLifecycleUnknownCreateRecovered(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil)
	for _, p := range []string{lcGRPC, lcREST} {
		t.Run(p, func(t *testing.T) {
			c := &lcClient{proto: p, f: f}
			unknownThenRecovered(t, s, c, c, lcAccount("RC", p))
		})
	}
}

// TestLifecycleUnknownCreateNothingStored: a create with a request_id
// answered 500 (outcome unknown; here Telegent stored nothing) is repeated
// with the same request_id: the repeat finds nothing in the list and
// creates, once.
func TestLifecycleUnknownCreateNothingStored(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil)
	for _, p := range []string{lcGRPC, lcREST} {
		t.Run(p, func(t *testing.T) {
			c := &lcClient{proto: p, f: f}
			req := basicReq(uniqueURL(t, "status:500;once"))
			req.AccountId = lcAccount("NS", p)
			req.RequestId = uuid.NewString()
			_, a := c.create(t, req)
			a.refused(t, "create answered 500", codes.Unavailable, failure.ReasonUpstreamUnavailable)
			if errorInfo(a.st).GetMetadata()[failure.MetadataOutcomeUnknown] != "true" || retryInfo(a.st) == nil {
				t.Fatalf("details %v, want outcome_unknown and a RetryInfo", a.st.Details())
			}
			resp, a := c.create(t, req)
			a.ok(t, "repeat with the same request_id")
			stored := simWebhooks(t, s, req.GetAccountId())
			if resp.GetRecovered() || len(stored) != 1 || resp.GetWebhook().GetWebhookId() != stored[0].WebhookID {
				t.Fatalf("repeat = %v, Telegent holds %+v; want the one webhook the repeat created, not recovered", resp, stored)
			}
			if n := createsByURL(t, s)[req.GetWebhookUrl()]; n != 1 {
				t.Errorf("Telegent stored the webhook %d times, want 1", n)
			}
		})
	}
}

// TestLifecycleUnknownCreateRecoveredAcrossReplicas: the same with two
// replicas sharing Redis, the first call on one and the repeat on the
// other.
func TestLifecycleUnknownCreateRecoveredAcrossReplicas(t *testing.T) {
	redis := testredis.Start(t)
	s := startSim(t)
	r1 := startFacade(t, s.url, nil, "--idempotency-store", redis.URL())
	r2 := startFacade(t, s.url, nil, "--idempotency-store", redis.URL())
	t.Run("grpc", func(t *testing.T) {
		unknownThenRecovered(t, s, &lcClient{proto: lcGRPC, f: r1}, &lcClient{proto: lcGRPC, f: r2}, "AID-RCREPLICAS1")
	})
	t.Run("grpc then rest", func(t *testing.T) {
		unknownThenRecovered(t, s, &lcClient{proto: lcGRPC, f: r1}, &lcClient{proto: lcREST, f: r2}, "AID-RCREPLICAS2")
	})
}

// TestLifecycleAuthorisation: a caller allowed only on account A is
// refused PERMISSION_DENIED on every RPC for account B, and, with a
// simulator that does not check that a webhook id belongs to the account
// sent, cannot read, update or delete B's webhook by sending A's account
// id with B's webhook id: NOT_FOUND, nothing sent, B's webhook unchanged.
func TestLifecycleAuthorisation(t *testing.T) {
	const callerA, callerB = "svc-lc-a", "svc-lc-b"
	const accountA, accountB = "AID-LCAUTHA", "AID-LCAUTHB"
	dir := t.TempDir()
	tokenA, tokenB := newBearerToken(t), newBearerToken(t)
	tokens := writeFile(t, dir, "tokens.json", fmt.Appendf(nil, `{"tokens": [{"caller": %q, "sha256": %q}, {"caller": %q, "sha256": %q}]}`,
		callerA, auth.HashToken(tokenA), callerB, auth.HashToken(tokenB)))
	policy := writeFile(t, dir, "policy.json", fmt.Appendf(nil, `{"callers": [{"caller": %q, "accounts": [%q]}, {"caller": %q, "accounts": [%q]}]}`,
		auth.TokenCallerPrefix+callerA, accountA, auth.TokenCallerPrefix+callerB, accountB))

	s := startSim(t, "--ownership-check=false")
	if _, ok := s.waitFor(func(l map[string]any) bool {
		return l["msg"] == "telegent-sim listening" && l["ownership_check"] == false
	}, 10*time.Second); !ok {
		t.Fatal("the simulator does not report ownership_check=false")
	}
	f := startFacade(t, s.url, nil, "--auth-tokens-file", tokens, "--auth-policy-file", policy)

	const passwordA, passwordB = "lc-auth-A-pass-51", "lc-auth-B-pass-62"
	mine := basicReq(uniqueURL(t, "") + "/a")
	mine.AccountId, mine.AuthenticationPassword = accountA, passwordA
	theirs := basicReq(uniqueURL(t, "") + "/b")
	theirs.AccountId, theirs.AuthenticationPassword = accountB, passwordB
	respA, a := (&lcClient{proto: lcGRPC, f: f, token: tokenA}).create(t, mine)
	a.ok(t, "A creates in its account")
	respB, a := (&lcClient{proto: lcGRPC, f: f, token: tokenB}).create(t, theirs)
	a.ok(t, "B creates in its account")
	idA, idB := respA.GetWebhook().GetWebhookId(), respB.GetWebhook().GetWebhookId()
	storedB := simWebhook(t, s, accountB, idB)
	if storedB == nil {
		t.Fatal("Telegent does not hold B's webhook")
	}

	var answers []string
	for _, p := range []string{lcGRPC, lcREST, lcConnect, lcGRPCWeb} {
		t.Run(p, func(t *testing.T) {
			c := &lcClient{proto: p, f: f, token: tokenA}
			defer func() { answers = append(answers, c.answers...) }()
			before := s.counters(t)

			// Account B: refused whatever the webhook id, before Telegent.
			for _, id := range []string{idB, idA} {
				_, a := c.get(t, accountB, id)
				a.refused(t, "get in B", codes.PermissionDenied, auth.ReasonAccountNotAllowed)
				upd := &webhookv1.UpdateWebhookRequest{AccountId: accountB, WebhookId: id, AuthenticationPassword: "lc-intruder-Pass"}
				_, a = c.update(t, upd)
				a.refused(t, "update in B", codes.PermissionDenied, auth.ReasonAccountNotAllowed)
				c.delete(t, accountB, id).refused(t, "delete in B", codes.PermissionDenied, auth.ReasonAccountNotAllowed)
			}
			_, a := c.list(t, &webhookv1.ListWebhooksRequest{AccountId: accountB})
			a.refused(t, "list B", codes.PermissionDenied, auth.ReasonAccountNotAllowed)
			intruder := basicReq(uniqueURL(t, "") + "/intruder")
			intruder.AccountId = accountB
			_, a = c.create(t, intruder)
			a.refused(t, "create in B", codes.PermissionDenied, auth.ReasonAccountNotAllowed)
			if after := s.counters(t); after.ListsAttempted != before.ListsAttempted || after.CreatesAttempted != before.CreatesAttempted ||
				after.UpdatesAttempted != before.UpdatesAttempted || after.DeletesAttempted != before.DeletesAttempted {
				t.Fatalf("refused calls reached Telegent: %+v, before %+v", after, before)
			}

			// A's account with B's webhook id: not A's webhook.
			_, a = c.get(t, accountA, idB)
			a.refused(t, "get B's webhook as A's", codes.NotFound, failure.ReasonWebhookNotFound)
			_, a = c.update(t, &webhookv1.UpdateWebhookRequest{AccountId: accountA, WebhookId: idB, AuthenticationPassword: "lc-intruder-Pass"})
			a.refused(t, "update B's webhook's password as A's", codes.NotFound, failure.ReasonWebhookNotFound)
			_, a = c.update(t, &webhookv1.UpdateWebhookRequest{AccountId: accountA, WebhookId: idB,
				Webhook:                &webhookv1.Webhook{WebhookUrl: "https://hooks.example.com/stolen"},
				UpdateMask:             &fieldmaskpb.FieldMask{Paths: []string{"webhook_url"}},
				AuthenticationPassword: "lc-intruder-Pass"})
			a.refused(t, "move B's webhook as A's", codes.NotFound, failure.ReasonWebhookNotFound)
			c.delete(t, accountA, idB).refused(t, "delete B's webhook as A's", codes.NotFound, failure.ReasonWebhookNotFound)
			if after := s.counters(t); after.UpdatesAttempted != before.UpdatesAttempted || after.DeletesAttempted != before.DeletesAttempted ||
				after.CreatesAttempted != before.CreatesAttempted {
				t.Fatalf("calls on another account's webhook reached Telegent's update, delete or create: %+v, before %+v", after, before)
			}
			if now := simWebhook(t, s, accountB, idB); now == nil || !reflect.DeepEqual(*now, *storedB) {
				t.Fatalf("B's webhook changed: %+v, was %+v", now, storedB)
			}

			if p == lcREST {
				restPathAgainstBody(t, s, f, tokenA, accountA, accountB, idA, idB)
			}

			// A still reaches its own webhook, B its own.
			_, a = c.get(t, accountA, idA)
			a.ok(t, "A gets its webhook")
			got, a := (&lcClient{proto: p, f: f, token: tokenB}).get(t, accountB, idB)
			a.ok(t, "B gets its webhook")
			if got.GetWebhook().GetWebhookUrl() != theirs.GetWebhookUrl() {
				t.Fatalf("B's webhook = %v", got.GetWebhook())
			}
		})
	}
	assertNoSecrets(t, f.output(), answers, map[string]string{"password of A's webhook": passwordA, "password of B's webhook": passwordB,
		"A's bearer token": tokenA, "B's bearer token": tokenB})
}

// restPathAgainstBody sends REST calls whose body names another account
// or webhook than the path, as caller A: none of them may create in,
// change or delete anything of account B.
func restPathAgainstBody(t *testing.T, s *sim, f *facade, tokenA, accountA, accountB, idA, idB string) {
	t.Helper()
	send := func(method, path string, body map[string]any) (int, string) {
		t.Helper()
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequestWithContext(t.Context(), method, f.httpURL+path, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tokenA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(answer)
	}
	storedB := simWebhooks(t, s, accountB)
	hook := func(account, suffix string) map[string]any {
		return map[string]any{"accountId": account, "webhookUrl": uniqueURL(t, "") + suffix, "subscribedEvents": []string{"WEBHOOK_EVENT_NEW_SMS"}}
	}
	if code, answer := send(http.MethodPost, "/v1/accounts/"+accountB+"/webhooks", hook(accountA, "/path-b-body-a")); code == http.StatusOK {
		t.Errorf("create with B in the path and A in the body: 200 %s", answer)
	}
	send(http.MethodPost, "/v1/accounts/"+accountA+"/webhooks", hook(accountB, "/path-a-body-b"))
	code, answer := send(http.MethodPatch, "/v1/accounts/"+accountA+"/webhooks/"+idA,
		map[string]any{"accountId": accountB, "webhookId": idB, "authenticationPassword": "lc-intruder-Pass"})
	if code != http.StatusOK && code/100 != 4 {
		t.Errorf("update with A's ids in the path and B's in the body: %d %s", code, answer)
	}
	if now := simWebhooks(t, s, accountB); !reflect.DeepEqual(now, storedB) {
		t.Errorf("calls with B's ids in the body changed B's webhooks: %+v, were %+v", now, storedB)
	}
}

// TestLifecycleUpdateNeedsCredential: an update whose result needs a
// password the facade cannot know (Telegent never returns it) is
// INVALID_ARGUMENT with a field violation, and nothing reaches Telegent's
// update endpoint.
func TestLifecycleUpdateNeedsCredential(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil)
	basicType := webhookv1.AuthenticationType_AUTHENTICATION_TYPE_BASIC
	for _, p := range []string{lcGRPC, lcREST} {
		t.Run(p, func(t *testing.T) {
			c := &lcClient{proto: p, f: f}
			account := lcAccount("CRED", p)
			none := &webhookv1.CreateWebhookRequest{AccountId: account, WebhookUrl: uniqueURL(t, "") + "/none",
				SubscribedEvents: []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_NEW_SMS}}
			noneResp, a := c.create(t, none)
			a.ok(t, "create without authentication")
			basic := basicReq(uniqueURL(t, "") + "/basic")
			basic.AccountId = account
			basicResp, a := c.create(t, basic)
			a.ok(t, "create with BASIC")
			noneID, basicID := noneResp.GetWebhook().GetWebhookId(), basicResp.GetWebhook().GetWebhookId()
			storedNone, storedBasic := simWebhook(t, s, account, noneID), simWebhook(t, s, account, basicID)
			before := s.counters(t)

			cases := map[string]*webhookv1.UpdateWebhookRequest{
				"to BASIC without a password, with a mask": {AccountId: account, WebhookId: noneID,
					Webhook:    &webhookv1.Webhook{AuthenticationType: basicType, AuthenticationUsername: "lc_user"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"authentication_type", "authentication_username"}}},
				"to BASIC without a password, without a mask": {AccountId: account, WebhookId: noneID,
					Webhook: &webhookv1.Webhook{AuthenticationType: basicType, AuthenticationUsername: "lc_user"}},
				"BASIC kept, URL changed, no password": {AccountId: account, WebhookId: basicID,
					Webhook:    &webhookv1.Webhook{WebhookUrl: uniqueURL(t, "") + "/moved"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"webhook_url"}}},
			}
			for name, req := range cases {
				_, a := c.update(t, req)
				a.refused(t, name, codes.InvalidArgument, "")
				br := badRequest(a.st)
				if br == nil || !slices.ContainsFunc(br.GetFieldViolations(), func(v *errdetails.BadRequest_FieldViolation) bool {
					return v.GetField() == "authentication_password" && v.GetReason() == "authentication_password.required_for_basic"
				}) {
					t.Errorf("%s: BadRequest = %v, want a violation of authentication_password (required_for_basic)", name, br)
				}
			}
			if after := s.counters(t); after.UpdatesAttempted != before.UpdatesAttempted {
				t.Fatalf("Telegent saw %d update calls for updates the facade refused", after.UpdatesAttempted-before.UpdatesAttempted)
			}
			if now := simWebhook(t, s, account, noneID); now == nil || !reflect.DeepEqual(*now, *storedNone) {
				t.Errorf("the webhook without authentication changed: %+v, was %+v", now, storedNone)
			}
			if now := simWebhook(t, s, account, basicID); now == nil || !reflect.DeepEqual(*now, *storedBasic) {
				t.Errorf("the BASIC webhook changed: %+v, was %+v", now, storedBasic)
			}

			// With the password, the same change goes through.
			withPassword := proto.CloneOf(cases["to BASIC without a password, with a mask"])
			withPassword.AuthenticationPassword = "lc-cred-Pass-4f"
			updated, a := c.update(t, withPassword)
			a.ok(t, "to BASIC with a password")
			if u := updated.GetWebhook(); u.GetAuthenticationType() != basicType || u.GetAuthenticationUsername() != "lc_user" || !u.GetPasswordSet() ||
				u.GetWebhookUrl() != none.GetWebhookUrl() || !slices.Equal(u.GetSubscribedEvents(), none.GetSubscribedEvents()) {
				t.Errorf("update answered %v", u)
			}
			if d := s.counters(t).UpdatesAttempted - before.UpdatesAttempted; d != 1 {
				t.Errorf("Telegent saw %d updates, want 1", d)
			}
		})
	}
}

// TestLifecycleListPagesStable pages an account's list while it changes:
// the webhook that ended the previous page is deleted and a new one is
// created between two pages; the next pages carry on after the previous
// page's last id, so no webhook is skipped or seen twice. A page token is
// refused for another account, and so are a forged token and a negative
// page size.
func TestLifecycleListPagesStable(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil)
	for _, p := range []string{lcGRPC, lcREST} {
		t.Run(p, func(t *testing.T) {
			c := &lcClient{proto: p, f: f}
			account := lcAccount("PAGE", p)
			create := func(name string) string {
				t.Helper()
				resp, a := c.create(t, &webhookv1.CreateWebhookRequest{AccountId: account, WebhookUrl: uniqueURL(t, "") + "/" + name,
					SubscribedEvents: []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_CALL_COMPLETED}})
				a.ok(t, "create "+name)
				return resp.GetWebhook().GetWebhookId()
			}
			var ids []string
			for i := range 4 {
				ids = append(ids, create(fmt.Sprint(i)))
			}
			slices.Sort(ids)
			page := func(token string) *webhookv1.ListWebhooksResponse {
				t.Helper()
				resp, a := c.list(t, &webhookv1.ListWebhooksRequest{AccountId: account, PageSize: 2, PageToken: token})
				a.ok(t, "list a page")
				return resp
			}
			pageIDs := func(resp *webhookv1.ListWebhooksResponse) []string {
				var out []string
				for _, w := range resp.GetWebhooks() {
					out = append(out, w.GetWebhookId())
				}
				return out
			}
			first := page("")
			if got := pageIDs(first); !slices.Equal(got, ids[:2]) || first.GetNextPageToken() == "" {
				t.Fatalf("first page = %v (next %q), want %v and a next page", got, first.GetNextPageToken(), ids[:2])
			}
			c.delete(t, account, ids[1]).ok(t, "delete the last webhook of the first page")
			added := create("added")
			var rest []string
			token := first.GetNextPageToken()
			for range 5 {
				resp := page(token)
				rest = append(rest, pageIDs(resp)...)
				if token = resp.GetNextPageToken(); token == "" {
					break
				}
			}
			if want := []string{ids[2], ids[3], added}; !slices.Equal(rest, want) {
				t.Fatalf("pages after the change = %v, want %v", rest, want)
			}

			// Refused tokens and sizes, each with a field violation.
			refusals := map[string]struct {
				req   *webhookv1.ListWebhooksRequest
				field string
			}{
				"another account's page token": {&webhookv1.ListWebhooksRequest{AccountId: lcAccount("PAGEOTHER", p), PageToken: first.GetNextPageToken()}, "page_token"},
				"a forged page token":          {&webhookv1.ListWebhooksRequest{AccountId: account, PageToken: "bm90LWEtdG9rZW4"}, "page_token"},
				"a negative page size":         {&webhookv1.ListWebhooksRequest{AccountId: account, PageSize: -1}, "page_size"},
			}
			for name, r := range refusals {
				_, a := c.list(t, r.req)
				a.refused(t, name, codes.InvalidArgument, "")
				if br := badRequest(a.st); br == nil || !slices.ContainsFunc(br.GetFieldViolations(), func(v *errdetails.BadRequest_FieldViolation) bool {
					return v.GetField() == r.field
				}) {
					t.Errorf("%s: BadRequest = %v, want a violation of %s", name, br, r.field)
				}
			}
		})
	}
}

// setSimFaults sets the simulator's default faults (the channel for
// delete and list, whose bodies carry no WebhookUrl).
func setSimFaults(t *testing.T, s *sim, f telegentsim.Faults) {
	t.Helper()
	s.admin(t, http.MethodPut, "/_sim/faults", f, nil)
}

// TestLifecycleChangeOutcomeUnknown: an update whose answer Telegent drops
// after acting, every time, is UNAVAILABLE, outcome unknown, with a
// RetryInfo, and repeating it is harmless. A delete whose answer is dropped
// is repeated by the facade, whose repeat gets Telegent's 404: the delete
// succeeded, and only a later delete is WEBHOOK_NOT_FOUND.
func TestLifecycleChangeOutcomeUnknown(t *testing.T) {
	s := startSim(t)
	f := startFacade(t, s.url, nil, "--breaker-failures", "1000", "--breaker-failure-ratio", "2")
	for _, p := range []string{lcGRPC, lcREST} {
		t.Run(p, func(t *testing.T) {
			c := &lcClient{proto: p, f: f}
			account := lcAccount("CHG", p)
			req := basicReq(uniqueURL(t, ""))
			req.AccountId = account
			created, a := c.create(t, req)
			a.ok(t, "create")
			id := created.GetWebhook().GetWebhookId()

			const rotated = "lc-rotated-Pass-0c"
			update := &webhookv1.UpdateWebhookRequest{AccountId: account, WebhookId: id, AuthenticationPassword: rotated}
			setSimFaults(t, s, telegentsim.Faults{Drop: telegentsim.DropAfterBody, On: telegentsim.EndpointUpdate})
			_, a = c.update(t, update)
			setSimFaults(t, s, telegentsim.Faults{})
			a.refused(t, "update whose answer is dropped", codes.Unavailable, "")
			if errorInfo(a.st).GetMetadata()[failure.MetadataOutcomeUnknown] != "true" || retryInfo(a.st) == nil {
				t.Errorf("dropped update: details %v, want outcome_unknown and a RetryInfo", a.st.Details())
			}
			if w := simWebhook(t, s, account, id); w == nil || deref(w.AuthenticationPassword) != rotated {
				t.Fatal("Telegent did not apply the update whose answer was dropped")
			}
			updated, a := c.update(t, update)
			a.ok(t, "repeat the update")
			if u := updated.GetWebhook(); u.GetWebhookId() != id || u.GetWebhookUrl() != req.GetWebhookUrl() || !u.GetPasswordSet() {
				t.Errorf("repeated update = %v", u)
			}

			// The facade repeats a delete whose answer was lost; the repeat
			// finds nothing, and the delete it made is a success.
			deletesBefore := s.counters(t).DeletesAttempted
			setSimFaults(t, s, telegentsim.Faults{Drop: telegentsim.DropAfterBody, On: telegentsim.EndpointDelete})
			a = c.delete(t, account, id)
			setSimFaults(t, s, telegentsim.Faults{})
			a.ok(t, "delete whose first answer is dropped")
			if simWebhook(t, s, account, id) != nil {
				t.Fatal("Telegent still holds the deleted webhook")
			}
			if d := s.counters(t).DeletesAttempted - deletesBefore; d < 2 {
				t.Errorf("Telegent saw %d deletes, want the dropped one and the facade's repeat", d)
			}
			c.delete(t, account, id).refused(t, "repeat the delete", codes.NotFound, failure.ReasonWebhookNotFound)
		})
	}
}
