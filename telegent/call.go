package telegent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"
)

// epID indexes endpoints.
type epID int

const (
	epCreate epID = iota
	epUpdate
	epDelete
	epList
)

// endpoint is one row of the table every webhook call is driven by. Adding
// an endpoint is a row here, a wire type and a method calling call.
type endpoint struct {
	// op names the call in errors and metrics.
	op string
	// method is the HTTP method.
	method string
	// path hangs off BaseURL; BaseURL+path is also the token's scope.
	path string
	// repeatable: sending the same request again leaves Telegent as sending
	// it once did, so a call whose request may have reached Telegent without
	// a definite answer is repeated.
	repeatable bool
	// mutates: the call changes Telegent's state, so such a failure leaves
	// its outcome unknown (Error.OutcomeUnknown).
	mutates bool
	// malformed is the Reason given when a success body cannot be decoded.
	malformed string
}

var endpoints = [...]endpoint{
	// A create repeated makes a second webhook.
	epCreate: {OpCreateWebhook, http.MethodPost, "/v1.0/webhook/create", false, true, "response is not a webhook with a WebhookId"},
	// The same whole body twice sets the same values twice.
	epUpdate: {OpUpdateWebhook, http.MethodPost, "/v1.0/webhook/update", true, true, "response is not a webhook with a WebhookId"},
	// A repeat finds the webhook gone (404): no second effect.
	epDelete: {OpDeleteWebhook, http.MethodPost, "/v1.0/webhook/delete", true, true, "response cannot be read"},
	epList:   {OpListWebhooks, http.MethodGet, "/v1.0/account/webhooks", true, false, "response is not a list of webhooks with WebhookIds"},
}

// target is an endpoint resolved against BaseURL.
type target struct {
	scope string   // the full URL, without query: what the token is scoped to
	url   *url.URL // scope parsed once; requests are built from copies
}

// mutatingOp reports whether op changes Telegent's state.
func mutatingOp(op string) bool {
	for _, ep := range endpoints {
		if ep.op == op {
			return ep.mutates
		}
	}
	return false
}

// maxConnectRetries bounds the retries of one call after failed attempts
// that Telegent never answered (no connection; or, for a repeatable call, a
// dropped or timed-out exchange, 502, 504). 401 retries are counted apart.
const maxConnectRetries = 2

// connectBackoffBase is the first delay before such a retry.
const connectBackoffBase = 50 * time.Millisecond

// callSpec is one call's input besides its endpoint.
type callSpec struct {
	query url.Values // sent in the URL; not part of the token's scope
	body  any        // JSON-encoded; nil sends no body
	// secrets are the request's own secrets, scrubbed from every Reason
	// besides the account secret and the bearer token.
	secrets []string
}

// call makes one webhook call: token for the endpoint's scope, attempts,
// retries by the endpoint's row, decoding of the success body. ctx bounds
// the whole call, token fetches included. Errors are *Error.
//
// Retries: once after a 401 with a fresh token (refused before being
// processed); up to maxConnectRetries times when no connection could be
// made; and, only for a repeatable endpoint, as often when the exchange
// failed with no definite answer. Once an attempt of a mutating call may
// have reached Telegent, any failure the call ends with is OutcomeUnknown.
func call[T any](ctx context.Context, c *Client, id epID, spec callSpec, decode func([]byte) (T, error)) (T, error) {
	var zero T
	ep := &endpoints[id]
	var body []byte
	if spec.body != nil {
		var err error
		if body, err = json.Marshal(spec.body); err != nil {
			return zero, &Error{Kind: KindBadRequest, Op: ep.op, Reason: "cannot encode request"}
		}
	}
	scope := c.targets[id].scope
	unknown := false // an earlier attempt of this call may have taken effect
	fail := func(e *Error) (T, error) {
		if unknown && ep.mutates && !e.OutcomeUnknown {
			// A copy: a token fetch's error is shared by every waiter.
			cp := *e
			cp.OutcomeUnknown = true
			e = &cp
		}
		return zero, e
	}
	retriedUnauthorized := false
	retries := 0
	for {
		// Asked on every attempt, so a retry never sends a token that expired
		// while we backed off.
		tok, err := c.token(ctx, scope)
		if err != nil {
			e, ok := errors.AsType[*Error](err)
			if !ok { // token errors are *Error; this only keeps fail total
				e = &Error{Kind: KindConnection, Op: OpFetchToken, Err: err}
			}
			return fail(e)
		}
		res, e, notSent, indefinite := attempt(ctx, c, id, spec, tok.value, body, decode)
		if e == nil {
			return res, nil
		}
		unknown = unknown || indefinite
		retryable := notSent || (ep.repeatable && indefinite && e.Kind != KindMalformedResponse && ctx.Err() == nil)
		switch {
		case e.Kind == KindUnauthorized:
			// A 401 means the token was refused before the request was
			// processed, so repeating is safe for every endpoint.
			c.tokens.invalidate(scope, tok.value)
			if retriedUnauthorized {
				return fail(e)
			}
			retriedUnauthorized = true
			c.obs.ObserveRetry(ep.op, RetryUnauthorized)
		case retryable && retries < maxConnectRetries:
			delay := backoff(connectBackoffBase, retries)
			retries++
			if !fitsDeadline(ctx, delay) {
				return fail(e)
			}
			reason := RetryConnection
			if e.StatusCode != 0 {
				reason = RetryStatus
			}
			c.obs.ObserveRetry(ep.op, reason)
			if c.sleep(ctx, delay) != nil {
				return fail(ContextError(ctx, ep.op, ""))
			}
		default:
			return fail(e)
		}
	}
}

// attempt makes one exchange of a call. notSent is true when the failure
// happened before any connection existed, so nothing can have reached
// Telegent; indefinite when the request may have reached Telegent and no
// definite answer came back (sent and then dropped or timed out, a proxy's
// 502 or 504, a success whose body could not be read or decoded).
func attempt[T any](ctx context.Context, c *Client, id epID, spec callSpec, bearer string, body []byte, decode func([]byte) (T, error)) (res T, e *Error, notSent, indefinite bool) {
	ep := &endpoints[id]
	start := time.Now()
	status := 0
	defer func() {
		if e != nil {
			// Telegent also fails with 500 after applying a change as well
			// as before: the outcome is unknown, though not worth an
			// automatic repeat.
			e.OutcomeUnknown = ep.mutates && (indefinite || status == http.StatusInternalServerError)
		}
		c.observeUpstream(ep.op, status, time.Since(start), e)
	}()

	// The caller's deadline often comes first (the server gives every call
	// one); a context of our own would then bound nothing.
	if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) > c.cfg.AttemptTimeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.AttemptTimeout)
		defer cancel()
	}
	rep, e, notSent, sent := c.exchange(ctx, ep.op, ep.method, c.targets[id].url, spec.query, bearer, body)
	if e != nil {
		return res, e, notSent, sent
	}
	status = rep.status
	if rep.status < 200 || rep.status > 299 {
		// Every secret the answer might echo is scrubbed from its reason.
		secrets := append([]string{c.cfg.AccountSecret, bearer}, spec.secrets...)
		e = statusError(ep.op, rep.status, rep.header, rep.body, c.clock.Now(), secrets)
		// 502 and 504 come from a proxy in front of Telegent: the call may
		// have reached Telegent and succeeded behind it.
		return res, e, false, rep.status == http.StatusBadGateway || rep.status == http.StatusGatewayTimeout
	}
	// From here the upstream said yes: a mutating call probably took
	// effect, so any failure to read the answer leaves the outcome unknown.
	if rep.readErr != nil {
		e = transportError(ctx, ep.op, rep.readErr, true)
		e.StatusCode = rep.status
		return res, e, false, true
	}
	malformed := func(reason string, err error) *Error {
		return &Error{Kind: KindMalformedResponse, Op: ep.op, StatusCode: rep.status, Reason: reason, Err: err}
	}
	if rep.tooLarge {
		return res, malformed(fmt.Sprintf("response exceeds %d bytes", c.cfg.MaxResponseBytes), nil), false, true
	}
	res, err := decode(rep.body)
	if err != nil {
		return res, malformed(ep.malformed, err), false, true
	}
	return res, nil, false, false
}

// reply is an upstream answer with its body read up to the size cap.
type reply struct {
	status   int
	header   http.Header
	body     []byte
	tooLarge bool  // body was cut at MaxResponseBytes
	readErr  error // reading the body failed part way
}

// exchange sends one request to target (with query, if any) and reads the
// answer. On a transport failure sent reports that a connection was
// obtained, so the request may have reached the upstream; notSent that none
// was and a new attempt may succeed (the context is alive, the certificate
// was not refused): only without a connection is it certain that no byte of
// the request reached the upstream. (http.Transport itself re-sends a POST only when it knows
// nothing was written, because we never set Idempotency-Key.)
func (c *Client) exchange(ctx context.Context, op, method string, target *url.URL, query url.Values, bearer string, body []byte) (rep *reply, e *Error, notSent, sent bool) {
	var connected atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }}
	req := newRequest(httptrace.WithClientTrace(ctx, trace), method, target, query, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if c.cfg.SetHeaders != nil {
		c.cfg.SetHeaders(ctx, req.Header)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		sent := connected.Load()
		return nil, transportError(ctx, op, err, sent), !sent && ctx.Err() == nil && !isCertificateError(err), sent
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	rep = &reply{status: resp.StatusCode, header: resp.Header, body: data, readErr: err}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		rep.body, rep.tooLarge = data[:c.cfg.MaxResponseBytes], true
	}
	return rep, nil, false, true
}

// newRequest is http.NewRequestWithContext(ctx, method, target.String(),
// bytes.NewReader(body)) without parsing the URL again on every call. A nil
// body sends none.
func newRequest(ctx context.Context, method string, target *url.URL, query url.Values, body []byte) *http.Request {
	// An empty URL parses at no cost and cannot fail; the rest is set as
	// NewRequestWithContext sets it for a *bytes.Reader body.
	req, _ := http.NewRequestWithContext(ctx, method, "", nil)
	*req.URL = *target
	if len(query) > 0 {
		req.URL.RawQuery = query.Encode()
	}
	req.Host = target.Host
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	return req
}

// CreateWebhook creates a webhook. ctx bounds the whole call, token fetch
// included. It retries only where no webhook can have been created: once
// after a 401 (with a fresh token), and up to twice when no connection could
// be established. Errors are *Error; check OutcomeUnknown before retrying.
func (c *Client) CreateWebhook(ctx context.Context, req *CreateWebhookRequest) (*Webhook, error) {
	if req == nil {
		return nil, &Error{Kind: KindBadRequest, Op: OpCreateWebhook, Reason: "nil request"}
	}
	return call(ctx, c, epCreate, callSpec{body: req, secrets: req.secrets()}, decodeWebhook)
}

// UpdateWebhook replaces every setting of webhook req.WebhookId with req's
// (Telegent's update takes the whole body: a member left empty is set
// empty). Repeating it is harmless, so besides CreateWebhook's retries it
// also repeats an attempt that may have reached Telegent without a definite
// answer. An error with OutcomeUnknown means the update may or may not have
// been applied; sending it again is safe. Errors are *Error.
func (c *Client) UpdateWebhook(ctx context.Context, req *UpdateWebhookRequest) (*Webhook, error) {
	if req == nil {
		return nil, &Error{Kind: KindBadRequest, Op: OpUpdateWebhook, Reason: "nil request"}
	}
	if req.WebhookId == "" {
		return nil, &Error{Kind: KindBadRequest, Op: OpUpdateWebhook, Reason: "WebhookId is required"}
	}
	return call(ctx, c, epUpdate, callSpec{body: req, secrets: req.secrets()}, decodeWebhook)
}

// DeleteWebhook permanently deletes webhook webhookID of account accountID;
// a missing one is KindNotFound. It retries like UpdateWebhook. A
// KindNotFound with OutcomeUnknown means an earlier attempt of this same
// call may have reached Telegent: the webhook is gone, perhaps deleted by
// this call. Errors are *Error.
func (c *Client) DeleteWebhook(ctx context.Context, accountID, webhookID string) error {
	if webhookID == "" {
		return &Error{Kind: KindBadRequest, Op: OpDeleteWebhook, Reason: "WebhookId is required"}
	}
	// The body is not documented; ignoring it means any 2xx is success.
	_, err := call(ctx, c, epDelete, callSpec{body: deleteWebhookRequest{AccountId: accountID, WebhookId: webhookID}},
		func([]byte) (struct{}, error) { return struct{}{}, nil })
	return err
}

// ListWebhooks returns every webhook of account accountID, in Telegent's
// order. Passwords and tokens Telegent may return are never decoded: only
// Webhook.HasPassword and HasToken say whether they are set. It retries
// like UpdateWebhook; it changes nothing, so its errors never carry
// OutcomeUnknown. Errors are *Error.
func (c *Client) ListWebhooks(ctx context.Context, accountID string) ([]*Webhook, error) {
	return call(ctx, c, epList, callSpec{query: url.Values{"AccountId": {accountID}}}, decodeWebhookList)
}
